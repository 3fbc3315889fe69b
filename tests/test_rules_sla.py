"""SLA rule boundaries that tests/test_sla.py leaves open: timestamp units, unusable times, what a
breach carries. Each test is one behaviour; each boundary has a case on either side."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chatops.health.sla import (
    LATEST,
    MS_THRESHOLD,
    P1_AFTER,
    Conversation,
    breach_of,
    conversation_list,
    listed_count,
    parse_conversation,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
UTC = timezone.utc


def created(value: object) -> datetime | None:
    parsed = parse_conversation({"id": 1, "created_at": value})
    return parsed.created_at if parsed else None


def waiting(value: object) -> datetime | None:
    parsed = parse_conversation({"id": 1, "created_at": 1_700_000_000, "waiting_since": value})
    assert parsed is not None
    return parsed.waiting_since


def test_a_unix_time_of_exactly_ten_billion_is_milliseconds():
    assert MS_THRESHOLD == 10_000_000_000
    assert created(10_000_000_000) == datetime.fromtimestamp(10_000_000, UTC)


def test_a_unix_time_just_under_ten_billion_is_seconds():
    assert created(9_999_999_999) == datetime.fromtimestamp(9_999_999_999, UTC)


def test_a_time_from_year_9000_on_is_unusable_a_second_before_is_kept():
    at_limit_ms = int(LATEST.timestamp()) * 1000
    assert LATEST == datetime(9000, 1, 1, tzinfo=UTC)
    assert created(at_limit_ms) is None
    assert created(at_limit_ms - 1000) == LATEST - timedelta(seconds=1)


def test_an_iso_time_from_year_9000_on_is_unusable():
    assert created("9000-01-01T00:00:00+00:00") is None
    assert created("8999-12-31T23:59:59+00:00") == datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_an_iso_time_keeps_its_offset():
    assert created("2026-11-26T12:00:00+02:00") == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_an_iso_time_ending_in_z_is_utc_and_a_naive_one_is_taken_as_utc():
    assert created("2026-11-26T12:00:00Z") == NOW
    assert created("2026-11-26T12:00:00") == NOW


def test_an_iso_time_with_a_lower_case_z_is_not_read():
    assert created("2026-11-26T12:00:00z") is None


@pytest.mark.parametrize("unset", [None, 0, "", "0", "0.0", 0.0])
def test_an_unset_time_is_none(unset):
    assert waiting(unset) is None


def test_a_time_before_1970_is_none():
    assert waiting(-5) is None


def test_one_second_after_the_epoch_is_a_time():
    assert waiting(1) == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_an_unreadable_time_is_none():
    assert waiting("yesterday") is None


def test_a_bare_list_body_is_the_list_of_conversations():
    assert conversation_list([{"id": 1}, "junk", {"id": 2}]) == [{"id": 1}, {"id": 2}]


def test_an_all_count_of_zero_is_zero_not_unknown():
    assert listed_count({"data": {"meta": {"all_count": 0}}}) == 0
    assert listed_count({"data": {"meta": {"all_count": -1}}}) is None


def test_a_text_id_is_kept_to_forty_characters():
    parsed = parse_conversation({"id": "x" * 50, "created_at": 1_700_000_000})
    assert parsed is not None and parsed.id == "x" * 40
    short = parse_conversation({"id": "abc", "created_at": 1_700_000_000})
    assert short is not None and short.id == "abc"


def test_a_breach_carries_its_conversation_wait_and_label():
    conv = Conversation(7, "open", NOW - timedelta(minutes=45), ("escalation",))
    breach = breach_of(conv, NOW, 30)
    assert breach is not None
    assert breach.conversation is conv
    assert breach.breached_at == NOW - timedelta(minutes=15)
    assert breach.waited == timedelta(minutes=45)
    assert breach.escalated is True


def test_an_unlabelled_breach_is_not_escalated():
    breach = breach_of(Conversation(7, "open", NOW - timedelta(minutes=45)), NOW, 30)
    assert breach is not None and breach.escalated is False


def test_p1_starts_after_exactly_two_hours_past_the_breach():
    assert P1_AFTER == timedelta(hours=2)
    at_two_hours = Conversation(1, "open", NOW - timedelta(minutes=30) - timedelta(hours=2))
    breach = breach_of(at_two_hours, NOW, 30)
    assert breach is not None and breach.priority == "P2"
    past = breach_of(Conversation(1, "open", at_two_hours.created_at - timedelta(seconds=1)), NOW, 30)
    assert past is not None and past.priority == "P1"
