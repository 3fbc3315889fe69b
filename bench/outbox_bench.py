"""Benchmark: the outbox draining 1,000 queued Slack messages under Slack's per-channel pacing.

    .venv/bin/python bench/outbox_bench.py [-n 1000] [--channels 100] [--pg]

Queues n chat.postMessage rows spread round-robin over `channels` channels (SQLite, or a fresh
PostgreSQL database with --pg), then lets the real background work deliver them — chatops.background
with the leader lease, the sender and the Slack deliverer, the bot's own outbox client — to a
loopback fake Slack. Slack allows about one message a second per channel (chatops.outbox.slack
POSTS_PER_CHANNEL_S), so n messages over c channels cannot take less than n/c - 1 seconds; spread
over channels they go out in parallel lanes. Reported: the time to drain them all, messages per
second, queue-to-Slack latency p50/p99, one channel's rate (and the shortest gap between two posts
in any one channel: never under a second), and, for comparison, the sender's own ceiling with the
pacing off.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import load, pct  # noqa: E402
from tests.conftest import BOT_TOKEN  # noqa: E402
from tests.fakes import FakeSlack  # noqa: E402


def drain(url: str, n: int, channels: int, *, pace: bool) -> dict[str, float]:
    from chatops.background import Background
    from chatops.lease import LeaseKeeper
    from chatops.outbox import OutboxSender, enqueue
    from chatops.outbox.slack import SlackDeliverer
    from chatops.scheduler import Scheduler
    from chatops.slack.messenger import SlackMessenger, make_web_client
    from storage.db import Database

    slack = FakeSlack()
    db = Database(url)
    db.migrate()
    try:
        with db.session() as session:
            for i in range(n):
                enqueue(session, channel=f"C{i % channels:04d}",
                        message={"text": f"announcement {i}", "blocks": [
                            {"type": "section", "text": {"type": "mrkdwn", "text": f"*INC-{i}* checkout errors"}}]})
        queued = time.monotonic()
        messenger = SlackMessenger(make_web_client(slack.api_url, BOT_TOKEN, rate_limits=False))
        sender = OutboxSender(db, [SlackDeliverer(messenger, "bench")], holder="bench:1:x:y", pace=pace)
        lease = LeaseKeeper(db, ttl_s=15, holder=f"bench-{uuid.uuid4().hex[:8]}")
        background = Background(db, Scheduler(db, []), sender, lease, lease_ttl_s=15).start()
        try:
            posts = slack.wait_for("chat.postMessage", count=n, timeout=max(60.0, 3.0 * n / channels))
        finally:
            background.close()
        by_channel: dict[str, list[float]] = defaultdict(list)
        for call in posts:
            by_channel[call.body["channel"]].append(call.at)
        first = sorted(by_channel["C0000"])
        gaps = [b - a for times in by_channel.values() for a, b in zip(sorted(times), sorted(times)[1:])]
        last = max(c.at for c in posts)
        latency = [(c.at - queued) * 1000 for c in posts]
        return {"seconds": last - queued, "rate": n / (last - queued), "p50": pct(latency, 50),
                "p99": pct(latency, 99), "one": (len(first) - 1) / (first[-1] - first[0]) if len(first) > 1 else 0,
                "min_gap": min(gaps) if gaps else 0.0, "posts": len(posts)}
    finally:
        db.dispose()
        slack.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--pg", action="store_true", help="on a fresh PostgreSQL database (OCC_TEST_PG's server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = iter(lambda: f"sqlite:///{tmp}/outbox-{uuid.uuid4().hex[:6]}.db", None)
        cleanup = None
        if args.pg:
            from tests.conftest import PG_ADMIN, PG_SKIP_REASON

            if PG_SKIP_REASON:
                raise SystemExit(PG_SKIP_REASON)
            import psycopg

            admin, made = PG_ADMIN.replace("+psycopg", ""), []

            def make() -> str:
                name = f"occ_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                made.append(name)
                return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"

            def cleanup() -> None:
                with psycopg.connect(admin, autocommit=True) as conn:
                    for name in made:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            urls = iter(make, None)
        try:
            print(f"# outbox: {args.n} messages over {args.channels} channels, "
                  f"{'PostgreSQL' if args.pg else 'SQLite'}, {load()}\n")
            print("| run | drained in | messages/s | queue→Slack p50 | p99 | one channel | shortest gap in a channel |")
            print("|---|---|---|---|---|---|---|")
            for label, pace, channels in (("paced (Slack's ~1/s per channel)", True, args.channels),
                                          ("pacing off (the sender's ceiling)", False, args.channels)):
                r = drain(next(urls), args.n, channels, pace=pace)
                print(f"| {label} | {r['seconds']:.1f} s | {r['rate']:.0f} | {r['p50'] / 1000:.1f} s | "
                      f"{r['p99'] / 1000:.1f} s | {r['one']:.2f} msg/s | {r['min_gap'] * 1000:.0f} ms |", flush=True)
            print(f"\n{load()} at the end")
        finally:
            if cleanup:
                cleanup()


if __name__ == "__main__":
    main()
