"""The platform's pure rules and storage parts: durable schedules (a daily job once across a
restart and across two replicas), full-text search on both databases, outbox targets and their
delivery subscribers, and the UTC column type."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from chatops.core.router import Job
from chatops.memory import log as memory
from chatops.outbox import OutboxSender, Permanent, Sent, enqueue
from chatops.scheduler import Daily, Every, Scheduler, daily, every
from storage.fts import sqlite_match, words
from storage.models import OutboxMessage, ScheduledRun

UTC = timezone.utc
T = datetime(2026, 11, 27, 8, 59, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# --- schedules: pure ----------------------------------------------------------------------
def test_daily_latest_is_today_at_or_before_now_else_yesterday():
    d = Daily("09:00")
    assert d.latest(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert d.latest(datetime(2026, 11, 27, 8, 59, 59, tzinfo=UTC)) == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_daily_in_another_zone_is_converted_to_utc():
    d = Daily("09:00", "Europe/Paris")  # UTC+1 in November
    assert d.latest(datetime(2026, 11, 27, 8, 30, tzinfo=UTC)) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["9", "24:00", "09:60", "ab:cd", ""])
def test_a_malformed_daily_time_fails_at_start_up(bad):
    with pytest.raises(ValueError):
        Daily(bad)


def test_every_is_due_at_exactly_its_period_not_before():
    e = Every(60)
    last = datetime(2026, 1, 1, tzinfo=UTC)
    assert e.due(last + timedelta(seconds=59.999), last) is None
    assert e.due(last + timedelta(seconds=60), last) is not None


def test_a_daily_run_missed_by_more_than_its_catch_up_window_is_not_useful():
    d = Daily("09:00")
    due = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert d.useful(due, due + d.catch_up)
    assert not d.useful(due, due + d.catch_up + timedelta(seconds=1))


# --- schedules: durable ---------------------------------------------------------------------
def _job(runs: list, name: str = "report", schedule=None) -> Job:
    return Job(name, schedule or daily("09:00"), lambda: runs.append(name))


def test_a_daily_job_runs_once_at_its_time_and_not_again_after_a_restart(db):
    runs: list = []
    clock = Clock(T)
    first = Scheduler(db, [_job(runs)], clock)
    assert first.tick() == [] and runs == []  # 08:59: a new job waits for its time
    clock.now = T + timedelta(minutes=1, seconds=1)
    assert first.tick() == ["report"]
    first.forget()
    assert first.tick() == []
    restarted = Scheduler(db, [_job(runs)], clock)  # a new process on the same database
    clock.now += timedelta(minutes=30)
    assert restarted.tick() == [] and runs == ["report"]
    clock.now = T + timedelta(days=1, minutes=2)
    assert restarted.tick() == ["report"] and runs == ["report", "report"]


def test_a_daily_job_runs_once_across_two_replicas(db):
    runs: list = []
    clock = Clock(T)
    a, b = Scheduler(db, [_job(runs)], clock), Scheduler(db, [_job(runs)], clock)
    a.tick(), b.tick()
    clock.now = T + timedelta(minutes=2)
    assert sorted(a.tick() + b.tick()) == ["report"]
    assert runs == ["report"]


def test_a_run_missed_while_no_replica_was_up_runs_once_on_start(db):
    runs: list = []
    clock = Clock(T)
    Scheduler(db, [_job(runs)], clock).tick()  # seen at 08:59, then every replica goes away
    clock.now = T + timedelta(hours=2)  # back at 10:59: the 09:00 run was missed, still useful
    late = Scheduler(db, [_job(runs)], clock)
    assert late.tick() == ["report"]
    late.forget()
    assert late.tick() == [] and runs == ["report"]


def test_a_run_missed_too_long_ago_is_skipped_not_run(db):
    runs: list = []
    clock = Clock(T)
    Scheduler(db, [_job(runs)], clock).tick()
    clock.now = T + timedelta(hours=10)  # 18:59: the 09:00 report is stale
    assert Scheduler(db, [_job(runs)], clock).tick() == [] and runs == []
    with db.session() as s:
        assert s.get(ScheduledRun, "report").last_due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_failed_daily_run_gives_its_due_time_back(db):
    clock = Clock(T)
    calls = []

    def boom():
        calls.append(1)
        raise RuntimeError("Slack away")

    sched = Scheduler(db, [Job("report", daily("09:00"), boom)], clock)
    sched.tick()
    clock.now = T + timedelta(minutes=2)
    assert sched.tick() == [] and calls == [1]
    with db.session() as s:
        row = s.get(ScheduledRun, "report")
        assert row.last_due_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC) and row.last_error == "RuntimeError"
    sched.forget()
    sched.tick()
    assert calls == [1, 1], "tried again"


def test_an_every_job_runs_at_once_then_once_per_period(db):
    runs: list = []
    clock = Clock(T)
    sched = Scheduler(db, [_job(runs, "tick", every(60))], clock)
    assert sched.tick() == ["tick"]
    sched.forget()
    clock.now += timedelta(seconds=59)
    assert sched.tick() == []
    sched.forget()
    clock.now += timedelta(seconds=1)
    assert sched.tick() == ["tick"]


# --- full-text search ---------------------------------------------------------------------
@pytest.mark.parametrize("typed,expected", [
    ('refund "OR" 1=1; DROP TABLE x --', ["refund", "OR", "1", "1", "DROP", "TABLE", "x"]),
    ("*", []), ("-", []), ("ship-update", ["ship", "update"]),
])
def test_search_words_are_only_words(typed, expected):
    assert words(typed) == expected


def test_every_word_is_quoted_for_fts5():
    assert sqlite_match('a "b" OR c') == '"a" "b" "OR" "c"'


def test_memory_search_finds_best_matches_and_treats_operators_as_words(db):
    with db.session() as s:
        memory.record(s, scope="ops", actor="U1", action="template.review.approve", rationale="refund wording ok")
        memory.record(s, scope="ops", actor="U2", action="incident.resolve", rationale="refunds failing at checkout")
        memory.record(s, scope="build", actor="U3", action="deploy", rationale="refund service deployed")
        memory.record(s, scope="ops", actor="U4", action="note", rationale="shipping delays")
    with db.session() as s:
        found = [e.actor for e in memory.search(s, "ops", "refund")]
        assert sorted(found) == ["U1", "U2"], "stemmed on both databases; scope respected"
        assert [e.actor for e in memory.search(s, "ops", "refund checkout")] == ["U2"]
        for hostile in ['"', "*", "refund OR", "NEAR(", "'; DROP TABLE memory_entry; --", "-refund", "\\"]:
            memory.search(s, "ops", hostile)  # never an error
        assert memory.search(s, "ops", "") == []
    with db.session() as s:
        assert len(memory.recent(s, "ops")) == 3


def test_memory_facts_keep_the_latest_value(db):
    with db.session() as s:
        memory.set_fact(s, "chatwoot_templates", "ack_delay", "v1")
        memory.set_fact(s, "chatwoot_templates", "ack_delay", "v2")
    with db.session() as s:
        assert memory.fact(s, "chatwoot_templates", "ack_delay").value == "v2"


# --- outbox targets -------------------------------------------------------------------------
class TicketDeliverer:
    """A second target, as Linear will be: one lane per team, an id chosen before the first try."""

    target = "tickets"

    def __init__(self):
        self.created: dict[str, str] = {}
        self.fail = 0

    def lane(self, row):
        return row.channel or "-"

    def send(self, row, parent):
        if row.payload.get("refuse"):
            raise Permanent("refused")
        if row.external_id in self.created:  # a retry after a lost answer: find, don't create
            return Sent(self.created[row.external_id], {"url": "u"})
        if self.fail:
            self.fail -= 1
            self.created[row.external_id] = f"T-{len(self.created) + 1}"
            raise TimeoutError("answer lost")
        self.created[row.external_id] = f"T-{len(self.created) + 1}"
        return Sent(self.created[row.external_id], {"url": "u"})

    def is_uncertain(self, exc):
        return isinstance(exc, TimeoutError)

    def retry_after(self, exc):
        return None

    def pace_s(self, row):
        return 0.0

    def describe(self, exc):
        return type(exc).__name__


def _make_due(db):
    from sqlalchemy import update

    with db.session() as s:
        s.exec(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_a_second_target_delivers_once_and_hands_the_result_to_subscribers(db):
    with db.session() as s:
        enqueue(s, target="tickets", channel="TEAM", kind="create", message={"title": "x"}, external_id="id-1")
        enqueue(s, target="tickets", channel="TEAM", kind="create", message={"refuse": True}, external_id="id-2")
        enqueue(s, channel="C1", message={"text": "not for this sender"})  # slack: no deliverer here
    deliverer = TicketDeliverer()
    deliverer.fail = 1
    seen = []
    sender = OutboxSender(db, [deliverer], holder="h", pace=False)
    sender.on_delivered(lambda session, row: seen.append((row.external_id, row.result)))
    sender.drain()
    _make_due(db)
    sender.drain()
    with db.session() as s:
        rows = {r.external_id: r for r in s.exec(select(OutboxMessage)).all() if r.target == "tickets"}
        slack_row = s.exec(select(OutboxMessage).where(OutboxMessage.target == "slack")).one()
    assert list(deliverer.created) == ["id-1"], "created once, found on the retry"
    assert rows["id-1"].status == "sent" and rows["id-1"].result == {"ref": "T-1", "url": "u"}
    assert rows["id-2"].status == "failed" and rows["id-2"].last_error == "refused"
    assert seen == [("id-1", {"ref": "T-1", "url": "u"})]
    assert slack_row.status == "pending", "a target without a deliverer waits"


# --- the UTC column type ----------------------------------------------------------------------
def test_times_come_back_aware_in_utc_whatever_zone_went_in(db):
    from chatops.memory.models import MemoryEntry

    plus_two = timezone(timedelta(hours=2))
    with db.session() as s:
        entry = memory.record(s, scope="ops", actor="U", action="a")
        entry.created_at = datetime(2026, 11, 27, 14, 30, tzinfo=plus_two)
        s.add(entry)
    with db.session() as s:
        stored = s.exec(select(MemoryEntry)).one()
        assert stored.created_at == datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
        assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("now,expected", [
    (datetime(2026, 11, 27, 8, 59, tzinfo=UTC), datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
    (datetime(2026, 11, 27, 9, 0, tzinfo=UTC), datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
])
def test_the_next_daily_time_is_strictly_after_now(now, expected):
    assert Daily("09:00").next_after(now, now) == expected


def test_the_next_daily_time_across_a_dst_change():
    d = Daily("09:00", "Europe/Paris")  # clocks go back on 2026-10-25
    assert d.next_after(datetime(2026, 10, 24, 8, 0, tzinfo=UTC), d.latest(datetime(2026, 10, 24, 8, 0, tzinfo=UTC))) \
        == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_a_claimed_delivery_is_forgotten_when_its_transaction_rolls_back(db):
    """On SQLite too: pysqlite commits a first-statement SAVEPOINT on its own; the claim is one
    INSERT … ON CONFLICT DO NOTHING in the caller's transaction instead."""
    from storage.repos import claim_event

    with pytest.raises(RuntimeError):
        with db.session() as s:
            assert claim_event(s, "ev-1", "x")
            raise RuntimeError("the work after the claim failed")
    with db.session() as s:
        assert claim_event(s, "ev-1", "x") is True
        assert claim_event(s, "ev-1", "x") is False


def test_a_daily_time_that_happens_twice_runs_once():
    d = Daily("01:30", "America/New_York")  # clocks go back at 02:00 on 2026-11-01
    first = d.latest(datetime(2026, 11, 1, 5, 45, tzinfo=UTC))  # 01:45 EDT
    second = d.latest(datetime(2026, 11, 1, 6, 45, tzinfo=UTC))  # 01:45 EST, an hour later
    assert first == second == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
