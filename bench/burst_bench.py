"""Benchmark: a burst of /occ commands against the bot and, in the same run, a bare Bolt app.

    .venv/bin/python bench/burst_bench.py [--commands help,incidents,health,status] [-n 400] [-c 32]

Starts `python app.py http` (SQLite, every integration MOCK, a loopback fake Slack; a few open
incidents and Memory entries seeded) and bench/bare_bolt.py twice (a minimal Bolt App on waitress
with the same thread count, answering in its ack: once with Bolt's defaults — the yardstick of
the targets — and once with process_before_response=True, as the bot runs its listeners). For
each command, the bare apps take the burst, then the bot: n signed requests, c at a time over
keep-alive connections, each client sending its next request when its previous one was
acknowledged.

A person's answer is the acknowledgement when it carries it; when the command also posts to its
response_url, the first such post is the answer (conservative: a follow-up after an ack that
already answered counts against the bot; follow-ups are awaited until none has come for 2 s).
Reported per command: answered req/s (n / time from the
first request to the last answer), answer p50/p99, ack max, non-200 acks, and the ratio of
answered req/s to the bare app's. Then the bot's resident memory (VmRSS) idle and its peak under
the bursts. Targets (local reads): every request acknowledged, answer p99 < 250 ms, >= 0.8x the
bare app (0.5x for health), RSS < 150 MB.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import (Burst, RssSampler, ack_text, burst, command_body, cpu_s, load, pct, rss_mb,  # noqa: E402
                       start_bare)
from tests.conftest import start_bot  # noqa: E402
from tests.fakes import FakeSlack  # noqa: E402

LOCAL_READ_TARGET = 0.8
HEALTH_TARGET = 0.5


def seed(db_url: str) -> None:
    """A few open incidents (with timelines) and Memory entries, as in a real outage."""
    from blocks import incidents as views
    from chatops.incidents.service import IncidentService, NewIncident
    from chatops.memory import log as memory
    from storage.db import Database

    db = Database(db_url)
    db.migrate()
    svc = IncidentService(db, None, views)
    for i in range(1, 9):
        inc = svc.create(NewIncident(title=f"Checkout errors on {['Shopify', 'Chatwoot'][i % 2]} #{i}",
                                     severity=f"SEV{1 + i % 4}", integration=["shopify", "chatwoot"][i % 2],
                                     reporter="U0SEED", description="Customers see 502s at checkout."))
        svc.add_note(inc.number, "U0SEED", "Looking at the payment provider's status page.")
    with db.session() as session:
        for i in range(30):
            memory.record(session, scope="ops", actor="U0SEED", action="note",
                          rationale=f"Decision {i}: refunds over 100 EUR need a manager's approval")
    db.dispose()


def answers(slack: FakeSlack, run: Burst, prefix: str, quiet_s: float, timeout_s: float = 60) -> dict[str, float]:
    """Each request's answer time: its first response_url post, else its acknowledgement. Follow-ups
    are awaited until every request has one, or none has come for `quiet_s` (after the last
    acknowledgement, or after the last follow-up), or `timeout_s`."""
    last = max(r.acked_at for r in run.results.values())
    follow: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for call in slack.calls_to(f"/respond/{prefix}"):
            name = call.path.rsplit("/", 1)[-1]
            follow[name] = min(follow.get(name, call.at), call.at)
            last = max(last, call.at)
        if len(follow) >= len(run.results) or time.monotonic() > last + quiet_s:
            break
        time.sleep(0.05)
    return {name: follow.get(name, r.acked_at) for name, r in run.results.items()}


def measure(port: int, pid: int, slack: FakeSlack, label: str, text: str, n: int, c: int) -> dict[str, float]:
    prefix = f"{label}-{text.replace(' ', '_')}-{time.monotonic_ns()}-"
    bodies = [(f"{prefix}{i}", command_body(text, slack.response_url(f"{prefix}{i}"))) for i in range(n)]
    cpu = cpu_s(pid)
    run = burst(port, bodies, c)
    answered = answers(slack, run, prefix, quiet_s=0.0 if label.startswith("bare") else 2.0)  # bare: ack only
    cpu = cpu_s(pid) - cpu
    followed = sum(1 for name, r in run.results.items() if answered[name] != r.acked_at)
    lat = [(answered[name] - r.sent_at) * 1000 for name, r in run.results.items()]
    acks = [(r.acked_at - r.sent_at) * 1000 for r in run.results.values()]
    bad = sum(1 for r in run.results.values() if r.status != 200) + (n - len(run.results))
    return {"rps": n / (max(answered.values()) - run.started), "p50": pct(lat, 50), "p99": pct(lat, 99),
            "ack_max": max(acks), "bad": bad, "over_3s": sum(1 for a in acks if a > 3000), "cpu_ms": cpu * 1000 / n,
            "via": "ack" if not followed else f"response_url ({followed}/{n})",
            "sample": ack_text(next(iter(run.results.values())).body)[:60]}


@contextmanager
def profiled(folder: str | None, pid: int, name: str) -> Iterator[None]:
    """py-spy (a dev tool: `.venv/bin/pip install py-spy`) sampling every thread of `pid`."""
    if not folder:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"{name.replace(' ', '_')}.txt"
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-o", str(out),
                            "--format", "raw", "--rate", "250", "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", default="help,incidents,health,status",
                        help="comma-separated /occ subcommands (default: %(default)s)")
    parser.add_argument("-n", type=int, default=400, help="requests per command (default: %(default)s)")
    parser.add_argument("-c", type=int, default=32, help="concurrent requests (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=16, help="OCC_HTTP_THREADS for both servers")
    parser.add_argument("--profile", metavar="DIR", help="py-spy record the bot during each burst (collapsed "
                        "stacks in DIR/<command>.txt; summarise with bench/profile_top.py)")
    args = parser.parse_args()
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    slack = FakeSlack()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/occ.db"
        seed(db_url)
        bot = start_bot(Path(tmp), {"SLACK_API_URL": slack.api_url, "DATABASE_URL": db_url,
                                    "OCC_HTTP_THREADS": str(args.threads)})
        bare, bare_port = start_bare(args.threads, slack.api_url)
        tuned, tuned_port = start_bare(args.threads, slack.api_url, sync=True)
        bot_port = int(bot.url.rsplit(":", 1)[1])
        servers = {"bare": (bare_port, bare.pid), "bare-sync": (tuned_port, tuned.pid), "bot": (bot_port, bot.proc.pid)}
        try:
            for label, (port, pid) in servers.items():
                for text in commands:  # warm all three: imports, pools, caches
                    measure(port, pid, slack, label, text, min(args.n, 64), args.c)
            time.sleep(1)
            idle = rss_mb(bot.proc.pid)
            print(f"# burst: n={args.n} c={args.c} threads={args.threads}, {load()} at start\n", flush=True)
            print("| command | answered | bot req/s | bare req/s | ratio (target) | bot answer p50 · p99 | "
                  "bot ack max | bare p50 · p99 | CPU/request bot · bare | not acked | load (1 min) |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            peak, rows = 0.0, []
            for text in commands:
                base = measure(bare_port, bare.pid, slack, "bare", text, args.n, args.c)
                sync = measure(tuned_port, tuned.pid, slack, "bare-sync", text, args.n, args.c)
                with RssSampler(bot.proc.pid) as sampler, profiled(args.profile, bot.proc.pid, text):
                    got = measure(bot_port, bot.proc.pid, slack, "bot", text, args.n, args.c)
                peak = max(peak, sampler.peak)
                ratio = got["rps"] / base["rps"]
                target = HEALTH_TARGET if text == "health" else LOCAL_READ_TARGET
                verdict = "ok" if ratio >= target and got["p99"] < 250 and not got["bad"] else "MISSED"
                print(f"| `{text}` | {got['via']} | {got['rps']:.0f} | {base['rps']:.0f} | {ratio:.2f}x ({verdict}, "
                      f"{target}x) | {got['p50']:.1f} · {got['p99']:.1f} ms | {got['ack_max']:.1f} ms | "
                      f"{base['p50']:.1f} · {base['p99']:.1f} ms | {got['cpu_ms']:.2f} · {base['cpu_ms']:.2f} ms | "
                      f"{got['bad']} | {load().split()[1]} |", flush=True)
                rows.append((text, got, sync))
            print("\nThe same bursts against the bare app with process_before_response=True (its listener on the "
                  "request's thread, as the bot's):\n")
            print("| command | bot req/s | bare-sync req/s | ratio | bare-sync p50 · p99 | CPU/request bot · bare-sync |")
            print("|---|---|---|---|---|---|")
            for text, got, sync in rows:
                print(f"| `{text}` | {got['rps']:.0f} | {sync['rps']:.0f} | {got['rps'] / sync['rps']:.2f}x | "
                      f"{sync['p50']:.1f} · {sync['p99']:.1f} ms | {got['cpu_ms']:.2f} · {sync['cpu_ms']:.2f} ms |")
            print(f"\nbot VmRSS: idle {idle:.0f} MB, peak under the bursts {peak:.0f} MB "
                  f"(bare app {rss_mb(bare.pid):.0f} MB); target < 150 MB. {load()} at the end", flush=True)
        finally:
            for proc in (bot.proc, bare, tuned):
                proc.terminate()
                proc.wait(timeout=10)
            slack.close()


if __name__ == "__main__":
    main()
