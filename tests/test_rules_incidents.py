"""Incident rules (chatops.incidents.rules) and the rules inside the service: the response targets
that remind, and the 7d / 30d statistics windows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from blocks import incidents as views
from chatops.incidents.models import IncidentEvent
from chatops.incidents.rules import (
    OPEN_STATUSES,
    REMINDED,
    SEVERITIES,
    median,
    parse_ref,
    parse_window,
    percentile,
)
from chatops.incidents.service import IncidentService, NewIncident
from storage.models import OutboxMessage

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def new(severity="SEV1", detected=T0, title="checkout down") -> NewIncident:
    return NewIncident(title=title, severity=severity, integration="Shopify", reporter="U1", detected_at=detected)


# --- the team's facts -------------------------------------------------------------------------------
@pytest.mark.parametrize("name,minutes,updates", [("SEV1", 5, 15), ("SEV2", 15, 30), ("SEV3", 30, None),
                                                  ("SEV4", 240, None)])
def test_each_severity_has_its_response_target(name, minutes, updates):
    sev = SEVERITIES[name]
    assert sev.respond_within == timedelta(minutes=minutes)
    assert sev.updates_every == (timedelta(minutes=updates) if updates else None)


@pytest.mark.parametrize("name,label", [
    ("SEV1", "SEV1 — outage, data loss, errors > 50 % · respond within 5 min"),
    ("SEV2", "SEV2 — errors 10–50 % or p95 > 2 s · respond within 15 min"),
    ("SEV3", "SEV3 — errors 5–10 % · respond within 30 min"),
    ("SEV4", "SEV4 — minor · respond within 4 h"),
])
def test_a_severity_label_names_its_target_in_minutes_or_whole_hours(name, label):
    assert SEVERITIES[name].label == label


def test_only_sev1_and_sev2_remind_and_resolved_is_not_open():
    assert REMINDED == ("SEV1", "SEV2")
    assert OPEN_STATUSES == ("investigating", "identified", "monitoring")


@pytest.mark.parametrize("text,number", [("INC-7", 7), ("inc7", 7), ("#7", 7), ("7", 7), ("INC-123456789", 123456789)])
def test_an_incident_reference(text, number):
    assert parse_ref(text) == number


@pytest.mark.parametrize("text", ["INC-1234567890", "INC-", "INC-7x", "x7", ""])
def test_not_an_incident_reference(text):
    assert parse_ref(text) is None


@pytest.mark.parametrize("text,days", [("", 7), ("7d", 7), ("30", 30), ("1d", 1), ("365d", 365)])
def test_a_stats_window(text, days):
    assert parse_window(text) == days


@pytest.mark.parametrize("text", ["0d", "366d", "1000", "7w", "d"])
def test_not_a_stats_window(text):
    assert parse_window(text) is None


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([10, 1, 3, 2]) == 2.5


def test_the_median_of_an_odd_count_is_the_middle_value():
    assert median([30, 1, 2]) == 2
    assert median([5]) == 5


def test_no_values_have_no_median_or_percentile():
    assert median([]) is None and percentile([], 90) is None


def test_the_nearest_rank_rounds_up():
    assert percentile([3, 1, 2], 67) == 3  # rank ⌈2.01⌉
    assert percentile([3, 1, 2], 66) == 2  # rank ⌈1.98⌉
    assert percentile(list(range(1, 102)), 100) == 101


def test_p90_of_ten_values_is_the_ninth():
    values = list(range(10, 0, -1))
    assert percentile(values, 90) == 9
    assert percentile(values, 91) == 10
    assert percentile(values, 0) == 1


# --- reminders at the response target ------------------------------------------------------------------
@pytest.mark.parametrize("severity,target", [("SEV1", timedelta(minutes=5)), ("SEV2", timedelta(minutes=15))])
def test_a_reminder_comes_at_exactly_the_response_target(db, severity, target):
    service = IncidentService(db, "CINC", views)
    service.create(new(severity), now=T0)
    assert service.remind_due(T0 + target - timedelta(seconds=1)) == 0
    assert service.remind_due(T0 + target) == 1


@pytest.mark.parametrize("severity", ["SEV3", "SEV4"])
def test_sev3_and_sev4_never_remind(db, severity):
    service = IncidentService(db, "CINC", views)
    service.create(new(severity), now=T0)
    assert service.remind_due(T0 + timedelta(days=1)) == 0


def test_every_due_incident_is_reminded_once_and_an_early_one_waits(db):
    service = IncidentService(db, "CINC", views)
    service.create(new("SEV1", T0 + timedelta(minutes=4)), now=T0 + timedelta(minutes=4))
    service.create(new("SEV1"), now=T0)
    service.create(new("SEV2"), now=T0)
    assert service.remind_due(T0 + timedelta(minutes=8)) == 1  # the first is 4 min old: it waits
    assert service.remind_due(T0 + timedelta(minutes=15)) == 2
    assert service.remind_due(T0 + timedelta(minutes=16)) == 0


def test_a_reminder_is_on_the_timeline_and_in_the_announcements_thread(db):
    service = IncidentService(db, "CINC", views)
    inc = service.create(new("SEV1"), now=T0)
    due = T0 + timedelta(minutes=5)
    service.remind_due(due)
    with db.session() as s:
        [event] = s.exec(select(IncidentEvent).where(IncidentEvent.kind == "reminder")).all()
        [row] = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key.is_not(None))).all()
    assert (event.actor, event.text, event.at) == ("occ", "response target passed unacknowledged", due)
    assert (row.channel, row.parent_id, row.dedupe_key) == ("CINC", inc.outbox_id, "incident-reminder:1")


def test_an_incident_with_no_channel_is_not_reminded(db):
    service = IncidentService(db, None, views)
    service.create(new("SEV1"), now=T0)
    assert service.remind_due(T0 + timedelta(hours=1)) == 0


def test_reminding_without_a_time_uses_now(db):
    service = IncidentService(db, "CINC", views)
    now = datetime.now(timezone.utc)
    service.create(new("SEV1", now - timedelta(minutes=6)), now=now - timedelta(minutes=6))
    assert service.remind_due() == 1


# --- statistics windows ------------------------------------------------------------------------------------
NOW = T0 + timedelta(days=30)
SINCE_7D = NOW - timedelta(days=7)


def test_detected_exactly_at_the_start_of_the_window_counts(db):
    service = IncidentService(db, None, views)
    service.create(new(detected=SINCE_7D), now=SINCE_7D)
    service.create(new(detected=SINCE_7D - timedelta(seconds=1)), now=SINCE_7D)
    stats = service.stats(7, NOW)
    assert (stats.days, stats.total, stats.open) == (7, 1, 1)
    assert stats.by_severity == {"SEV1": 1, "SEV2": 0, "SEV3": 0, "SEV4": 0}


def test_acknowledged_exactly_at_the_start_of_the_window_counts(db):
    service = IncidentService(db, None, views)
    early = service.create(new(detected=SINCE_7D - timedelta(hours=1)), now=SINCE_7D)
    service.acknowledge(early.number, "U", SINCE_7D)
    earlier = service.create(new(detected=SINCE_7D - timedelta(hours=1)), now=SINCE_7D)
    service.acknowledge(earlier.number, "U", SINCE_7D - timedelta(seconds=1))
    stats = service.stats(7, NOW)
    assert stats.tta == (60, 60, 1) and stats.total == 0 and stats.ttr == (None, None, 0)


def test_resolved_exactly_at_the_start_of_the_window_counts(db):
    service = IncidentService(db, None, views)
    early = service.create(new(detected=SINCE_7D - timedelta(hours=2)), now=SINCE_7D)
    service.acknowledge(early.number, "U", SINCE_7D - timedelta(hours=1))  # before the window
    service.resolve(early.number, "U", None, SINCE_7D)
    earlier = service.create(new(detected=SINCE_7D - timedelta(hours=2)), now=SINCE_7D)
    service.resolve(earlier.number, "U", None, SINCE_7D - timedelta(seconds=1))
    stats = service.stats(7, NOW)
    assert stats.ttr == (120, 120, 1) and stats.total == 0


def test_thirty_days_reach_further_than_seven(db):
    service = IncidentService(db, None, views)
    service.create(new(detected=NOW - timedelta(days=30)), now=NOW)
    service.create(new(detected=NOW - timedelta(days=8)), now=NOW)
    assert service.stats(7, NOW).total == 0
    assert service.stats(30, NOW).total == 2 and service.stats(30, NOW).days == 30


def test_open_counts_each_unresolved_incident_once(db):
    service = IncidentService(db, None, views)
    service.create(new(detected=NOW - timedelta(days=1)), now=NOW)
    done = service.create(new(detected=NOW - timedelta(days=1)), now=NOW)
    service.resolve(done.number, "U", None, NOW)
    assert service.stats(7, NOW).open == 1


def test_p90_of_ten_response_times_is_the_ninth(db):
    service = IncidentService(db, None, views)
    for minutes in range(1, 11):
        inc = service.create(new(detected=NOW - timedelta(days=1)), now=NOW)
        service.acknowledge(inc.number, "U", NOW - timedelta(days=1) + timedelta(minutes=minutes))
        service.resolve(inc.number, "U", None, NOW - timedelta(days=1) + timedelta(minutes=10 * minutes))
    stats = service.stats(7, NOW)
    assert stats.tta == (5.5, 9, 10)
    assert stats.ttr == (55, 90, 10)


def test_stats_without_a_time_are_of_the_last_days_until_now(db):
    service = IncidentService(db, None, views)
    now = datetime.now(timezone.utc)
    service.create(new(detected=now - timedelta(days=6)), now=now)
    service.create(new(detected=now - timedelta(days=8)), now=now)
    assert service.stats(7).total == 1
