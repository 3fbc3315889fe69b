"""The templates service against storage (SQLite and PostgreSQL): reviews and versions, their
Memory entries and facts, idempotent submissions, states, publishing through the outbox, drift,
and the daily reminder under an injected clock."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from blocks import templates as views
from chatops.core.router import Job
from chatops.memory import log as memory
from chatops.memory.models import MemoryEntry
from chatops.outbox import OutboxSender, Sent
from chatops.scheduler import Scheduler, daily
from chatops.templates.models import Template, TemplateReview, TemplateVersion
from chatops.templates.service import ReviewInput, TemplateService
from chatops.templates.sync import TemplateSync
from storage.models import OutboxMessage

UTC = timezone.utc
T = datetime(2026, 11, 28, 8, 59, tzinfo=UTC)
ACK = ("Hi {{name}}, thanks for your patience. I'm checking on your order now and will follow up with an "
       "update shortly.")


def service(db, *, live=True, channel="C0SUPPORT") -> TemplateService:
    return TemplateService(db, views=views, channel=channel, live=live)


def review(svc, key="ack_delay", *, body=ACK, decision="approve", version=1, view_id=None, now=None, who="U1"):
    return svc.review(ReviewInput(key=key, base_version=version, body=body, decision=decision, tone=5, accuracy=4,
                                  policy=3, reviewer=who, note="reads well", view_id=view_id), now=now)


def entries(db, action_prefix="template."):
    with db.session() as s:
        return [e for e in s.exec(select(MemoryEntry).order_by(MemoryEntry.id)).all()
                if e.action.startswith(action_prefix)]


def test_the_built_ins_are_there_never_reviewed(db):
    states = {s.key: s for s in service(db).states(T)}
    assert sorted(states) == ["ack_delay", "refund_offer", "ship_update"]
    assert states["ack_delay"].body == ACK and states["ack_delay"].label == "Acknowledge delay"
    assert states["refund_offer"].body.endswith("store credit—let me know what works best.")
    assert {s.state for s in states.values()} == {"never reviewed"} and states["ship_update"].version == 1


def test_a_review_without_a_change_keeps_the_version_and_logs_memory_and_the_fact(db):
    svc = service(db)
    outcome = review(svc, now=T)
    assert outcome.review.version == 1 and not outcome.new_version and outcome.diff == []
    assert svc.get("ack_delay", T).state == "approved"
    [entry] = entries(db)
    assert (entry.scope, entry.actor, entry.action, entry.external_ref) == (
        "ops", "U1", "template.review.approve", "chatwoot:canned:ack_delay")
    assert entry.payload["grades"] == {"tone": 5, "accuracy": 4, "policy": 3} and entry.payload["diff"] is None
    assert "ack_delay v1 approved (tone 5 · accuracy 4 · policy 3): reads well" == entry.rationale
    with db.session() as s:
        fact = json.loads(memory.fact(s, "chatwoot_templates", "ack_delay").value)
    assert fact["state"] == "approved" and fact["last_review"]["by"] == "U1" and fact["version"] == 1


def test_a_changed_body_is_a_new_draft_version_with_a_readable_diff(db):
    svc = service(db)
    outcome = review(svc, body=ACK.replace("thanks for your patience", "thank you for waiting"),
                     decision="request_changes", now=T)
    assert outcome.new_version and (outcome.review.version, outcome.review.previous_version) == (2, 1)
    with db.session() as s:
        versions = s.exec(select(TemplateVersion).join(Template).where(Template.key == "ack_delay")
                          .order_by(TemplateVersion.version)).all()
    assert [(v.version, v.author, v.source) for v in versions] == [(1, "occ", "builtin"), (2, "U1", "review")]
    [entry] = entries(db)
    assert entry.action == "template.review.request_changes"
    assert entry.payload["diff"].startswith("Hi {{name}}, ~~thanks~~ *thank you* for ~~your patience~~ *waiting*")
    assert "changed from v1" in entry.rationale and entry.payload["body_changed"] is True
    assert svc.get("ack_delay", T).version == 2 and svc.get("ack_delay", T).state == "changes requested"


def test_the_same_modal_submitted_twice_is_stored_once(db):
    svc = service(db)
    first = review(svc, body=ACK + " Thanks!", view_id="V123", now=T)
    again = review(svc, body=ACK + " Thanks!", view_id="V123", now=T)
    assert not first.already and again.already and again.review.id == first.review.id
    assert again.new_version and again.diff == first.diff
    with db.session() as s:
        assert len(s.exec(select(TemplateReview)).all()) == 1
        assert len(s.exec(select(TemplateVersion).where(TemplateVersion.version == 2)).all()) == 1
    assert len(entries(db)) == 1


def test_states_due_and_never_and_a_drifted_version(db):
    svc = service(db)
    review(svc, now=T - timedelta(days=1))
    assert svc.get("ack_delay", T).state == "due", "reviewed yesterday"
    assert svc.get("ack_delay", T - timedelta(hours=23)).state == "approved", "the same day"
    assert svc.get("ship_update", T).state == "never reviewed"
    review(svc, now=T)
    TemplateSync(svc, None).apply([_canned(1, "ack_delay", ACK + " Cheers.")], T)
    assert svc.get("ack_delay", T).state == "due", "today's review is of v1; v2 came from Chatwoot"


@dataclass
class _canned:
    id: int
    short_code: str
    content: str


class FakeCanned:
    """The adapter's canned-response calls, kept in memory."""

    def __init__(self):
        self.rows: dict[str, _canned] = {}
        self.writes: list[str] = []

    async def find_canned_response(self, code):
        return self.rows.get(code)

    async def create_canned_response(self, code, content):
        self.writes.append("POST")
        self.rows[code] = _canned(len(self.rows) + 40, code, content)
        return self.rows[code]

    async def update_canned_response(self, canned_id, code, content):
        self.writes.append("PATCH")
        self.rows[code] = _canned(canned_id, code, content)
        return self.rows[code]


