"""Alerts end to end: a real bot process (or two), OCC_HEALTH_INTERVAL_S=1, fake Slack and integrations."""
from __future__ import annotations

import json
import os
import signal
import time


from tests import chatwoot_samples as cw
from tests.conftest import Behaviour, integration_env

ALERTS = "C0ALERTS"


def posts(slack, channel=ALERTS, thread=None):
    out = [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == channel]
    if thread is False:
        out = [c for c in out if not c.body.get("thread_ts")]
    return out


def text(call) -> str:
    return json.dumps(call.body, ensure_ascii=False)


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alert_env(slack, integrations, **extra):
    return {"SLACK_API_URL": slack.api_url, **integration_env(integrations), "OCC_HEALTH_INTERVAL_S": "1",
            "OCC_ALERTS_CHANNEL": ALERTS, "OCC_LEASE_TTL_S": "3", **extra}


def test_outage_alerts_once_and_recovers(bot_factory, slack, integrations):
    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    started = time.monotonic()
    bot_factory(alert_env(slack, integrations))
    first = wait_until(lambda: posts(slack, thread=False), 10, "the outage alert")[0]
    assert time.monotonic() - started < 10
    assert "Chatwoot is DOWN" in text(first) and "server error (HTTP 500)" in text(first)
    assert {b["action_id"] for blk in first.body["blocks"] if blk["type"] == "actions" for b in blk["elements"]} == {
        "alert_ack", "alert_snooze", "alert_open_incident", "runbook_show"}
    time.sleep(3)
    assert len(posts(slack)) == 1, "no repeats while the episode lasts"
    healed = time.monotonic()
    integrations.behaviour["chatwoot"] = Behaviour()
    reply = wait_until(lambda: [c for c in posts(slack) if c.body.get("thread_ts")], 10, "the recovery notice")[0]
    assert time.monotonic() - healed < 10
    edits = [c for c in slack.calls_to("chat.update") if "recovered" in text(c)]
    assert edits and edits[-1].body["ts"] == reply.body["thread_ts"]
    assert "Chatwoot recovered" in text(reply)
    time.sleep(2)
    assert len(posts(slack, thread=False)) == 1


def test_breaching_conversation_alerted_once_by_id(bot_factory, slack, integrations):
    now = int(time.time())
    integrations.conversations = [
        cw.conversation(4242, created_at=now - 3 * 3600, customer="Ada <!here>"),
        cw.conversation(77, created_at=now - 60),
        cw.conversation(78, created_at=now - 3 * 3600, first_reply_created_at=now - 3 * 3600 + 60),  # answered in time
    ]
    bot_factory(alert_env(slack, integrations))
    alert = wait_until(lambda: [c for c in posts(slack) if "4242" in text(c)], 10, "the SLA alert")[0]
    body = text(alert)
    assert "#4242" in body and "P1" in body and "Ada &lt;!here&gt;" in body and "<!here>" not in body
    assert "waiting 3 h" in body
    time.sleep(3)
    assert len([c for c in posts(slack) if "4242" in text(c)]) == 1
    assert not [c for c in posts(slack) if "#77" in text(c) or "#78" in text(c)]
    # 1 of 3 open conversations breaching = 33 %: a warning breach-rate episode, once
    rate = [c for c in posts(slack) if "breach rate" in text(c)]
    assert len(rate) == 1 and "warning" in text(rate[0])


def test_post_answered_429_twice_still_arrives_once(bot_factory, slack, integrations):
    slack.rate_limit["chat.postMessage"] = 2
    integrations.behaviour["shopify"] = Behaviour(status=503)
    bot_factory(alert_env(slack, integrations))
    wait_until(lambda: posts(slack, thread=False) and slack.rate_limit["chat.postMessage"] == 0
               and [c for c in slack.calls_to("chat.postMessage")], 15, "the post")
    time.sleep(2)
    attempts = slack.calls_to("chat.postMessage")
    delivered = [c for c in attempts if "Shopify is DOWN" in text(c)]
    assert len(delivered) == 3  # two 429s, then the one that landed
    assert slack.rate_limit["chat.postMessage"] == 0


