"""Chatwoot's first-response SLA (DOMAIN.md, SOP-CX-001): pure functions, every boundary pinned."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatops.health.sla import (
    Conversation,
    breach_of,
    breach_rate,
    breaches,
    conversation_list,
    listed_count,
    needs_escalation,
    next_response_wait,
    parse_conversation,
    summarize,
    triage,
)
from tests import chatwoot_samples as cw

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
SLA = 30


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def conv(minutes_old: float = 0, status: str = "open", labels: tuple[str, ...] = (), *,
         seconds_old: float = 0, replied: datetime | None = None, waiting: datetime | None = None) -> Conversation:
    created = ago(minutes=minutes_old, seconds=seconds_old)
    return Conversation(1, status, created, labels, first_reply_at=replied, waiting_since=waiting)


# --- parsing Chatwoot's wire format ------------------------------------------------------------

@pytest.mark.parametrize("shape", [
    lambda items: {"data": {"meta": {"all_count": 2}, "payload": items}},
    lambda items: {"payload": items},
    lambda items: {"data": items},
])
def test_all_three_list_shapes(shape):
    items = [{"id": 1, "created_at": 1}, {"id": 2, "created_at": 2}]
    assert conversation_list(shape(items)) == items


@pytest.mark.parametrize("body", [None, 3, "x", {"data": "x"}, {"payload": None}, {"data": {"payload": 7}}])
def test_odd_list_bodies_are_empty(body):
    assert conversation_list(body) == []


def test_listed_count_reads_meta_all_count_only():
    assert listed_count(cw.conversations_page([cw.conversation(1, created_at=5)])) == 1
    for body in ({"payload": []}, {"data": {"meta": {"all_count": "9"}}}, {"data": {"meta": {"all_count": -1}}},
                 {"data": {"meta": {"all_count": True}}}, None):
        assert listed_count(body) is None


def test_parse_a_recorded_conversation():
    raw = cw.conversation(9, status="Pending", created_at=1_795_000_000, first_reply_created_at=1_795_000_120,
                          waiting_since=1_795_003_600, labels=("Escalated",), customer="Ada", assignee="Sam")
    c = parse_conversation(raw)
    assert (c.id, c.status, c.labels, c.customer, c.assignee) == (9, "pending", ("escalated",), "Ada", "Sam")
    assert c.created_at == datetime.fromtimestamp(1_795_000_000, tz=timezone.utc)
    assert c.first_reply_at == datetime.fromtimestamp(1_795_000_120, tz=timezone.utc)
    assert c.waiting_since == datetime.fromtimestamp(1_795_003_600, tz=timezone.utc)


@pytest.mark.parametrize("unset", [0, None, "", "0", 0.0])
def test_unset_first_reply_and_waiting_since(unset):
    """Chatwoot renders nil times as 0 (`.to_i`); older servers send null or leave them out."""
    c = parse_conversation({"id": 1, "created_at": 5, "first_reply_created_at": unset, "waiting_since": unset})
    assert c.first_reply_at is None and c.waiting_since is None
    missing = parse_conversation({"id": 1, "created_at": 5})
    assert missing.first_reply_at is None and missing.waiting_since is None


def test_parse_rejects_what_it_cannot_use():
    assert parse_conversation({"id": 1, "created_at": "2026-11-26T10:00:00Z"}).created_at.hour == 10
    assert parse_conversation({"id": 1}) is None
    assert parse_conversation({"created_at": 5}) is None
    assert parse_conversation({"id": 1, "created_at": True}) is None


@pytest.mark.parametrize("created", [1e20, "inf", "nan", -1e20, "9999-12-31T23:59:59", float("inf"), [1], {"a": 1}])
def test_unusable_dates_skip_the_conversation(created):
    assert parse_conversation({"id": 1, "created_at": created}) is None


def test_millisecond_timestamps_are_understood():
    ms = 1_795_000_000_000
    c = parse_conversation({"id": 1, "created_at": ms, "first_reply_created_at": ms + 60_000, "waiting_since": ms})
    assert c.created_at == datetime.fromtimestamp(1_795_000_000, tz=timezone.utc)
    assert c.first_reply_at == c.created_at + timedelta(minutes=1) and c.waiting_since == c.created_at


def test_millisecond_timestamps_hit_the_same_boundary():
    at_sla = int((NOW - timedelta(minutes=SLA)).timestamp() * 1000)
    assert breach_of(parse_conversation({"id": 1, "created_at": at_sla}), NOW, SLA) is None
    assert breach_of(parse_conversation({"id": 1, "created_at": at_sla - 1000}), NOW, SLA) is not None


# --- the first-response rule -----------------------------------------------------------------

def test_exactly_at_the_sla_is_not_a_breach_one_second_past_is():
    assert breach_of(conv(SLA), NOW, SLA) is None
    b = breach_of(conv(SLA, seconds_old=1), NOW, SLA)
    assert b is not None and b.breached_at == ago(seconds=1) and b.waited == timedelta(minutes=SLA, seconds=1)


def test_answered_in_time_is_never_a_breach_however_old():
    """The bug: answered 2 minutes after opening, now 3 h old, was reported as a P1 breach."""
    old_answered = conv(180, replied=ago(minutes=178))
    assert breach_of(old_answered, NOW, SLA) is None
    assert triage(old_answered, NOW, SLA) is None
    assert breaches([old_answered], NOW, SLA) == []


def test_first_reply_0_versus_a_value():
    unanswered = parse_conversation({"id": 1, "status": "open", "created_at": int(ago(hours=3).timestamp()),
                                     "first_reply_created_at": 0})
    answered = parse_conversation({"id": 1, "status": "open", "created_at": int(ago(hours=3).timestamp()),
                                   "first_reply_created_at": int(ago(hours=2, minutes=58).timestamp())})
    assert breach_of(unanswered, NOW, SLA).priority == "P1"
    assert breach_of(answered, NOW, SLA) is None


def test_answered_late_is_no_longer_an_open_breach():
    """Replied at minute 45 of a 30-minute SLA: no longer waiting on a first reply, so not listed now."""
    assert breach_of(conv(60, replied=ago(minutes=15)), NOW, SLA) is None


@pytest.mark.parametrize("status", ["pending", "resolved", "snoozed"])
def test_only_open_conversations_breach(status):
    assert breach_of(conv(300, status), NOW, SLA) is None


def test_p1_boundary_is_two_hours_past_the_breach():
    assert breach_of(conv(SLA + 120), NOW, SLA).priority == "P2"  # exactly 2 h past breached_at
    assert breach_of(conv(SLA + 120, seconds_old=1), NOW, SLA).priority == "P1"
    assert breach_of(conv(SLA, seconds_old=1), NOW, SLA).priority == "P2"


def test_next_response_wait_boundary():
    replied = ago(hours=4)
    assert not next_response_wait(conv(300, replied=replied, waiting=ago(minutes=SLA)), NOW, SLA)
    assert next_response_wait(conv(300, replied=replied, waiting=ago(minutes=SLA, seconds=1)), NOW, SLA)
    assert not next_response_wait(conv(300, replied=replied), NOW, SLA)  # not waiting
    assert not next_response_wait(conv(300, waiting=ago(minutes=300)), NOW, SLA)  # never answered: a breach
    assert not next_response_wait(conv(300, "pending", replied=replied, waiting=ago(hours=1)), NOW, SLA)
    assert breach_of(conv(300, replied=replied, waiting=ago(hours=1)), NOW, SLA) is None


def test_escalation_is_breached_or_labelled():
    assert needs_escalation(conv(SLA, seconds_old=1), NOW, SLA)
    assert needs_escalation(conv(1, labels=("escalation",)), NOW, SLA)
    assert needs_escalation(conv(1, labels=("escalated",)), NOW, SLA)
    assert not needs_escalation(conv(1), NOW, SLA)
    assert not needs_escalation(conv(300, replied=ago(minutes=299)), NOW, SLA)


def test_triage_priorities():
    assert triage(conv(SLA + 121), NOW, SLA) == "P1"
    assert triage(conv(SLA + 119), NOW, SLA) == "P2"
    assert triage(conv(10, labels=("escalation",)), NOW, SLA) == "P3"
    assert triage(conv(10, labels=("escalated",)), NOW, SLA) == "P3"
    assert triage(conv(300, labels=("escalation",), replied=ago(minutes=299)), NOW, SLA) == "P3"
    assert triage(conv(10), NOW, SLA) is None
    assert triage(conv(300, "resolved", labels=("escalation",)), NOW, SLA) is None


def test_summary_tells_the_cases_apart():
    convs = [
        conv(180),  # P1
        conv(50),  # P2
        conv(10, labels=("escalation",)),  # P3, not a breach
        conv(95, "pending"),  # a bot has it
        conv(240, replied=ago(minutes=238)),  # answered in time, old
        conv(300, replied=ago(minutes=295), waiting=ago(minutes=75)),  # next-response wait
        conv(5),  # inside the SLA
    ]
    s = summarize(convs, NOW, SLA)
    assert (s.open, s.pending, len(s.breaches), len(s.next_response_waits)) == (6, 1, 2, 1)
    assert [b.priority for b in s.breaches] == ["P1", "P2"]  # oldest breach first


def test_breach_rate_is_of_open_conversations():
    convs = [conv(5), conv(50), conv(100), conv(3, "resolved"), conv(100, "pending"), conv(100, replied=ago(minutes=99))]
    assert breach_rate(convs, NOW, SLA) == pytest.approx(2 / 4)
    assert breach_rate([], NOW, SLA) == 0


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=10_000), st.booleans()), max_size=30),
       st.integers(min_value=1, max_value=600))
def test_breaches_are_exactly_the_old_unanswered_open_ones(items, sla):
    convs = [conv(age, replied=ago(minutes=age) if answered else None) for age, answered in items]
    found = breaches(convs, NOW, sla)
    assert len(found) == sum(1 for age, answered in items if age > sla and not answered)
    assert [b.breached_at for b in found] == sorted(b.breached_at for b in found)
