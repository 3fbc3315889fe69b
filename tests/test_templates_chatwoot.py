"""Publishing to Chatwoot's canned responses: the adapter and the outbox's chatwoot deliverer
against the loopback Chatwoot fake (which answers as the vendor's controller does), through the
real OutboxSender on SQLite and PostgreSQL. A 502, a 429 or a lost answer delays a publish; it is
never lost and never doubled."""
from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from chatops.integrations.base import AsyncRuntime
from chatops.integrations.chatwoot import Chatwoot
from chatops.integrations.errors import IntegrationBadResponse
from chatops.outbox import OutboxSender, enqueue
from chatops.outbox.chatwoot import KIND, LANE, ChatwootDeliverer
from storage.models import OutboxMessage
from tests.conftest import CHATWOOT_ACCOUNT, CHATWOOT_TOKEN

CANNED = f"/api/v1/accounts/{CHATWOOT_ACCOUNT}/canned_responses"


@pytest.fixture
def runtime():
    rt = AsyncRuntime()
    yield rt
    rt.close()


def adapter(integrations, token: str = CHATWOOT_TOKEN) -> Chatwoot:
    return Chatwoot(base_url=integrations.chatwoot.url, token=token, account_id=CHATWOOT_ACCOUNT, timeout_s=2)


def writes(integrations) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in integrations.chatwoot.calls_to(CANNED) if c.method != "GET"]


def publish(db, content: str = "Hi {{name}}, thanks for waiting.", code: str = "ack_delay") -> int:
    with db.session() as s:
        return enqueue(s, target="chatwoot", kind=KIND, channel=LANE,
                       message={"short_code": code, "content": content, "version": 2, "by": "UMGR"}).id


def deliver(db, integrations, runtime, *, token: str = CHATWOOT_TOKEN, until: float = 12.0) -> OutboxMessage:
    """Run the sender until the row is sent or failed (or `until` seconds pass)."""
    sender = OutboxSender(db, [ChatwootDeliverer(adapter(integrations, token), runtime, timeout_s=10)], holder="t")
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        sender.drain()
        with db.session() as s:
            row = s.exec(select(OutboxMessage).where(OutboxMessage.target == "chatwoot")).one()
        if row.status != "pending":
            return row
        time.sleep(0.1)
    return row


def test_the_adapter_speaks_the_controllers_wire_format(integrations, runtime):
    cw = adapter(integrations)
    integrations.canned.add("ship_update", "On its way")
    created = runtime.run(cw.create_canned_response("ack_delay", "Hi {{name}}"))
    post = integrations.chatwoot.calls_to(CANNED)[-1]
    assert post.body == {"canned_response": {"short_code": "ack_delay", "content": "Hi {{name}}"}}
    assert post.headers["api_access_token"] == CHATWOOT_TOKEN
    listed = runtime.run(cw.list_canned_responses())
    assert [(c.short_code, c.content) for c in listed] == [("ship_update", "On its way"), ("ack_delay", "Hi {{name}}")]
    assert runtime.run(cw.find_canned_response("ack_delay")) == created
    assert runtime.run(cw.find_canned_response("ack")) is None, "a substring match is not the template"
    updated = runtime.run(cw.update_canned_response(created.id, "ack_delay", "Hello {{name}}"))
    assert updated.content == "Hello {{name}}" and integrations.chatwoot.calls_to(CANNED)[-1].method == "PATCH"
    with pytest.raises(IntegrationBadResponse) as refused:
        runtime.run(cw.create_canned_response("ack_delay", "again"))
    assert refused.value.status == 422, "short codes are unique per account"
    with pytest.raises(IntegrationBadResponse) as missing:
        runtime.run(cw.update_canned_response(999, "x", "y"))
    assert missing.value.status == 404


def test_a_502_then_a_429_delay_the_publish_which_reaches_chatwoot_exactly_once(db, integrations, runtime):
    integrations.canned_faults += [("*", 502, {}, False), ("*", 429, {"Retry-After": "1"}, False)]
    publish(db)
    row = deliver(db, integrations, runtime)
    assert row.status == "sent" and row.result["action"] == "created" and row.attempts == 3
    assert writes(integrations) == [("POST", CANNED)]
    assert [r["short_code"] for r in integrations.canned.rows] == ["ack_delay"]
    gets = [c for c in integrations.chatwoot.calls_to(CANNED) if c.method == "GET"]
    assert gets[2].at - gets[1].at >= 0.95, "the 429's Retry-After was honoured"


def test_a_create_that_went_through_before_a_502_is_found_not_made_twice(db, integrations, runtime):
    integrations.canned_faults.append(("POST", 502, {}, True))  # saved, then answered 502
    publish(db)
    row = deliver(db, integrations, runtime)
    assert row.status == "sent" and row.result["action"] == "found" and row.ts == "1"
    assert writes(integrations) == [("POST", CANNED)] and len(integrations.canned.rows) == 1


def test_an_existing_canned_response_is_updated_in_place(db, integrations, runtime):
    existing = integrations.canned.add("ack_delay", "an old body")
    publish(db, "a new body")
    row = deliver(db, integrations, runtime)
    assert row.status == "sent" and row.result == {"ref": str(existing["id"]), "canned_id": existing["id"],
                                                   "action": "updated"}
    assert writes(integrations) == [("PATCH", f"{CANNED}/{existing['id']}")]
    assert integrations.canned.by_code("ack_delay")["content"] == "a new body"


def test_one_deleted_between_the_look_up_and_the_update_is_created(db, integrations, runtime):
    integrations.canned.add("ack_delay", "old")
    route = integrations.chatwoot.route

    def deleted_by_hand_first(call):
        if call.method == "PATCH":
            integrations.canned.rows.clear()
        return route(call)

    integrations.chatwoot.route = deleted_by_hand_first
    publish(db, "new")
    row = deliver(db, integrations, runtime)
    assert row.status == "sent" and row.result["action"] == "created" and row.attempts == 1
    assert [m for m, _ in writes(integrations)] == ["PATCH", "POST"]
    assert [r["content"] for r in integrations.canned.rows] == ["new"]


def test_rejected_credentials_fail_the_row_for_good_without_writing(db, integrations, runtime):
    publish(db)
    row = deliver(db, integrations, runtime, token="wrong")
    assert row.status == "failed" and "credentials rejected (HTTP 401)" in row.last_error
    assert writes(integrations) == []


def test_a_create_refused_for_good_fails_the_row(db, integrations, runtime):
    integrations.canned_faults.append(("POST", 422, {}, False))
    publish(db)
    row = deliver(db, integrations, runtime)
    assert row.status == "failed" and "HTTP 422" in row.last_error and integrations.canned.rows == []


def test_an_outage_keeps_the_row_pending(db, integrations, runtime):
    from tests.conftest import Behaviour

    integrations.behaviour["chatwoot"] = Behaviour(status=503)
    publish(db)
    row = deliver(db, integrations, runtime, until=1.5)
    assert row.status == "pending" and row.uncertain and "server error (HTTP 503)" in row.last_error
    integrations.behaviour.clear()
    from sqlalchemy import update
    from datetime import datetime, timezone

    with db.session() as s:
        s.exec(update(OutboxMessage).values(next_attempt_at=datetime.now(timezone.utc)))
    assert deliver(db, integrations, runtime).status == "sent" and len(integrations.canned.rows) == 1


def test_the_mock_chatwoot_has_no_canned_responses():
    from chatops.integrations.mock import MockChatwoot

    assert asyncio.run(MockChatwoot("no credentials").list_canned_responses()) == []
