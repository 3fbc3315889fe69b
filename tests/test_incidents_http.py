"""Incidents through signed Slack requests against a real bot process and a fake Slack."""
from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from storage.db import Database
from chatops.incidents.models import Incident, IncidentEvent
from chatops.memory.models import MemoryEntry
from tests.conftest import integration_env
from tests.test_alerts_e2e import text, wait_until

INC = "C0INCIDENTS"


def value(sel: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": sel, "text": {"type": "plain_text", "text": sel}}}


def submission(title: str, severity: str = "SEV2", integration: str = "Chatwoot", *, description: str | None = None,
               commander: str | None = None, metadata: str = "{}") -> str:
    values = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "severity": {"value": value(severity)},
        "integration": {"value": value(integration)},
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "commander": {"value": {"type": "users_select", "selected_user": commander}},
    }
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U900", "username": "dana"},
               "api_app_id": "A1", "token": "x", "trigger_id": "tr",
               "view": {"id": "V1", "type": "modal", "callback_id": "incident_new", "private_metadata": metadata,
                        "state": {"values": values}, "hash": "h"}}
    return urlencode({"payload": json.dumps(payload)})


def press(action_id: str, number: int, user: str = "U901", response_url: str = "") -> str:
    payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "api_app_id": "A1",
               "token": "x", "trigger_id": "tr2", "channel": {"id": INC}, "response_url": response_url,
               "container": {"type": "message", "channel_id": INC, "message_ts": "1.1"},
               "actions": [{"action_id": action_id, "value": str(number), "type": "button",
                            "block_id": f"incident:{number}", "action_ts": "1"}]}
    return urlencode({"payload": json.dumps(payload)})


@pytest.fixture
def env(slack, integrations, tmp_path):
    return {"SLACK_API_URL": slack.api_url, **integration_env(integrations), "OCC_INCIDENTS_CHANNEL": INC,
            "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db"}


def db_of(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path}/occ.db")