class InlineRuntime:
    def submit(self, coro):
        import asyncio
        from concurrent.futures import Future

        future: Future = Future()
        try:
            future.set_result(asyncio.run(coro))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


def _sender(db, svc, adapter):
    from chatops.outbox.chatwoot import ChatwootDeliverer

    sender = OutboxSender(db, [ChatwootDeliverer(adapter, InlineRuntime(), timeout_s=5)], holder="t", pace=False)
    sender.on_delivered(svc.on_delivered)
    return sender


def test_only_an_approved_version_is_published_once_and_recorded_on_delivery(db):
    svc = service(db)
    assert svc.request_publish("ack_delay", None, "UMGR").status == "not_approved"
    review(svc, decision="reject", now=T)
    refused = svc.request_publish("ack_delay", None, "UMGR")
    assert (refused.status, refused.decision, refused.approved) == ("not_approved", "rejected", None)
    review(svc, now=T)
    assert svc.request_publish("ack_delay", 7, "UMGR").status == "no_version"
    assert svc.request_publish("nope", None, "UMGR").status == "not_found"
    assert svc.request_publish("ACK_DELAY", None, "UMGR").status == "queued", "ids match ignoring case"
    assert svc.request_publish("ack_delay", None, "UMGR").status == "pending", "not queued twice"
    assert svc.get("ack_delay").publishing == 1
    adapter = FakeCanned()
    assert _sender(db, svc, adapter).drain() == 1
    assert adapter.writes == ["POST"] and adapter.rows["ack_delay"].content == ACK
    state = svc.get("ack_delay")
    assert (state.published_version, state.published_by, state.chatwoot_id, state.publishing) == (1, "UMGR", 40, None)
    [entry] = entries(db, "template.publish")
    assert entry.external_ref == "chatwoot:canned:40" and entry.actor == "UMGR"
    assert entry.rationale.startswith("ack_delay: published v1 by UMGR at ")
    with db.session() as s:
        assert json.loads(memory.fact(s, "chatwoot_templates", "ack_delay").value)["published_version"] == 1
    assert svc.request_publish("ack_delay", None, "UMGR").status == "live"
    # what Chatwoot now holds is not drift; the next review's Memory entry names the canned id
    assert TemplateSync(svc, None).apply([_canned(40, "ack_delay", ACK)]).changed is False
    review(svc, now=T)
    assert entries(db, "template.review")[-1].external_ref == "chatwoot:canned:40"


