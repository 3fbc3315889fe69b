"""Reply templates through signed Slack requests against a real bot process, a fake Slack and the
fake Chatwoot (canned responses answered as the vendor's controller does)."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from chatops.memory.models import MemoryEntry
from chatops.templates.models import Template, TemplateReview, TemplateVersion
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import CHATWOOT_ACCOUNT, integration_env
from tests.test_alerts_e2e import text, wait_until
from tests.test_incidents_http import value

MANAGER, AGENT = "UMGR", "U123"
SUPPORT = "C0SUPPORT"
CANNED = f"/api/v1/accounts/{CHATWOOT_ACCOUNT}/canned_responses"
ACK = ("Hi {{name}}, thanks for your patience. I'm checking on your order now and will follow up with an "
       "update shortly.")


@pytest.fixture
def env(slack, integrations, tmp_path):
    return {"SLACK_API_URL": slack.api_url, **integration_env(integrations), "OCC_MANAGERS": MANAGER,
            "OCC_SUPPORT_CHANNEL": SUPPORT, "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db"}


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def db_of(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path}/occ.db")


def submission(body: str, *, decision: str | None = "approve", grades=(5, 4, 5), note: str = "",
               view_id: str = "V1", metadata: str = '{"key": "ack_delay", "version": 1}', user: str = MANAGER) -> str:
    values = {"body": {"value": {"type": "plain_text_input", "value": body}},
              "note": {"value": {"type": "plain_text_input", "value": note}}}
    if decision:
        values["decision"] = {"value": value(decision)}
    for name, grade in zip(("tone", "accuracy", "policy"), grades):
        if grade is not None:
            values[name] = {"value": value(str(grade))}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "token": "x", "trigger_id": "tr",
               "view": {"id": view_id, "type": "modal", "callback_id": "template_review_submit",
                        "private_metadata": metadata, "state": {"values": values}, "hash": "h"}}
    return urlencode({"payload": json.dumps(payload)})


def press_review(key: str, user: str = AGENT) -> str:
    payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "api_app_id": "A1",
               "token": "x", "trigger_id": "tr3", "channel": {"id": SUPPORT}, "response_url": "",
               "container": {"type": "message", "channel_id": SUPPORT, "message_ts": "1.1"},
               "actions": [{"action_id": "template_review", "value": key, "type": "button", "action_ts": "1"}]}
    return urlencode({"payload": json.dumps(payload)})


def canned_writes(integrations) -> list:
    return [c for c in integrations.chatwoot.calls_to(CANNED) if c.method != "GET"]


def test_review_modal_submit_and_memory(bot_factory, slack, integrations, env, tmp_path):
    bot = bot_factory(env)
    started = time.monotonic()
    listed = bot.command("templates", slack.response_url("l"))
    assert time.monotonic() - started < 3 and listed.status_code == 200
    body = dump(listed.json())
    assert all(k in body for k in ("ack_delay", "ship_update", "refund_offer")) and "never reviewed" in body

    bot.command("template review ack_delay", slack.response_url("r"), user_id=MANAGER)
    view = slack.wait_for("views.open")[0].body["view"]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Body", "Decision", "Tone", "Accuracy", "Policy", "Note"]
    assert "Hi Customer, thanks for your patience" in dump(view)
    assert view["blocks"][[b.get("block_id") for b in view["blocks"]].index("body")]["element"]["initial_value"] == ACK

    ack = bot.post(submission(ACK, note="clear and kind", metadata=view["private_metadata"]))
    assert ack.status_code == 200 and ack.json()["response_action"] == "update"
    saved = dump(ack.json())
    assert "ack_delay" in saved and "approved" in saved and "tone 5 · accuracy 4 · policy 5" in saved
    assert "New draft" not in saved

    memory = dump(bot.command("memory ops", slack.response_url("m")).json())
    assert "template.review.approve" in memory and "chatwoot:canned:ack_delay" in memory and "clear and kind" in memory
    found = dump(bot.command("memory ops ack_delay", slack.response_url("m2")).json())
    assert "template.review.approve" in found
    listed = dump(bot.command("templates", slack.response_url("l2")).json())
    assert "approved" in listed and "by &lt;@UMGR&gt;" not in listed and "<@UMGR>" in listed

    # the Review button on the list opens the same modal
    button = next(b["accessory"] for b in json.loads(listed)["blocks"] if "accessory" in b)
    assert (button["action_id"], button["value"]) == ("template_review", "ack_delay")
    bot.post(press_review("ship_update"))
    views = slack.wait_for("views.open", 2)
    assert "Review ship_update" in dump(views[-1].body["view"]["title"])


def test_a_changed_body_is_a_new_version_with_a_readable_diff_stored_once(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    changed = ACK.replace("thanks for your patience", "thank you for waiting").replace("shortly", "within 24 hours")
    first = bot.post(submission(changed, decision="request_changes", view_id="V7"))
    shown = dump(first.json())
    assert "New draft v2" in shown and "~thanks~ *thank you*" in shown and "~your patience~ *waiting*" in shown
    assert "promises a time" in shown and "within 24 hours" in shown, "a promise is flagged, not refused"
    again = bot.post(submission(changed, decision="request_changes", view_id="V7"))  # Slack's retry, a double click
    assert again.json()["response_action"] == "update" and "already saved" in dump(again.json())
    with db_of(tmp_path).session() as s:
        reviews = s.exec(select(TemplateReview)).all()
        versions = s.exec(select(TemplateVersion).where(TemplateVersion.template_id == 1)).all()
        entries = s.exec(select(MemoryEntry)).all()
    assert len(reviews) == 1 and (reviews[0].version, reviews[0].decision) == (2, "request_changes")
    assert sorted(v.version for v in versions) == [1, 2]
    assert [e.action for e in entries] == ["template.review.request_changes"]
    assert "~~thanks~~ *thank you*" in entries[0].payload["diff"]


LINT_CASES = [  # (body, refused?) — each rule on both sides of its boundary
    ("x" * 1000, False), ("x" * 1001, True),
    ("Hi {{name}}, on it.", False), ("Hi {{nmae}}, on it.", True),
    ("Zendesking aside, we are on it.", False), ("Reply in Zendesk, please.", True),
    ("Hi {{name}}, balanced.", False), ("Hi {{name}, unbalanced.", True),
    ("  Hi.  ", False), ("   ", True),
]


def test_each_lint_rule_answers_on_the_body_field_and_stores_nothing(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    stored = 0
    for n, (body, refused) in enumerate(LINT_CASES):
        ack = bot.post(submission(body, view_id=f"VL{n}",
                                  metadata=json.dumps({"key": "ship_update", "version": 1 + stored})))
        assert ack.status_code == 200
        answer = ack.json()
        if refused:
            assert answer["response_action"] == "errors" and list(answer["errors"]) == ["body"], body
        else:
            assert answer["response_action"] == "update", (body, answer)
            stored += 1
        with db_of(tmp_path).session() as s:
            assert len(s.exec(select(TemplateReview)).all()) == stored
    errors = bot.post(submission("Hi {{nmae}}", view_id="VX")).json()["errors"]
    assert "{{nmae}}" in errors["body"] and "Did you mean {{name}}?" in errors["body"]
    missing = bot.post(submission(ACK, decision=None, grades=(5, None, 3), view_id="VY")).json()
    assert missing["response_action"] == "errors" and set(missing["errors"]) == {"decision", "accuracy"}
    assert not slack.calls_to("chat.postMessage")


def test_non_manager_publish_is_refused_and_chatwoot_gets_nothing(bot_factory, slack, integrations, env, tmp_path):
    bot = bot_factory(env)
    bot.post(submission(ACK))
    refused = bot.command("template publish ack_delay", slack.response_url("p"), user_id=AGENT)
    assert "Only managers can publish templates" in dump(refused.json())
    time.sleep(1.5)
    with db_of(tmp_path).session() as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.target == "chatwoot")).all() == []
    assert canned_writes(integrations) == []
    assert not [e for e in slack.calls if "/respond/p" in e.path], "refused in the acknowledgement itself"


def test_manager_publish_reaches_chatwoot_once_through_a_502_and_a_429(bot_factory, slack, integrations, env,
                                                                       tmp_path):
    bot = bot_factory(env)
    not_yet = bot.command("template publish ack_delay", slack.response_url("p0"), user_id=MANAGER)
    assert "Only an approved version can be published" in dump(not_yet.json())
    bot.post(submission(ACK))
    integrations.canned_faults += [("*", 502, {}, False), ("*", 429, {"Retry-After": "1"}, False)]
    queued = bot.command("template publish ack_delay", slack.response_url("p1"), user_id=MANAGER)
    assert "Publishing *ack_delay* v1" in dump(queued.json())
    again = bot.command("template publish ack_delay 1", slack.response_url("p2"), user_id=MANAGER)
    assert "already on its way" in dump(again.json()) or "already has" in dump(again.json())
    wait_until(lambda: canned_writes(integrations), 15, "the publish")
    time.sleep(1.5)
    assert [(c.method, c.body) for c in canned_writes(integrations)] == [
        ("POST", {"canned_response": {"short_code": "ack_delay", "content": ACK}})]
    assert [r["short_code"] for r in integrations.canned.rows] == ["ack_delay"]
    memory = wait_until(lambda: "template.publish" in (m := dump(
        bot.command("memory ops", slack.response_url("m")).json())) and m, 5, "the publish in Memory")
    assert "published v1 by UMGR at" in memory and "chatwoot:canned:1" in memory
    listed = dump(bot.command("templates", slack.response_url("l")).json())
    assert "published v1 by <@UMGR>" in listed


def test_drift_in_chatwoot_becomes_a_version_and_a_memory_entry(bot_factory, slack, integrations, env, tmp_path):
    integrations.canned.add("ack_delay", ACK.replace("shortly", "tomorrow"))
    integrations.canned.add("order_status", "Order {{order_id}} is {{status}}.")
    bot = bot_factory(env)  # the sync job runs at start

    def drifted():
        with db_of(tmp_path).session() as s:
            return s.exec(select(MemoryEntry).where(MemoryEntry.action == "template.drift")).all()

    [entry] = wait_until(drifted, 10, "the drift")
    assert entry.external_ref == "chatwoot:canned:1" and "~~shortly~~ *tomorrow*" in entry.payload["diff"]
    reads = len([c for c in integrations.chatwoot.calls_to(CANNED) if c.method == "GET"])
    listed = dump(bot.command("templates", slack.response_url("l")).json())
    assert "order_status" in listed and "v2 was changed in Chatwoot by hand" in listed
    # the sync after that acknowledgement reads Chatwoot first: change it only after that read
    wait_until(lambda: len([c for c in integrations.chatwoot.calls_to(CANNED) if c.method == "GET"]) > reads, 10,
               "the sync after /occ templates")
    time.sleep(0.2)
    # changed again by hand: `/occ templates` answers from storage, then syncs and says what changed
    integrations.canned.by_code("ack_delay")["content"] = "Hi {{name}}, a third wording."
    bot.command("templates", slack.response_url("l2"))
    follow_up = text(slack.wait_for("/respond/l2")[0])
    assert "changed in Chatwoot by hand" in follow_up and "ack_delay" in follow_up
    with db_of(tmp_path).session() as s:
        tpl = s.exec(select(Template).where(Template.key == "ack_delay")).one()
    assert tpl.current_version == 3 and len(drifted()) == 2


def test_mock_chatwoot_keeps_the_publish_pending_and_says_so(bot_factory, slack, tmp_path):
    bot = bot_factory({"SLACK_API_URL": slack.api_url, "OCC_MANAGERS": MANAGER})
    assert "MOCK" in dump(bot.command("templates", slack.response_url("l")).json())
    bot.post(submission(ACK))
    reply = dump(bot.command("template publish ack_delay", slack.response_url("p"), user_id=MANAGER).json())
    assert "will be published when Chatwoot is connected" in reply
    time.sleep(1)
    with db_of(tmp_path).session() as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.target == "chatwoot")).one().status == "pending"


def test_unknown_template_and_usage(bot_factory, slack, env):
    bot = bot_factory(env)
    bot.command("template review nope", slack.response_url("u"))
    assert "I don't know template `nope`" in text(slack.wait_for("/respond/u")[0])
    usage = dump(bot.command("template publish", slack.response_url("p"), user_id=MANAGER).json())
    assert "Usage: `/occ template publish &lt;id&gt; [version]`" in usage
    assert not slack.calls_to("views.open")
