"""Escalate on an SLA-breach alert (SOP-CX-003): the next level and who, the `escalation` label and
an internal note with the customer's expectation through the outbox (once, even when Chatwoot's
answer is lost), Memory `ops`, and a note in the alert's thread."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from sqlmodel import select

from chatops.memory.models import MemoryEntry
from chatops.runbooks.catalog import load
from chatops.runbooks.escalation import next_level, runbook_for
from storage.db import Database
from tests import chatwoot_samples as cw
from tests.test_alerts_e2e import alert_env, posts, text, wait_until

BOOKS = load()


def test_the_next_level_is_l2_unless_already_escalated():
    assert next_level([]) == "L2" and next_level(["shipping"]) == "L2"
    assert next_level(["escalation"]) == "L3" and next_level(["Escalated"]) == "L3"


def test_the_runbook_comes_from_the_conversations_labels_else_the_general_ladder():
    assert runbook_for(BOOKS, ["refund"]).id == "refund-return"
    assert runbook_for(BOOKS, ["shipping", "escalation"]).id == "shipping-delay"
    assert runbook_for(BOOKS, []).id == "order-status"
    assert runbook_for(BOOKS, ["escalation"]).id == "order-status", "the escalation label names no type"


def _press(conversation_id: str) -> str:
    payload = {"type": "block_actions", "user": {"id": "U42"}, "team": {"id": "T1"}, "trigger_id": "trg-esc",
               "channel": {"id": "C0ALERTS"}, "response_url": "", "container": {"type": "message", "message_ts": "1.1"},
               "actions": [{"action_id": "sla_escalate", "value": conversation_id, "type": "button"}]}
    return urlencode({"payload": json.dumps(payload)})


def _submit(view: dict, expectation: str, view_id: str = "VESC") -> str:
    values = {"expectation": {"value": {"type": "plain_text_input", "value": expectation}},
              "note": {"value": {"type": "plain_text_input", "value": None}}}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U42"},
               "view": {"id": view_id, "type": "modal", "callback_id": view["callback_id"], "hash": "h",
                        "private_metadata": view["private_metadata"], "state": {"values": values}}}
    return urlencode({"payload": json.dumps(payload)})


def test_escalate_from_the_alert_labels_notes_logs_and_threads_once(bot_factory, slack, integrations, tmp_path):
    now = int(time.time())
    integrations.conversations = [cw.conversation(4242, created_at=now - 3 * 3600, labels=("shipping",),
                                                  customer="Ada <!here>")]
    integrations.member_faults = [("POST", "messages", 502, True)]  # the note is saved, the answer is lost
    bot = bot_factory(alert_env(slack, integrations))
    alert = wait_until(lambda: [c for c in posts(slack) if "#4242" in text(c)], 10, "the SLA alert")[0]
    buttons = [e for b in alert.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in buttons] == [("sla_escalate", "4242")]

    assert bot.post(_press("4242")).status_code == 200
    opened = slack.wait_for("views.open")[0].body["view"]
    shown = json.dumps(opened)
    assert "*L2* CX Lead" in shown and "Shipping delay" in shown and "SOP-CX-003" in shown
    assert "<!here>" not in shown

    blank = bot.post(_submit(opened, "  "))
    assert blank.json()["response_action"] == "errors" and "expectation" in blank.json()["errors"]
    for _ in range(2):  # Slack's retry of the same submission: once
        done = bot.post(_submit(opened, "A call back before Friday"))
        assert done.json()["response_action"] == "update"

    conv = integrations.conversations[0]
    wait_until(lambda: "escalation" in conv["labels"] and len(integrations.notes.get("4242", [])) == 1, 15,
               "the label and the note")
    time.sleep(3)  # the lost answer is retried: looked for first, never posted twice
    notes = integrations.notes["4242"]
    assert len(notes) == 1 and notes[0]["private"] is True
    assert "A call back before Friday" in notes[0]["content"] and "L2" in notes[0]["content"]
    assert sorted(conv["labels"]) == ["escalation", "shipping"], "the labels it had are kept"
    thread = wait_until(lambda: [c for c in slack.calls_to("chat.postMessage")
                                 if c.body.get("thread_ts") and "escalated to *L2*" in text(c)], 5, "the thread note")
    assert len(thread) == 1 and "<@U42>" in text(thread[0])
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        logged = [(m.action, m.external_ref, m.actor) for m in s.exec(select(MemoryEntry)).all()]
    assert logged == [("conversation.escalate", "chatwoot:conversation:4242", "U42")]


def test_a_label_missing_in_chatwoot_fails_with_a_clear_reason(bot_factory, slack, integrations, tmp_path):
    from storage.models import OutboxMessage

    now = int(time.time())
    integrations.account_labels = {"shipping"}  # nobody created `escalation` in Chatwoot
    integrations.conversations = [cw.conversation(7, created_at=now - 3 * 3600)]
    bot = bot_factory(alert_env(slack, integrations))
    wait_until(lambda: [c for c in posts(slack) if "#7" in text(c)], 10, "the SLA alert")
    bot.post(_press("7"))
    opened = slack.wait_for("views.open")[0].body["view"]
    bot.post(_submit(opened, "a refund"))

    def failed():
        with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
            return [r for r in s.exec(select(OutboxMessage)).all() if r.target == "chatwoot" and r.status == "failed"]

    row = wait_until(failed, 10, "the refusal")[0]
    assert "no label `escalation`" in row.last_error
    notes = integrations.notes.get("7", [])
    assert len(notes) == 1 and "a refund" in notes[0]["content"], "the note says what was asked; only the label failed"


def test_a_second_escalation_goes_to_the_top_of_the_ladder(db):
    from types import SimpleNamespace

    from chatops.runbooks.escalation import EscalationService

    episode = SimpleNamespace(details={"labels": ["shipping"], "customer": "Ada"}, outbox_id=None, channel="C")

    class Views:
        def thread_note(self, plan, actor):
            return {"text": "x"}

    svc = EscalationService(db, BOOKS, lambda conv: episode, Views(), live=True)
    first = svc.plan("42")
    assert first.level == "L2" and first.before == ()
    assert svc.escalate(first, "U1", "a call back", None, once="V1")
    again = svc.plan("42")
    assert again.level == "L3" and again.before == ("L2",)
    assert not svc.escalate(first, "U1", "a call back", None, once="V1"), "the same form twice: once"