def test_modal_submission_announcement_resolve(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    # /occ incident Checkout slow → the modal opens, prefilled
    started = time.monotonic()
    assert bot.command("incident Checkout slow", slack.response_url("m")).status_code == 200
    assert time.monotonic() - started < 3
    opened = slack.wait_for("views.open")[0]
    assert opened.body["trigger_id"].startswith("13345224609")
    labels = [b["label"]["text"] for b in opened.body["view"]["blocks"] if b["type"] == "input"]
    assert labels == ["Title", "Severity", "Integration", "Description", "Commander"]
    assert opened.body["view"]["blocks"][0]["element"]["initial_value"] == "Checkout slow"
    options = [o["text"]["text"] for o in opened.body["view"]["blocks"][1]["element"]["options"]]
    assert options[0].startswith("SEV1") and "5 min" in options[0] and "15 min" in options[1]

    # the submission is stored before the acknowledgement, which names the id
    ack = bot.post(submission("Checkout slow <!channel>", description="p95 4 s", commander="U777"))
    assert ack.status_code == 200 and ack.json()["response_action"] == "update"
    assert "INC-1" in json.dumps(ack.json())
    with db_of(tmp_path).session() as s:
        inc = s.exec(select(Incident)).one()
    assert (inc.number, inc.severity, inc.integration, inc.reporter, inc.commander) == (1, "SEV2", "Chatwoot", "U900", "U777")

    post = wait_until(lambda: [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == INC], 5,
                      "the announcement")[0]
    body = text(post)
    assert "INC-1" in body and "SEV2" in body and "Chatwoot" in body and "<@U777>" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    buttons = [e["text"]["text"] for b in post.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Acknowledge", "Update status", "Add note", "Resolve", "Runbook"]

    # Acknowledge button: stored, announcement edited in place
    assert bot.post(press("incident_ack", 1)).status_code == 200
    wait_until(lambda: [c for c in slack.calls_to("chat.update") if "acknowledged by <@U901>" in text(c)], 5, "ack edit")

    # /occ incident resolve: the reply (the acknowledgement itself) and the edited announcement
    # carry the resolution time
    time.sleep(1.1)
    reply = bot.command("incident resolve INC-1 rolled back the deploy", slack.response_url("r1")).text
    assert "INC-1 resolved" in reply and "resolution time" in reply
    edit = wait_until(lambda: [c for c in slack.calls_to("chat.update") if "Resolved" in text(c)], 5, "resolved edit")[-1]
    assert "resolution time" in text(edit) and edit.body["channel"] == INC
    assert not [b for b in edit.body["blocks"] if b["type"] == "actions"], "no buttons once resolved"

    # resolving twice is harmless; an unknown id gets a clear answer
    assert "already resolved" in bot.command("incident resolve INC-1", slack.response_url("r2")).text
    assert "can't find incident `INC-42`" in bot.command("incident resolve INC-42", slack.response_url("r3")).text

    with db_of(tmp_path).session() as s:
        inc = s.exec(select(Incident)).one()
        kinds = [e.kind for e in s.exec(select(IncidentEvent).order_by(IncidentEvent.id)).all()]
        memory = s.exec(select(MemoryEntry)).all()
    assert inc.status == "resolved" and inc.resolved_by == "U123" and inc.resolution_note == "rolled back the deploy"
    assert kinds == ["created", "acknowledged", "resolved"]
    assert [(m.scope, m.action, m.external_ref) for m in memory] == [("ops", "incident.resolve", "incident:INC-1")]
    assert memory[0].payload["resolution_minutes"] >= 0.0

    # /occ incidents no longer lists it; /occ incident show gives the timeline
    assert "No open incidents" in bot.command("incidents", slack.response_url("l")).text
    shown = bot.command("incident show INC-1", slack.response_url("s")).text
    assert "Timeline" in shown and "rolled back the deploy" in shown


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_blank_title_is_a_field_error_and_nothing_happens(bot_factory, slack, env, tmp_path, title):
    bot = bot_factory(env)
    ack = bot.post(submission(title))
    assert ack.status_code == 200
    assert ack.json() == {"response_action": "errors", "errors": {"title": "Give the incident a title."}}
    time.sleep(0.8)
    with db_of(tmp_path).session() as s:
        assert s.exec(select(Incident)).all() == []
    assert not slack.calls_to("chat.postMessage")


def test_resolve_button_and_status_modal(bot_factory, slack, env):
    bot = bot_factory(env)
    bot.post(submission("Orders page blank", "SEV1", "Shopify"))
    wait_until(lambda: slack.calls_to("chat.postMessage"), 5, "announcement")
    bot.post(press("incident_update", 1))
    modal = slack.wait_for("views.open")[0].body["view"]
    assert modal["callback_id"] == "incident_status"
    values = {"status": {"value": value("identified")}, "note": {"value": {"type": "plain_text_input", "value": "bad cache"}}}
    payload = {"type": "view_submission", "user": {"id": "U5"}, "team": {"id": "T1"}, "api_app_id": "A1", "token": "x",
               "view": {"id": "V2", "type": "modal", "callback_id": "incident_status", "private_metadata": modal["private_metadata"],
                        "state": {"values": values}}}
    assert bot.post(urlencode({"payload": json.dumps(payload)})).status_code == 200
    wait_until(lambda: [c for c in slack.calls_to("chat.update") if "Identified" in text(c)], 5, "status edit")
    bot.post(press("incident_resolve", 1, response_url=slack.response_url("rb")))
    reply = slack.wait_for("/respond/rb")[0].body
    assert "INC-1 resolved" in json.dumps(reply) and reply["replace_original"] is False


def test_kill_9_right_after_the_acknowledgement_loses_nothing(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    original = slack.route
    slack.route = lambda c: (503, {"ok": False}, {}) if c.path.endswith("chat.postMessage") else original(c)
    ack = bot.post(submission("Refund webhook failing", "SEV2", "Shopify"))
    assert "INC-1" in json.dumps(ack.json())
    os.kill(bot.proc.pid, signal.SIGKILL)
    bot.proc.wait()
    slack.route = original
    slack.calls.clear()
    with db_of(tmp_path).session() as s:
        assert s.exec(select(Incident)).one().title == "Refund webhook failing"
    bot_factory(env)  # the restarted bot delivers the announcement it owed
    wait_until(lambda: [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == INC], 10,
               "the announcement")
    time.sleep(1.5)
    delivered = [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == INC]
    assert len(delivered) == 1 and "INC-1" in text(delivered[0]) and "Refund webhook failing" in text(delivered[0])


def test_open_incident_from_an_alert(bot_factory, slack, integrations, env):
    from tests.conftest import Behaviour

    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    bot = bot_factory({**env, "OCC_ALERTS_CHANNEL": "C0ALERTS", "OCC_HEALTH_INTERVAL_S": "1"})
    alert = wait_until(lambda: [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == "C0ALERTS"],
                       10, "the alert")[0]
    episode = next(e["value"] for b in alert.body["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "alert_open_incident")
    bot.post(press("alert_open_incident", int(episode)))
    view = slack.wait_for("views.open")[0].body["view"]
    integration = view["blocks"][2]["element"]["initial_option"]["value"]
    assert integration == "Chatwoot" and view["blocks"][0]["element"]["initial_value"] == "Chatwoot DOWN"
    ack = bot.post(submission("Chatwoot DOWN", "SEV1", "Chatwoot", metadata=view["private_metadata"]))
    assert "INC-1" in json.dumps(ack.json())