def test_mock_chatwoot_keeps_the_publish_pending(db):
    svc = service(db, live=False)
    review(svc, now=T)
    assert svc.request_publish("ack_delay", 1, "UMGR").status == "waiting"
    with db.session() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.target == "chatwoot")).one()
    assert row.status == "pending" and row.payload["short_code"] == "ack_delay"


def test_drift_is_a_new_version_by_chatwoot_once_and_new_canned_responses_are_added(db):
    svc = service(db)
    sync = TemplateSync(svc, lambda: [_canned(5, "ack_delay", ACK.replace("shortly", "within 24 hours")),
                                      _canned(6, "order_status", "Order {{order_id}} is {{status}}."),
                                      _canned(7, "ship_update", svc.get("ship_update").body)])
    outcome = sync.run(T)
    assert outcome.drifted == ["ack_delay"] and outcome.added == ["order_status"]
    assert sync.run(T).changed is False, "the same content twice is one drift"
    ack = svc.get("ack_delay")
    assert (ack.version, ack.author, ack.chatwoot_id) == (2, "chatwoot", 5)
    assert svc.get("order_status").label == "Order status" and svc.get("ship_update").version == 1
    [drift] = entries(db, "template.drift")
    assert drift.external_ref == "chatwoot:canned:5" and drift.actor == "chatwoot"
    assert drift.payload["diff"].endswith("with an update ~~shortly~~ *within 24 hours*.")
    assert (drift.payload["version"], drift.payload["previous_version"]) == (2, 1)
    failing = TemplateSync(svc, lambda: (_ for _ in ()).throw(TimeoutError()))
    assert failing.run(T).error == "no answer (TimeoutError)"


def test_a_pending_publish_is_not_mistaken_for_drift(db):
    svc = service(db)
    review(svc, body=ACK + " Thanks!", now=T)
    svc.request_publish("ack_delay", 2, "UMGR")
    assert TemplateSync(svc, None).apply([_canned(5, "ack_delay", "an old hand edit")]).drifted == []


def test_memory_search_finds_template_reviews(db):
    svc = service(db)
    review(svc, now=T)
    review(svc, key="refund_offer", body=svc.get("refund_offer").body, decision="reject", now=T)
    with db.session() as s:
        assert [e.action for e in memory.search(s, "ops", "ack_delay")] == ["template.review.approve"]
        assert [e.action for e in memory.search(s, "ops", "refund_offer rejected")] == ["template.review.reject"]


# --- the daily reminder -----------------------------------------------------------------------
class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _reminders(db):
    with db.session() as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.channel == "C0SUPPORT")
                      .order_by(OutboxMessage.id)).all()


def test_the_reminder_runs_once_a_day_at_its_time_naming_the_due_templates(db):
    svc = service(db)
    clock = Clock(T)
    job = lambda: Job("template review reminder", daily("09:00"), lambda: svc.remind_due(clock()))  # noqa: E731
    sched = Scheduler(db, [job()], clock)
    assert sched.tick() == [] and _reminders(db) == []  # 08:59
    review(svc, key="ship_update", body=svc.get("ship_update").body, now=T)  # reviewed today: not due
    clock.now = T + timedelta(minutes=1)
    assert sched.tick() == ["template review reminder"]
    [row] = _reminders(db)
    text = json.dumps(row.payload)
    assert "ack_delay" in text and "refund_offer" in text and "ship_update" not in text
    buttons = [b["accessory"] for b in row.payload["blocks"] if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("template_review", "ack_delay"),
                                                               ("template_review", "refund_offer")]
    sched.forget()
    clock.now += timedelta(hours=3)
    assert Scheduler(db, [job()], clock).tick() == [], "a restart the same day"
    assert svc.remind_due(clock()) == 0, "and even when asked again: one a day"
    clock.now = T + timedelta(days=1, minutes=1)
    assert Scheduler(db, [job()], clock).tick() == ["template review reminder"]
    assert len(_reminders(db)) == 2 and "ship_update" in json.dumps(_reminders(db)[-1].payload)


def test_no_support_channel_no_reminder(db):
    assert service(db, channel=None).remind_due(T) == 0
    assert _reminders(db) == []


def test_sent_records_the_canned_id():
    from chatops.outbox.chatwoot import _sent

    assert _sent(_canned(9, "x", "y"), "created") == Sent("9", {"canned_id": 9, "action": "created"})
