"""Alert episodes: what is opened, edited, resolved and reminded — asserted on stored rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from chatops.health.alerts import AlertRules, Alerts, open_episode
from chatops.health.model import IntegrationHealth, State
from chatops.health.sla import Conversation, breaches
from blocks import alerts as alert_views
from chatops.health.models import AlertEpisode
from storage.models import OutboxMessage

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
NAMES = {"chatwoot": "Chatwoot", "shopify": "Shopify"}


@pytest.fixture
def alerts():
    return Alerts(AlertRules(channel="CAL"), NAMES, alert_views)


def item(state: State, error: str | None = "server error (HTTP 500)") -> IntegrationHealth:
    return IntegrationHealth("chatwoot", "Chatwoot", state, T0, latency_ms=None if state == State.DOWN else 1500,
                             error=error)


def outbox(db) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def step(db, alerts, state, at=T0, error="server error (HTTP 500)"):
    with db.session() as s:
        alerts.integration_state(s, item(state, error), state, at)


def test_episode_lifecycle(db, alerts):
    step(db, alerts, State.DOWN)
    step(db, alerts, State.DOWN, T0 + timedelta(minutes=1))  # no change: no message
    step(db, alerts, State.DEGRADED, T0 + timedelta(minutes=2), error="slow")
    step(db, alerts, State.OK, T0 + timedelta(minutes=5))
    step(db, alerts, State.OK, T0 + timedelta(minutes=6))
    rows = outbox(db)
    assert [(r.kind, r.parent_id) for r in rows] == [("post", None), ("update", rows[0].id), ("update", rows[0].id),
                                                    ("post", rows[0].id)]
    assert "Chatwoot is DOWN" in rows[0].payload["text"]
    assert "Chatwoot is DEGRADED" in rows[1].payload["text"]
    assert "recovered" in rows[2].payload["text"] and "actions" not in str(rows[2].payload["blocks"])
    assert "recovered at 12:05 UTC after 5 min (DOWN)" in rows[3].payload["text"]
    with db.session() as s:
        ep = s.exec(select(AlertEpisode)).one()
    assert ep.resolved_at is not None and ep.outbox_id == rows[0].id and ep.details["worst"] == "DOWN"


def test_new_outage_after_recovery_is_a_new_episode(db, alerts):
    step(db, alerts, State.DOWN)
    step(db, alerts, State.OK, T0 + timedelta(minutes=1))
    step(db, alerts, State.DOWN, T0 + timedelta(minutes=2))
    posts = [r for r in outbox(db) if r.kind == "post" and r.parent_id is None]
    assert len(posts) == 2
    with db.session() as s:
        assert len(s.exec(select(AlertEpisode)).all()) == 2


def test_two_replicas_racing_open_one_episode(db, alerts):
    from sqlalchemy.exc import IntegrityError

    with db.session() as s1, db.session() as s2:
        alerts.integration_state(s1, item(State.DOWN), State.DOWN, T0)
        s1.commit()
        # the second replica read "no open episode" before the first committed
        ep = AlertEpisode(key="integration:chatwoot", kind="integration", subject="chatwoot", state="DOWN",
                          opened_at=T0, changed_at=T0, channel="CAL", details={})
        s2.add(ep)
        with pytest.raises(IntegrityError):
            s2.flush()
        s2.rollback()
    assert len([r for r in outbox(db) if r.kind == "post"]) == 1


def test_reminders_every_four_hours_unless_acked_or_snoozed(db, alerts):
    step(db, alerts, State.DOWN)
    with db.session() as s:
        assert alerts.remind(s, T0 + timedelta(hours=3, minutes=59)) == 0
        assert alerts.remind(s, T0 + timedelta(hours=4)) == 1
        assert alerts.remind(s, T0 + timedelta(hours=5)) == 0
        ep = open_episode(s, "integration:chatwoot")
        alerts.snooze(s, ep.id, "U7", T0 + timedelta(hours=7, minutes=30))
        assert alerts.remind(s, T0 + timedelta(hours=8)) == 0, "snoozed for an hour"
        assert alerts.remind(s, T0 + timedelta(hours=8, minutes=31)) == 1
        alerts.acknowledge(s, ep.id, "U8", T0 + timedelta(hours=9))
        assert alerts.remind(s, T0 + timedelta(hours=20)) == 0, "acknowledged: no more reminders"
        ep = open_episode(s, "integration:chatwoot")
    assert ep.acked_by == "U8" and ep.snoozed_by == "U7"
    texts = [r.payload["text"] for r in outbox(db)]
    assert sum("Still DOWN" in t for t in texts) == 2
    assert any("Acknowledged by &lt;@U8&gt;" in str(r.payload) or "Acknowledged by <@U8>" in str(r.payload)
               for r in outbox(db) if r.kind == "update")


def conv(cid, minutes_old, status="open", customer="Ada"):
    return Conversation(cid, status, T0 - timedelta(minutes=minutes_old), (), customer, None)


def test_each_breach_alerted_once_and_grouped_when_many(db, alerts):
    first = breaches([conv(1, 200), conv(2, 10)], T0, 30)
    with db.session() as s:
        assert len(alerts.conversation_breaches(s, first, 30, T0)) == 1
    with db.session() as s:
        assert alerts.conversation_breaches(s, first, 30, T0 + timedelta(minutes=1)) == []
    many = breaches([conv(i, 40 + i) for i in range(10, 20)] + [conv(1, 201)], T0, 30)
    with db.session() as s:
        assert len(alerts.conversation_breaches(s, many, 30, T0 + timedelta(minutes=2))) == 10
    posts = [r for r in outbox(db) if r.kind == "post"]
    assert len(posts) == 2, "one message for conversation 1, one grouped message for the ten"
    assert "#1" in posts[0].payload["text"] and "P1" in posts[0].payload["text"]
    assert all(f"#{i}" in str(posts[1].payload) for i in range(10, 20))
    with db.session() as s:  # conversation 1 answered: its episode resolves, nothing is posted
        alerts.conversation_breaches(s, [b for b in many if b.conversation.id != 1], 30, T0 + timedelta(minutes=3))
        assert open_episode(s, "sla:conversation:1") is None
    assert len([r for r in outbox(db) if r.kind == "post"]) == 2


def test_breach_rate_levels(db, alerts):
    for rate, expected_state in ((0.1, None), (0.25, "warning"), (0.5, "critical"), (0.1, None)):
        with db.session() as s:
            alerts.breach_rate(s, rate, 10, T0)
            ep = open_episode(s, "sla_rate:chatwoot")
            assert (ep.state if ep else None) == expected_state
    rows = outbox(db)
    assert [(r.kind, "critical" in r.payload["text"]) for r in rows] == [("post", False), ("update", True),
                                                                        ("update", False)]


def test_a_partial_listing_never_resolves_a_conversation_it_did_not_read(db, alerts):
    """Chatwoot had more open conversations than were read (page cap): an old breach that fell
    past the last page read is still breaching, so its episode stays open; a complete listing
    without it resolves it."""
    both = breaches([conv(1, 200), conv(2, 100)], T0, 30)
    with db.session() as s:
        alerts.conversation_breaches(s, both, 30, T0)
    only_two = [b for b in both if b.conversation.id == 2]
    with db.session() as s:
        alerts.conversation_breaches(s, only_two, 30, T0 + timedelta(minutes=1), complete=False)
        assert open_episode(s, "sla:conversation:1") is not None
    with db.session() as s:
        alerts.conversation_breaches(s, only_two, 30, T0 + timedelta(minutes=2), complete=True)
        assert open_episode(s, "sla:conversation:1") is None
