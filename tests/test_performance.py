"""What the performance work (docs/performance.md) must not change: a burst shares an answer only
until this process writes, outside a burst every answer is fresh, a bounded search still finds the
best match among the recent ones, and a burst of all-MOCK health requests writes once a second."""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from chatops.core.shared import BURST, TTL_S, SharedAnswers
from chatops.health.models import ProbeResult
from chatops.memory import log as memory
from chatops.memory.models import MemoryEntry
from storage.db import Database, writes
from storage.fts import search_ids
from tests.test_incidents_http import value


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_outside_a_burst_every_answer_is_computed():
    clock, calls = Clock(), []
    shared = SharedAnswers(clock=clock, generation=lambda: 0)
    for i in range(BURST - 1):
        assert shared.answer("k", lambda i=i: calls.append(i) or i) == i
        clock.now += 0.01
    clock.now += 2  # the window has passed: still no burst
    assert shared.answer("k", lambda: calls.append("late") or "late") == "late"
    assert calls == [0, 1, 2, 3, "late"]


def test_a_burst_shares_an_answer_until_a_write_or_the_ttl():
    clock, generation, calls = Clock(), [0], []
    shared = SharedAnswers(clock=clock, generation=lambda: generation[0])

    def compute() -> str:
        calls.append(clock.now)
        return f"answer {len(calls)}"

    answers = [shared.answer(("incidents", ""), compute) for _ in range(BURST + 3)]
    assert answers[BURST - 1:] == ["answer 5"] * 4, "from the BURST-th request on, one answer is shared"
    assert shared.answer(("incidents", "other words"), compute) == "answer 6", "other words, other answer"
    generation[0] += 1  # this process wrote something
    assert shared.answer(("incidents", ""), compute) == "answer 7"
    clock.now += TTL_S + 0.01
    assert shared.answer(("incidents", ""), compute) == "answer 8"


def test_concurrent_requests_wait_for_one_computation_and_share_its_failure():
    shared = SharedAnswers(generation=lambda: 0)
    for _ in range(BURST):
        shared.answer("warm", lambda: None)
    started, release, calls = threading.Event(), threading.Event(), []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "the answer"

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(shared.answer, "status", slow)
        started.wait(5)
        rest = [pool.submit(shared.answer, "status", slow) for _ in range(7)]
        time.sleep(0.1)
        release.set()
        assert {f.result(5) for f in [first, *rest]} == {"the answer"}
    assert len(calls) == 1

    def failing() -> str:
        started.set()
        time.sleep(0.2)
        raise RuntimeError("database busy")

    started.clear()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(shared.answer, "broken", failing)]
        started.wait(5)
        futures += [pool.submit(shared.answer, "broken", failing) for _ in range(3)]
        for future in futures:
            with pytest.raises(RuntimeError):
                future.result(5)


def test_writes_counts_units_of_work_that_wrote(db):
    before = writes()
    with db.session() as s:
        memory.recent(s, "ops")
        memory.search(s, "ops", "refund")
        s.execute(text("SELECT 1"))
    assert writes() == before, "reads are not writes"
    with db.session() as s:
        memory.record(s, scope="ops", actor="U1", action="note", rationale="refund ok")
    assert writes() == before + 1
    with db.session() as s:
        s.exec(update(MemoryEntry).values(actor="U2"))  # type: ignore[call-overload]
    assert writes() == before + 2
    with db.session() as s:
        s.execute(text("UPDATE memory_entry SET actor = 'U3'"))
    assert writes() == before + 3


def test_search_ranks_the_best_of_the_most_recent_matches(db):
    with db.session() as s:
        memory.record(s, scope="ops", actor="best", action="note", rationale="refund refund refund refund")
        for i in range(12):
            memory.record(s, scope="ops", actor=f"U{i}", action="note", rationale=f"refund for order {i} sent late")
    with db.session() as s:
        everything = search_ids(s, memory.SEARCH, "refund", limit=3)
        bounded = search_ids(s, memory.SEARCH, "refund", limit=3, candidates=5)
        newest = [e.id for e in memory.recent(s, "ops", limit=5)]
        best = s.exec(select(MemoryEntry.id).where(MemoryEntry.actor == "best")).one()
    assert everything[0] == best, "fewer matches than candidates: the same answer as an unbounded search"
    assert len(bounded) == 3 and set(bounded) <= set(newest), "more matches: the best of the most recent"


def test_a_burst_of_mock_health_writes_once_a_second_and_a_write_shows_at_once(bot_factory, slack, tmp_path):
    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db",
                       "OCC_INCIDENTS_CHANNEL": "C0INC"})
    db = Database(f"sqlite:///{tmp_path}/occ.db")

    def on_demand() -> int:
        with db.session() as s:
            return len(s.exec(select(ProbeResult).where(ProbeResult.source == "on_demand")).all())

    before = on_demand()
    with ThreadPoolExecutor(10) as pool:
        acks = list(pool.map(lambda i: bot.command("health", slack.response_url(f"h{i}")), range(30)))
    assert all(a.status_code == 200 and "MOCK" in a.text for a in acks)
    assert on_demand() - before <= 3 * 3, "at most one probe of the three integrations a second"

    # a burst of /occ incidents is shared; an incident created meanwhile shows in the next answer
    with ThreadPoolExecutor(10) as pool:
        listed = list(pool.map(lambda i: bot.command("incidents", slack.response_url(f"i{i}")), range(20)))
    assert all("No open incidents" in a.text for a in listed)
    ack = bot.post(_submission("Checkout down", view_id="VPERF1"))
    assert ack.status_code == 200 and "INC-1" in ack.text
    for i in range(3):
        assert "Checkout down" in bot.command("incidents", slack.response_url(f"j{i}")).text
    db.dispose()


def _submission(title: str, *, view_id: str, user: str = "U900") -> str:
    values = {"title": {"value": {"type": "plain_text_input", "value": title}},
              "severity": {"value": value("SEV2")}, "integration": {"value": value("Chatwoot")},
              "description": {"value": {"type": "plain_text_input", "value": None}},
              "commander": {"value": {"type": "users_select", "selected_user": None}}}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user, "username": "dana"},
               "api_app_id": "A1", "token": "x", "trigger_id": "tr",
               "view": {"id": view_id, "type": "modal", "callback_id": "incident_new", "private_metadata": "{}",
                        "state": {"values": values}, "hash": "h"}}
    return urlencode({"payload": json.dumps(payload)})


def test_latest_probe_results_by_key_match_the_grouped_query(db):
    from datetime import datetime, timedelta, timezone

    from chatops.health.store import add_probe_results, latest_probe_results

    now = datetime.now(timezone.utc)
    with db.session() as s:
        add_probe_results(s, [ProbeResult(integration=key, checked_at=now - timedelta(minutes=m), state=state, ok=True)
                              for m, state in ((3, "DOWN"), (2, "OK"), (1, "DEGRADED"))
                              for key in ("chatwoot", "shopify")])
    with db.session() as s:
        grouped = {r.integration: (r.id, r.state) for r in latest_probe_results(s)}
        by_key = {r.integration: (r.id, r.state) for r in latest_probe_results(s, ["chatwoot", "shopify", "ga"])}
    assert by_key == grouped and by_key["chatwoot"][1] == "DEGRADED", "the newest of each; none for a key never probed"
