"""Incident numbering, reminders and statistics on real databases; the pure rules."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from chatops.incidents.rules import median, parse_ref, parse_window, percentile
from chatops.incidents.service import IncidentService, NewIncident
from blocks import incidents as views
from chatops.incidents.models import Incident
from storage.models import OutboxMessage

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def new(title="x", severity="SEV2", detected=None) -> NewIncident:
    return NewIncident(title=title, severity=severity, integration="Shopify", reporter="U1", detected_at=detected)


def test_numbers_are_gapless_and_unique_under_concurrent_submissions(db):
    service = IncidentService(db, "CINC", views)
    numbers: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def submit(i: int) -> None:
        barrier.wait()
        for j in range(5):
            inc = service.create(new(f"t{i}-{j}"))
            with lock:
                numbers.append(inc.number)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, 41))
    with db.session() as s:
        assert len(s.exec(select(OutboxMessage)).all()) == 40, "one announcement each"


def test_unacknowledged_sev1_and_sev2_remind_once_at_their_target(db):
    service = IncidentService(db, "CINC", views)
    sev1 = service.create(new("a", "SEV1", T0), now=T0)
    sev2 = service.create(new("b", "SEV2", T0), now=T0)
    service.create(new("c", "SEV3", T0), now=T0)
    assert service.remind_due(T0 + timedelta(minutes=4, seconds=59)) == 0
    assert service.remind_due(T0 + timedelta(minutes=5)) == 1  # SEV1: 5 min
    service.acknowledge(sev2.number, "U2", T0 + timedelta(minutes=10))
    assert service.remind_due(T0 + timedelta(minutes=30)) == 0  # SEV2 acknowledged in time; SEV1 reminded already
    with db.session() as s:
        reminders = [r for r in s.exec(select(OutboxMessage)).all() if r.dedupe_key]
    assert len(reminders) == 1 and reminders[0].parent_id is not None
    assert "INC-1" in reminders[0].payload["text"] and reminders[0].payload["reply_broadcast"] is True
    assert sev1.number == 1


def test_stats_median_and_p90_from_stored_timestamps(db):
    service = IncidentService(db, None, views)
    now = T0 + timedelta(days=1)
    for minutes, sev in ((10, "SEV1"), (20, "SEV2"), (30, "SEV2"), (40, "SEV3"), (600, "SEV4")):
        inc = service.create(new(severity=sev, detected=T0), now=T0)
        service.acknowledge(inc.number, "U", T0 + timedelta(minutes=minutes / 10))
        service.resolve(inc.number, "U", None, T0 + timedelta(minutes=minutes))
    service.create(new(severity="SEV1", detected=T0 - timedelta(days=10)), now=T0 - timedelta(days=10))
    stats = service.stats(7, now)
    assert stats.total == 5 and stats.open == 0
    assert stats.by_severity == {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 1}
    assert stats.ttr == (30, 600, 5)
    assert stats.tta == (3, 60, 5)
    assert service.stats(30, now).total == 6


def test_resolution_time_is_detection_to_resolution(db):
    service = IncidentService(db, None, views)
    inc = service.create(new(detected=T0 - timedelta(minutes=12)), now=T0)
    outcome = service.resolve(inc.number, "U9", "done", T0 + timedelta(minutes=3))
    assert outcome.changed and outcome.incident.resolved_at - outcome.incident.detected_at == timedelta(minutes=15)
    again = service.resolve(inc.number, "U9", "again", T0 + timedelta(minutes=30))
    assert not again.changed and again.incident.resolution_note == "done"
    assert service.resolve(99, "U9").incident is None


def test_parse_ref_and_window():
    assert [parse_ref(s) for s in ("INC-7", "inc7", "#7", "7", " INC-12 ")] == [7, 7, 7, 7, 12]
    assert [parse_ref(s) for s in ("INC-", "x", "INC-7a", "")] == [None] * 4
    assert [parse_window(s) for s in ("", "7d", "30d", "30", "0d", "abc", "999d")] == [7, 7, 30, 30, None, None, None]


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_percentiles_are_order_statistics(values):
    p90 = percentile(values, 90)
    assert p90 in values
    assert sum(1 for v in values if v <= p90) >= 0.9 * len(values)
    assert min(values) <= median(values) <= max(values)
    assert percentile(values, 100) == max(values)


def test_a_resubmitted_modal_is_one_incident(db):
    service = IncidentService(db, "CINC", views)
    first = service.create(NewIncident(title="x", severity="SEV3", integration="Slack", reporter="U1", view_id="V42"))
    again = service.create(NewIncident(title="x", severity="SEV3", integration="Slack", reporter="U1", view_id="V42"))
    assert first.number == again.number == 1
    with db.session() as s:
        assert len(s.exec(select(Incident)).all()) == 1
        assert len(s.exec(select(OutboxMessage)).all()) == 1


def test_two_people_resolving_at_once_resolve_it_once(db):
    """Separate services (as two processes would be): only the database's lock keeps them apart."""
    from chatops.incidents.models import IncidentEvent
    from chatops.memory.models import MemoryEntry

    inc = IncidentService(db, "CINC", views).create(new("race"))
    barrier = threading.Barrier(6)
    outcomes = []

    def resolve(i):
        service = IncidentService(db, "CINC", views)
        barrier.wait()
        outcomes.append(service.resolve(inc.number, f"U{i}"))

    threads = [threading.Thread(target=resolve, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(o.changed for o in outcomes) == 1
    with db.session() as s:
        assert len([e for e in s.exec(select(IncidentEvent)).all() if e.kind == "resolved"]) == 1
        assert len(s.exec(select(MemoryEntry)).all()) == 1


def test_the_reminder_reaches_slack_broadcast_in_the_thread(slack):
    from blocks.incidents import reminder
    from chatops.slack.messenger import SlackMessenger, make_web_client

    inc = Incident(number=3, title="Checkout down", severity="SEV1", integration="Shopify", reporter="U1",
                   detected_at=T0)
    messenger = SlackMessenger(make_web_client(slack.api_url, "xoxb-test"))
    messenger.post("CINC", reminder(inc, T0 + timedelta(minutes=6)), thread_ts="1.1")
    body = slack.wait_for("chat.postMessage")[0].body
    assert body["reply_broadcast"] is True and body["thread_ts"] == "1.1" and "INC-3" in body["text"]
