"""Two replicas on one PostgreSQL database: one leader, each alert posted once, fail-over."""
from __future__ import annotations

import os
import signal
import time

import psycopg

from tests.conftest import Behaviour
from tests.test_alerts_e2e import alert_env, posts, text, wait_until


def leader_pid(pg_url: str) -> int | None:
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT holder FROM lease WHERE name = 'occ-leader' AND expires_at > now()").fetchone()
    return int(row[0].split(":")[1]) if row else None


def test_two_replicas_post_once_and_fail_over(bot_factory, slack, integrations, pg_url):
    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    env = alert_env(slack, integrations, DATABASE_URL=pg_url)
    bots = [bot_factory(env), bot_factory(env)]
    wait_until(lambda: posts(slack, thread=False), 10, "the outage alert")
    time.sleep(3)
    outage = [c for c in posts(slack, thread=False) if "Chatwoot is DOWN" in text(c)]
    assert len(outage) == 1, "two replicas, one alert"

    pid = wait_until(lambda: leader_pid(pg_url), 5, "a leader")
    leader = next(b for b in bots if b.proc.pid == pid)
    survivor = next(b for b in bots if b is not leader)
    os.kill(leader.proc.pid, signal.SIGKILL)
    leader.proc.wait()

    integrations.behaviour["chatwoot"] = Behaviour()
    wait_until(lambda: [c for c in posts(slack) if c.body.get("thread_ts")], 30, "the survivor's recovery notice")
    assert wait_until(lambda: leader_pid(pg_url), 10, "the new leader") == survivor.proc.pid

    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    wait_until(lambda: len([c for c in posts(slack, thread=False) if "Chatwoot is DOWN" in text(c)]) == 2, 15,
               "the survivor alerting the next outage")
    time.sleep(2)
    assert len([c for c in posts(slack, thread=False) if "Chatwoot is DOWN" in text(c)]) == 2