def test_restart_mid_episode_neither_realerts_nor_forgets(bot_factory, slack, integrations, tmp_path):
    integrations.behaviour["ga"] = Behaviour(status=500)
    env = alert_env(slack, integrations)
    bot = bot_factory(env)
    wait_until(lambda: posts(slack, thread=False), 10, "the alert")
    os.kill(bot.proc.pid, signal.SIGKILL)  # maybe before it recorded the post: the next one looks first
    bot.proc.wait()
    bot_factory(env)
    time.sleep(4)
    assert len(posts(slack, thread=False)) == 1, "a restart does not alert the same episode again"
    integrations.behaviour["ga"] = Behaviour()
    wait_until(lambda: [c for c in posts(slack) if c.body.get("thread_ts")], 10, "the recovery notice")
    assert any("Google Analytics recovered" in text(c) for c in slack.calls_to("chat.update"))


def test_slack_outage_then_kill_then_delivery(bot_factory, slack, integrations):
    """The alert is written while Slack is down; the process dies; the next one delivers it once."""
    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    original = slack.route
    slack.route = lambda call: (503, {"ok": False, "error": "service_unavailable"}, {}) \
        if call.path.endswith("chat.postMessage") else original(call)
    env = alert_env(slack, integrations)
    bot = bot_factory(env)
    wait_until(lambda: slack.calls_to("chat.postMessage"), 10, "a delivery attempt")
    os.kill(bot.proc.pid, signal.SIGKILL)
    bot.proc.wait()
    slack.route = original
    slack.calls.clear()
    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    bot_factory(env)
    wait_until(lambda: posts(slack, thread=False), 15, "the delivery after restart")
    time.sleep(2)
    assert len(posts(slack, thread=False)) == 1


def test_acknowledge_and_snooze_buttons(bot_factory, slack, integrations, tmp_path):
    from urllib.parse import urlencode

    integrations.behaviour["shopify"] = Behaviour(status=500)
    bot = bot_factory(alert_env(slack, integrations))
    alert = wait_until(lambda: posts(slack, thread=False), 10, "the alert")[0]
    buttons = {b["action_id"]: b["value"] for blk in alert.body["blocks"] if blk["type"] == "actions"
               for b in blk["elements"]}

    def press(action_id: str, user: str):
        payload = {"type": "block_actions", "user": {"id": user, "username": user.lower()},
                   "team": {"id": "T1"}, "api_app_id": "A1", "token": "x", "trigger_id": "tr",
                   "container": {"type": "message", "channel_id": ALERTS, "message_ts": "1.1"},
                   "channel": {"id": ALERTS}, "response_url": slack.response_url("btn"),
                   "actions": [{"action_id": action_id, "value": buttons[action_id], "type": "button",
                                "block_id": f"alert:{buttons[action_id]}", "action_ts": "1"}]}
        response = bot.post(urlencode({"payload": json.dumps(payload)}))
        assert response.status_code == 200

    press("alert_ack", "U555")
    wait_until(lambda: [c for c in slack.calls_to("chat.update") if "Acknowledged by <@U555>" in text(c)], 5,
               "the acknowledged edit")
    press("alert_snooze", "U556")
    wait_until(lambda: [c for c in slack.calls_to("chat.update") if "snoozed until" in text(c)], 5, "the snooze edit")
    from sqlmodel import select

    from storage.db import Database
    from chatops.health.models import AlertEpisode

    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        ep = s.exec(select(AlertEpisode).where(AlertEpisode.key == "integration:shopify")).one()
    assert ep.acked_by == "U555" and ep.acked_at is not None
    assert ep.snoozed_by == "U556" and ep.snoozed_until is not None
    assert len(posts(slack, thread=False)) == 1
