"""Alert episode rules (chatops.health.alerts), asserted on the stored episode and outbox rows. The
views are a recorder, so each test sees exactly what an alert was rendered from."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from chatops.health.alerts import GROUP_ABOVE, AlertRules, Alerts, find_episode, open_episode
from chatops.health.model import IntegrationHealth, State
from chatops.health.models import AlertEpisode
from chatops.health.sla import Breach, Conversation
from storage.models import OutboxMessage

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
NAMES = {"chatwoot": "Chatwoot", "shopify": "Shopify"}


class Views:
    """Each message says which view made it and from what."""

    def integration_alert(self, ep, name, now):
        return {"view": "alert", "name": name, "state": ep.state, "at": now.isoformat()}

    def recovery_notice(self, name, ep):
        return {"view": "recovery", "name": name, "state": ep.state}

    def reminder(self, name, ep, now):
        return {"view": "reminder", "name": name, "at": now.isoformat()}

    def sla_breach_alert(self, breaches, sla_minutes, episode_ids):
        return {"view": "breach", "ids": [b.conversation.id for b in breaches], "sla": sla_minutes,
                "episodes": list(episode_ids)}

    def breach_rate_alert(self, ep, rate, open_count, now):
        return {"view": "rate", "state": ep.state, "rate": rate, "open": open_count, "at": now.isoformat()}


@pytest.fixture
def alerts():
    return Alerts(AlertRules(channel="CAL"), NAMES, Views())


def health(state: State, key: str = "chatwoot", error: str | None = "HTTP 500", latency: float | None = 900.0):
    return IntegrationHealth(key, key.title(), state, T0, latency_ms=latency, error=error)


def step(db, alerts, state, at=T0, **kw):
    with db.session() as s:
        alerts.integration_state(s, health(state, **kw), state, at)


def rows(db) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def episode(db, key: str = "integration:chatwoot") -> AlertEpisode:
    with db.session() as s:
        return s.exec(select(AlertEpisode).where(AlertEpisode.key == key).order_by(AlertEpisode.id.desc())).first()


def breach(cid, minutes_old: float, sla: int = 30, customer: str | None = "Ada", assignee: str | None = "Bo"):
    conv = Conversation(cid, "open", T0 - timedelta(minutes=minutes_old), (), customer, assignee)
    waited = timedelta(minutes=minutes_old)
    priority = "P1" if waited - timedelta(minutes=sla) > timedelta(hours=2) else "P2"
    return Breach(conv, conv.created_at + timedelta(minutes=sla), waited, priority)


# --- integration episodes -------------------------------------------------------------------------
def test_an_outage_opens_an_episode_with_what_the_probe_saw(db, alerts):
    step(db, alerts, State.DOWN, error="HTTP 502", latency=1234.0)
    ep = episode(db)
    assert (ep.state, ep.opened_at, ep.changed_at, ep.last_error, ep.latency_ms) == ("DOWN", T0, T0, "HTTP 502", 1234.0)
    assert ep.details == {"worst": "DOWN"} and ep.channel == "CAL"
    [post] = rows(db)
    assert (post.channel, post.kind, post.parent_id) == ("CAL", "post", None)
    assert post.payload == {"view": "alert", "name": "Chatwoot", "state": "DOWN", "at": T0.isoformat()}
    assert ep.outbox_id == post.id


def test_an_integration_without_a_display_name_is_called_by_its_key(db, alerts):
    step(db, alerts, State.DOWN, key="ga")
    assert rows(db)[0].payload["name"] == "ga"


def test_a_state_change_edits_the_alert_in_place(db, alerts):
    step(db, alerts, State.DEGRADED)
    later = T0 + timedelta(minutes=3)
    step(db, alerts, State.DOWN, at=later, latency=None)
    first, edit = rows(db)
    assert (edit.channel, edit.kind, edit.parent_id) == ("CAL", "update", first.id)
    assert edit.payload == {"view": "alert", "name": "Chatwoot", "state": "DOWN", "at": later.isoformat()}
    ep = episode(db)
    assert (ep.changed_at, ep.opened_at, ep.latency_ms) == (later, T0, None)


def test_the_worst_state_is_down_once_it_went_down(db, alerts):
    step(db, alerts, State.DEGRADED)
    assert episode(db).details == {"worst": "DEGRADED"}
    step(db, alerts, State.DOWN, at=T0 + timedelta(minutes=1))
    assert episode(db).details == {"worst": "DOWN"}
    step(db, alerts, State.DEGRADED, at=T0 + timedelta(minutes=2))
    assert episode(db).details == {"worst": "DOWN"}


def test_the_last_error_is_kept_when_a_probe_names_none(db, alerts):
    step(db, alerts, State.DOWN, error="HTTP 500")
    step(db, alerts, State.DOWN, at=T0 + timedelta(minutes=1), error=None)
    assert episode(db).last_error == "HTTP 500"
    step(db, alerts, State.DOWN, at=T0 + timedelta(minutes=2), error="timed out")
    assert episode(db).last_error == "timed out"


def test_the_same_state_again_updates_latency_but_posts_nothing(db, alerts):
    step(db, alerts, State.DEGRADED, latency=2500.0)
    step(db, alerts, State.DEGRADED, at=T0 + timedelta(minutes=1), latency=3100.0)
    assert len(rows(db)) == 1
    ep = episode(db)
    assert (ep.latency_ms, ep.changed_at) == (3100.0, T0)


def test_recovery_resolves_edits_and_replies_in_the_thread(db, alerts):
    step(db, alerts, State.DOWN)
    later = T0 + timedelta(minutes=5)
    step(db, alerts, State.OK, at=later, latency=120.0)
    first, edit, notice = rows(db)
    assert (edit.kind, edit.parent_id, edit.channel) == ("update", first.id, "CAL")
    assert edit.payload["at"] == later.isoformat() and edit.payload["name"] == "Chatwoot"
    assert (notice.kind, notice.parent_id, notice.channel) == ("post", first.id, "CAL")
    assert notice.payload == {"view": "recovery", "name": "Chatwoot", "state": "DOWN"}
    ep = episode(db)
    assert (ep.resolved_at, ep.changed_at, ep.latency_ms) == (later, later, 120.0)


def test_ok_without_an_open_episode_posts_nothing(db, alerts):
    step(db, alerts, State.OK)
    assert rows(db) == []


# --- reminders, acknowledgement, snooze ----------------------------------------------------------------
def test_each_due_episode_is_reminded_in_its_thread(db, alerts):
    step(db, alerts, State.DOWN, key="chatwoot")
    step(db, alerts, State.DOWN, key="ga")
    with db.session() as s:
        assert alerts.remind(s, T0 + timedelta(hours=4)) == 2
    posts = {r.payload["name"]: r for r in rows(db) if r.payload["view"] == "reminder"}
    assert set(posts) == {"Chatwoot", "ga"}
    alert_ids = {r.payload["name"]: r.id for r in rows(db) if r.payload["view"] == "alert"}
    assert posts["Chatwoot"].parent_id == alert_ids["Chatwoot"] and posts["Chatwoot"].channel == "CAL"
    assert posts["Chatwoot"].payload["at"] == (T0 + timedelta(hours=4)).isoformat()


def test_reminders_come_at_four_hours_not_before(db, alerts):
    step(db, alerts, State.DOWN)
    with db.session() as s:
        assert alerts.remind(s, T0 + timedelta(hours=4) - timedelta(seconds=1)) == 0
        assert alerts.remind(s, T0 + timedelta(hours=4)) == 1
        assert alerts.remind(s, T0 + timedelta(hours=8) - timedelta(seconds=1)) == 0
        assert alerts.remind(s, T0 + timedelta(hours=8)) == 1


def test_reminders_of_one_subject_leave_the_others(db, alerts):
    step(db, alerts, State.DOWN, key="chatwoot")
    step(db, alerts, State.DOWN, key="shopify")
    with db.session() as s:
        assert alerts.remind(s, T0 + timedelta(hours=4), subject="shopify") == 1
    reminded = [r.payload["name"] for r in rows(db) if r.payload["view"] == "reminder"]
    assert reminded == ["Shopify"]


def test_an_acknowledged_episode_does_not_hold_back_the_next(db, alerts):
    step(db, alerts, State.DOWN, key="chatwoot")
    step(db, alerts, State.DOWN, key="shopify")
    with db.session() as s:
        alerts.acknowledge(s, open_episode(s, "integration:chatwoot").id, "U1", T0)
        assert alerts.remind(s, T0 + timedelta(hours=4)) == 1


def test_a_snooze_lasts_exactly_one_hour(db, alerts):
    step(db, alerts, State.DOWN)
    with db.session() as s:
        ep = open_episode(s, "integration:chatwoot")
        alerts.snooze(s, ep.id, "U7", T0 + timedelta(hours=4) - timedelta(minutes=30))
        assert ep.snoozed_until == T0 + timedelta(hours=4, minutes=30)
        assert alerts.remind(s, T0 + timedelta(hours=4, minutes=30) - timedelta(seconds=1)) == 0
        assert alerts.remind(s, T0 + timedelta(hours=4, minutes=30)) == 1


def test_who_acknowledged_and_snoozed_is_kept_to_32_characters(db, alerts):
    step(db, alerts, State.DOWN)
    long_id = "U" + "x" * 40
    with db.session() as s:
        ep_id = open_episode(s, "integration:chatwoot").id
        alerts.snooze(s, ep_id, long_id, T0)
        alerts.acknowledge(s, ep_id, long_id, T0)
    ep = episode(db)
    assert ep.acked_by == long_id[:32] and ep.snoozed_by == long_id[:32] and ep.acked_at == T0


def test_acknowledging_an_alert_re_renders_it(db, alerts):
    step(db, alerts, State.DOWN, key="ga")
    with db.session() as s:
        ep_id = open_episode(s, "integration:ga").id
        alerts.acknowledge(s, ep_id, "U1", T0 + timedelta(minutes=1))
        alerts.acknowledge(s, ep_id, "U2", T0 + timedelta(minutes=2))  # already acknowledged: nothing
    first, edit = rows(db)
    assert (edit.kind, edit.parent_id, edit.channel) == ("update", first.id, "CAL")
    assert edit.payload == {"view": "alert", "name": "ga", "state": "DOWN",
                            "at": (T0 + timedelta(minutes=1)).isoformat()}
    assert episode(db, "integration:ga").acked_by == "U1"


def test_a_snoozed_alert_is_re_rendered_under_its_display_name(db, alerts):
    step(db, alerts, State.DOWN)
    with db.session() as s:
        alerts.snooze(s, open_episode(s, "integration:chatwoot").id, "U1", T0)
    assert rows(db)[-1].payload["name"] == "Chatwoot"


def test_acknowledging_a_rate_alert_re_renders_it_with_its_figures(db, alerts):
    with db.session() as s:
        alerts.breach_rate(s, 0.5, 12, T0)
        ep_id = open_episode(s, "sla_rate:chatwoot").id
        alerts.acknowledge(s, ep_id, "U1", T0 + timedelta(minutes=1))
    first, edit = rows(db)
    assert (edit.kind, edit.parent_id, edit.channel) == ("update", first.id, "CAL")
    assert edit.payload == {"view": "rate", "state": "critical", "rate": 0.5, "open": 12,
                            "at": (T0 + timedelta(minutes=1)).isoformat()}


def test_acknowledging_a_rate_alert_without_figures_reads_zero(db, alerts):
    with db.session() as s:
        alerts.breach_rate(s, 0.5, 12, T0)
        ep = open_episode(s, "sla_rate:chatwoot")
        ep.details = {}
        s.add(ep)
    with db.session() as s:
        alerts.snooze(s, ep.id, "U1", T0)
    assert rows(db)[-1].payload["rate"] == 0.0 and rows(db)[-1].payload["open"] == 0


def test_acknowledging_a_conversation_alert_edits_nothing(db, alerts):
    with db.session() as s:
        [ep] = alerts.conversation_breaches(s, [breach(1, 60)], 30, T0)
        alerts.acknowledge(s, ep.id, "U1", T0)
    assert len(rows(db)) == 1


def test_an_unknown_episode_is_none(db, alerts):
    with db.session() as s:
        assert alerts.acknowledge(s, 999, "U1", T0) is None
        assert alerts.snooze(s, 999, "U1", T0) is None
        assert find_episode(s, 999) is None


def test_an_episode_is_found_by_its_id(db, alerts):
    step(db, alerts, State.DOWN)
    ep_id = episode(db).id
    with db.session() as s:
        assert find_episode(s, ep_id).key == "integration:chatwoot"


# --- conversation breaches -------------------------------------------------------------------------------
def test_a_new_breach_is_stored_with_its_customer_and_times(db, alerts):
    with db.session() as s:
        [ep] = alerts.conversation_breaches(s, [breach(7, 60)], 30, T0)
    stored = episode(db, "sla:conversation:7")
    assert (stored.state, stored.opened_at, stored.changed_at, stored.subject) == ("P2", T0, T0, "7")
    assert stored.details == {"customer": "Ada", "created_at": (T0 - timedelta(minutes=60)).isoformat(),
                              "assignee": "Bo", "labels": []}
    [post] = rows(db)
    assert (post.channel, post.kind) == ("CAL", "post")
    assert post.payload == {"view": "breach", "ids": [7], "sla": 30, "episodes": [ep.id]}
    assert stored.outbox_id == post.id


def test_a_long_conversation_id_is_kept_to_64_characters_as_the_subject(db, alerts):
    cid = "c" * 70
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(cid, 60)], 30, T0)
    assert episode(db, f"sla:conversation:{cid}").subject == cid[:64]


def test_exactly_five_new_breaches_are_five_messages(db, alerts):
    assert GROUP_ABOVE == 5
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(i, 60) for i in range(5)], 30, T0)
    assert [r.payload["ids"] for r in rows(db)] == [[0], [1], [2], [3], [4]]


def test_six_new_breaches_are_one_grouped_message(db, alerts):
    with db.session() as s:
        created = alerts.conversation_breaches(s, [breach(i, 60) for i in range(6)], 30, T0)
    [post] = rows(db)
    assert post.payload["ids"] == [0, 1, 2, 3, 4, 5]
    assert all(ep.outbox_id == post.id for ep in created)


def test_a_growing_wait_moves_a_breach_from_p2_to_p1(db, alerts):
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(7, 60)], 30, T0)
    later = T0 + timedelta(hours=2)
    with db.session() as s:
        assert alerts.conversation_breaches(s, [breach(7, 180)], 30, later) == []
    ep = episode(db, "sla:conversation:7")
    assert (ep.state, ep.changed_at, ep.opened_at) == ("P1", later, T0)
    assert len(rows(db)) == 1, "the move is recorded, not posted"


def test_a_breach_still_at_its_priority_is_left_alone(db, alerts):
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(7, 60)], 30, T0)
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(7, 61)], 30, T0 + timedelta(minutes=1))
    assert episode(db, "sla:conversation:7").changed_at == T0


def test_a_partial_listing_still_moves_the_breaches_it_read(db, alerts):
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(1, 60), breach(2, 60)], 30, T0)
    later = T0 + timedelta(hours=2)
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(2, 180)], 30, later, complete=False)
    assert episode(db, "sla:conversation:1").resolved_at is None
    assert episode(db, "sla:conversation:2").state == "P1"


def test_a_breach_no_longer_listed_is_resolved(db, alerts):
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(1, 60)], 30, T0)
    later = T0 + timedelta(minutes=5)
    with db.session() as s:
        alerts.conversation_breaches(s, [], 30, later)
    ep = episode(db, "sla:conversation:1")
    assert (ep.resolved_at, ep.changed_at) == (later, later)


# --- breach rate ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate,level", [(0.20, None), (0.21, "warning"), (0.40, "warning"), (0.41, "critical")])
def test_the_rate_levels_start_just_above_twenty_and_forty_percent(db, alerts, rate, level):
    with db.session() as s:
        alerts.breach_rate(s, rate, 10, T0)
        ep = open_episode(s, "sla_rate:chatwoot")
        assert (ep.state if ep else None) == level


def test_a_rate_episode_stores_its_figures(db, alerts):
    with db.session() as s:
        alerts.breach_rate(s, 0.25, 8, T0)
    ep = episode(db, "sla_rate:chatwoot")
    assert (ep.opened_at, ep.changed_at, ep.subject, ep.details) == (T0, T0, "chatwoot", {"rate": 0.25, "open": 8})
    [post] = rows(db)
    assert post.channel == "CAL" and post.payload == {"view": "rate", "state": "warning", "rate": 0.25, "open": 8,
                                                      "at": T0.isoformat()}
    assert ep.outbox_id == post.id


def test_a_rate_changing_level_edits_the_alert(db, alerts):
    with db.session() as s:
        alerts.breach_rate(s, 0.25, 8, T0)
    later = T0 + timedelta(minutes=1)
    with db.session() as s:
        alerts.breach_rate(s, 0.5, 10, later)
        alerts.breach_rate(s, 0.45, 11, later)  # still critical: nothing
    first, edit = rows(db)
    assert (edit.kind, edit.parent_id, edit.channel) == ("update", first.id, "CAL")
    assert edit.payload == {"view": "rate", "state": "critical", "rate": 0.5, "open": 10, "at": later.isoformat()}
    ep = episode(db, "sla_rate:chatwoot")
    assert (ep.state, ep.changed_at, ep.details) == ("critical", later, {"rate": 0.5, "open": 10})


def test_a_rate_back_under_the_warning_resolves_the_episode(db, alerts):
    with db.session() as s:
        alerts.breach_rate(s, 0.25, 8, T0)
    later = T0 + timedelta(minutes=1)
    with db.session() as s:
        alerts.breach_rate(s, 0.1, 10, later)
    first, edit = rows(db)
    assert (edit.kind, edit.parent_id) == ("update", first.id)
    assert edit.payload == {"view": "rate", "state": "warning", "rate": 0.1, "open": 10, "at": later.isoformat()}
    ep = episode(db, "sla_rate:chatwoot")
    assert (ep.resolved_at, ep.changed_at) == (later, later)


def test_a_breach_keeps_at_most_twenty_of_its_labels(db, alerts):
    labelled = breach(8, 60)
    many = Conversation(8, "open", labelled.conversation.created_at, tuple(f"l{n}" for n in range(25)), "Ada", "Bo")
    with db.session() as s:
        alerts.conversation_breaches(s, [Breach(many, labelled.breached_at, labelled.waited, "P2")], 30, T0)
    assert episode(db, "sla:conversation:8").details["labels"] == [f"l{n}" for n in range(20)]


def test_a_conversations_episode_is_its_latest_and_only_its_own(db, alerts):
    from chatops.health.alerts import conversation_episode

    with db.session() as s:
        alerts.conversation_breaches(s, [breach(9, 60), breach(10, 60)], 30, T0)
    with db.session() as s:  # 9 answered: resolved; then it breaches again: a new episode
        alerts.conversation_breaches(s, [breach(10, 61)], 30, T0 + timedelta(minutes=1))
    with db.session() as s:
        alerts.conversation_breaches(s, [breach(9, 65), breach(10, 65)], 30, T0 + timedelta(minutes=5))
    with db.session() as s:
        nine = conversation_episode(s, "9")
        assert nine.key == "sla:conversation:9" and nine.resolved_at is None and nine.opened_at == T0 + timedelta(minutes=5)
        assert conversation_episode(s, "10").key == "sla:conversation:10"
        assert conversation_episode(s, "11") is None
