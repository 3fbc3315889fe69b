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
    parse_conversation,
    triage,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def conv(minutes_old: float, status: str = "open", labels: tuple[str, ...] = ()) -> Conversation:
    return Conversation(1, status, NOW - timedelta(minutes=minutes_old), labels)


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


def test_parse_conversation_fields():
    raw = {"id": 9, "status": "Pending", "created_at": 1_795_000_000, "labels": ["Escalated"],
           "meta": {"sender": {"name": "Ada"}, "assignee": {"name": "Sam"}}}
    c = parse_conversation(raw)
    assert c is not None
    assert (c.id, c.status, c.labels, c.customer, c.assignee) == (9, "pending", ("escalated",), "Ada", "Sam")
    assert c.created_at == datetime.fromtimestamp(1_795_000_000, tz=timezone.utc)
    assert parse_conversation({"id": 1, "created_at": "2026-11-26T10:00:00Z"}).created_at.hour == 10
    assert parse_conversation({"id": 1}) is None
    assert parse_conversation({"created_at": 5}) is None
    assert parse_conversation({"id": 1, "created_at": True}) is None


@pytest.mark.parametrize("created", [1e20, "inf", "nan", -1e20, "9999-12-31T23:59:59", float("inf"), [1], {"a": 1}])
def test_unusable_dates_skip_the_conversation(created):
    assert parse_conversation({"id": 1, "created_at": created}) is None


def test_millisecond_timestamps_are_understood():
    c = parse_conversation({"id": 1, "created_at": 1_795_000_000_000})
    assert c.created_at == datetime.fromtimestamp(1_795_000_000, tz=timezone.utc)


def test_breach_boundary_and_statuses():
    assert breach_of(conv(30), NOW, 30) is None  # exactly at the SLA: not yet breached
    assert breach_of(conv(30.1), NOW, 30) is not None
    assert breach_of(conv(300, "resolved"), NOW, 30) is None
    assert breach_of(conv(300, "snoozed"), NOW, 30) is None
    b = breach_of(conv(45, "pending"), NOW, 30)
    assert b.breached_at == NOW - timedelta(minutes=15) and b.waited == timedelta(minutes=45)


def test_triage_priorities():
    assert triage(conv(30 + 121), NOW, 30) == "P1"  # breached more than 2 h
    assert triage(conv(30 + 119), NOW, 30) == "P2"
    assert triage(conv(10, labels=("escalation",)), NOW, 30) == "P3"
    assert triage(conv(10, labels=("escalated",)), NOW, 30) == "P3"
    assert triage(conv(10), NOW, 30) is None


def test_breach_rate():
    convs = [conv(5), conv(50), conv(100), conv(3, "resolved")]
    assert breach_rate(convs, NOW, 30) == pytest.approx(2 / 3)
    assert breach_rate([], NOW, 30) == 0


@given(st.lists(st.floats(min_value=0, max_value=10_000), max_size=30), st.integers(min_value=1, max_value=600))
def test_breaches_are_exactly_the_old_open_ones(ages, sla):
    convs = [conv(a) for a in ages]
    found = breaches(convs, NOW, sla)
    assert len(found) == sum(1 for a in ages if a > sla)
    assert [b.breached_at for b in found] == sorted(b.breached_at for b in found)
