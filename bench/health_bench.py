"""Benchmark: acknowledgement and answer latency of /occ health over the real HTTP transport,
with live (non-MOCK) integrations.

Starts `python app.py http` against loopback fakes (Slack Web API + integrations answering in
~50 ms), fires signed requests at a fixed concurrency, prints p50/p95/max. Targets: every ack under
3 s (Slack's limit) with wide margin; every health answer within the probe timeout plus a second.
An answer is the response_url post, or the acknowledgement itself when it carried the report (a
burst answered from the monitor's fresh results): both are counted, and how many were which.

    .venv/bin/python bench/health_bench.py [requests] [concurrency] [hang]

With a third argument `hang`, Shopify never answers (20 s) and the probe timeout is 5 s: every
ack must still be immediate and every answer must arrive within 6 s.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import load, pct  # noqa: E402  (first: it lifts the fakes' listen backlog)
from tests.conftest import Behaviour, FakeIntegrations, _integration_route, integration_env, start_bot  # noqa: E402
from tests.fakes import FakeServer, FakeSlack  # noqa: E402


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    hang = len(sys.argv) > 3 and sys.argv[3] == "hang"
    ref: list = []
    fakes = FakeIntegrations(FakeServer(_integration_route("chatwoot", ref)),
                             FakeServer(_integration_route("shopify", ref)),
                             FakeServer(_integration_route("ga", ref)))
    ref.append(fakes)
    for name in ("chatwoot", "shopify", "ga"):
        fakes.behaviour[name] = Behaviour(delay_s=0.05)
    if hang:
        fakes.behaviour["shopify"] = Behaviour(delay_s=20)
    slack = FakeSlack()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SLACK_API_URL": slack.api_url, **integration_env(fakes), "OCC_PROBE_TIMEOUT_S": "5"}
        bot = start_bot(Path(tmp), env)
        try:
            print(f"# {load()}", flush=True)
            for label, text in ((("health", "health"),) if hang else (("help (ack only)", "help"), ("health", "health"))):
                acks: list[float] = []
                sent: dict[str, float] = {}
                in_ack: dict[str, float] = {}  # requests whose acknowledgement carried the report

                def one(i: int) -> None:
                    name = f"{text}-{i}"
                    started = time.monotonic()
                    sent[name] = started
                    response = bot.command(text, slack.response_url(name))
                    assert response.status_code == 200
                    acks.append((time.monotonic() - started) * 1000)
                    if "Checking" not in response.text:
                        in_ack[name] = time.monotonic()

                wall = time.monotonic()
                with ThreadPoolExecutor(concurrency) as pool:
                    list(pool.map(one, range(total)))
                line = (f"{label:16} n={total} c={concurrency}  ack p50={statistics.median(acks):6.1f} ms "
                        f"p95={pct(acks, 95):6.1f} ms max={max(acks):6.1f} ms")
                if text == "health":
                    answers = slack.wait_for("/respond/health-", count=total - len(in_ack), timeout=120)
                    at = {**in_ack, **{c.path.rsplit("/", 1)[-1]: c.at for c in answers}}
                    lat = [(at[name] - sent[name]) * 1000 for name in sent]
                    line += (f"  answer p50={statistics.median(lat):6.1f} ms p95={pct(lat, 95):6.1f} ms "
                             f"max={max(lat):6.1f} ms ({len(in_ack)} in the ack)")
                print(line + f"  wall={time.monotonic() - wall:5.1f} s", flush=True)
        finally:
            bot.proc.terminate()
            bot.proc.wait(timeout=10)
            slack.close()
            for server in (fakes.chatwoot, fakes.shopify, fakes.ga):
                server.close()


if __name__ == "__main__":
    main()
