"""docs/deployment.md, checked: two replicas started at once on one PostgreSQL database (both
migrate; neither fails), driven through both, the leader killed with SIGKILL mid-delivery — every
incident stored once with gapless numbers, every announcement and note posted exactly once, and the
survivor takes the lease over and delivers what was pending."""
from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg

from tests.test_alerts_e2e import text, wait_until
from tests.test_performance import _submission
from tests.test_replicas import leader_pid

INC = "C0INCIDENTS"
INCIDENTS = 8


def rows(pg_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        return conn.execute(sql).fetchall()


def outbox_of(call) -> int | None:  # noqa: ANN001 - a recorded fake Slack call
    metadata = call.body.get("metadata")
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata or {}
    return (metadata.get("event_payload") or {}).get("outbox_id")


def test_two_replicas_lose_and_double_nothing_when_the_leader_is_killed(bot_factory, slack, pg_url):
    env = {"SLACK_API_URL": slack.api_url, "DATABASE_URL": pg_url, "OCC_INCIDENTS_CHANNEL": INC,
           "OCC_LEASE_TTL_S": "3"}
    with ThreadPoolExecutor(2) as pool:  # both start (and migrate) at the same moment
        bots = list(pool.map(lambda _: bot_factory(env), range(2)))
    assert all(b.proc.poll() is None for b in bots)
    assert rows(pg_url, "SELECT version_num FROM alembic_version") == [("0008",)]

    # incidents submitted through both replicas at once; each answered with its own number
    with ThreadPoolExecutor(INCIDENTS) as pool:
        acks = list(pool.map(lambda i: bots[i % 2].post(_submission(f"Outage {i}", view_id=f"VDEP{i}")),
                             range(INCIDENTS)))
    assert all(a.status_code == 200 and a.json()["response_action"] == "update" for a in acks)
    numbers = sorted(int(re.search(r"INC-(\d+)", a.text).group(1)) for a in acks)
    assert numbers == list(range(1, INCIDENTS + 1)), "gapless, each number once"
    # commands on both: a note through each replica, and both list every incident
    for bot, number in ((bots[0], 2), (bots[1], 1)):
        answer = bot.command(f"incident note INC-{number} checked the logs", slack.response_url()).text
        assert f"Note added to INC-{number}" in answer
    for bot in bots:
        listed = bot.command("incidents", slack.response_url()).text
        assert all(f"INC-{n}" in listed for n in range(1, INCIDENTS + 1))

    # the leader delivers one post a second into the channel; kill it while most are pending
    wait_until(lambda: slack.calls_to("chat.postMessage"), 10, "the first announcement")
    pid = wait_until(lambda: leader_pid(pg_url), 5, "a leader")
    leader = next(b for b in bots if b.proc.pid == pid)
    survivor = next(b for b in bots if b is not leader)
    os.kill(leader.proc.pid, signal.SIGKILL)
    leader.proc.wait()
    killed_at = time.monotonic()
    posted_before = len(slack.calls_to("chat.postMessage"))
    pending = rows(pg_url, "SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0]
    assert pending > 0, "the leader died with announcements still to deliver"

    expected = INCIDENTS + 2  # the announcements and the two notes (thread replies)
    wait_until(lambda: len(slack.calls_to("chat.postMessage")) >= expected, 25, "the survivor delivering the rest")
    assert wait_until(lambda: leader_pid(pg_url), 5, "the new leader") == survivor.proc.pid
    time.sleep(2)  # anything doubled would arrive by now

    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == expected and posted_before < expected
    assert any(c.at > killed_at for c in posts), "the survivor delivered what was pending"
    assert max(Counter(outbox_of(c) for c in posts).values()) == 1, "no outbox row posted twice"
    tops = [c for c in posts if not c.body.get("thread_ts")]
    for n in range(1, INCIDENTS + 1):
        assert sum(f"*INC-{n}*" in text(c) for c in tops) == 1, f"INC-{n} announced once"
    assert rows(pg_url, "SELECT count(*) FROM outbox WHERE status = 'pending'") == [(0,)]
    assert rows(pg_url, "SELECT count(*), min(number), max(number) FROM incident") == [(INCIDENTS, 1, INCIDENTS)]
    assert survivor.proc.poll() is None
