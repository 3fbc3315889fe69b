"""/occ health through signed HTTP requests, against a fake Slack and fake integrations."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.conftest import BOT_TOKEN, Behaviour, integration_env


def health_text(call) -> str:
    """All text of the answer posted to the response_url, blocks included."""
    return json.dumps(call.body, ensure_ascii=False)


def state_of(text: str, name: str) -> str:
    match = re.search(re.escape(name) + r"\*? — \*?(OK|DEGRADED|DOWN|MOCK)", text)
    assert match, f"no state for {name} in {text}"
    return match.group(1)


@pytest.fixture
def live_bot(bot_factory, slack, integrations):
    now = int(time.time())
    integrations.conversations = [
        {"id": 501, "status": "open", "created_at": now - 3 * 3600, "meta": {"sender": {"name": "Ada"}}},
        {"id": 502, "status": "open", "created_at": now - 60},
        {"id": 503, "status": "pending", "created_at": now - 45 * 60},
    ]
    return bot_factory({"SLACK_API_URL": slack.api_url, **integration_env(integrations)})


def test_all_healthy(live_bot, slack, integrations):
    started = time.monotonic()
    response = live_bot.command("health", slack.response_url("h1"))
    assert response.status_code == 200
    assert time.monotonic() - started < 3
    assert "Checking" in response.text  # the acknowledgement never waits on an integration
    answer = slack.wait_for("/respond/h1")[0]
    text = health_text(answer)
    assert [state_of(text, n) for n in ("Shopify", "Chatwoot", "Google Analytics")] == ["OK", "OK", "OK"]
    assert "2 conversations of 3 open breaching the 30-min SLA" in text
    # the credentials went in the documented headers
    assert integrations.chatwoot.calls_to("/api/v1/accounts/7/profile")[0].headers["api_access_token"] == "cw-secret-token"
    assert integrations.shopify.calls_to("/admin/api/2025-10/shop.json")[0].headers["X-Shopify-Access-Token"] == "shopify-secret-token"
    assert integrations.ga.calls_to("/v1beta/properties/123456:runReport")[0].headers["Authorization"] == "Bearer ga-secret-token"
    # no secret is echoed into Slack
    for secret in ("cw-secret-token", "shopify-secret-token", "ga-secret-token", BOT_TOKEN):
        assert secret not in text
    assert not slack.web_api_calls(), "a command answer goes through response_url, not the Web API"


def test_chatwoot_500s_is_down_others_ok(live_bot, slack, integrations):
    integrations.behaviour["chatwoot"] = Behaviour(status=500)
    live_bot.command("health", slack.response_url("h2"))
    text = health_text(slack.wait_for("/respond/h2")[0])
    assert state_of(text, "Chatwoot") == "DOWN"
    assert "server error (HTTP 500)" in text
    assert state_of(text, "Shopify") == "OK"
    assert state_of(text, "Google Analytics") == "OK"


def test_shopify_hanging_answers_within_timeout(live_bot, slack, integrations):
    integrations.behaviour["shopify"] = Behaviour(delay_s=20)
    started = time.monotonic()
    ack = live_bot.command("health", slack.response_url("h3"))
    ack_time = time.monotonic() - started
    answer = slack.wait_for("/respond/h3", timeout=10)[0]
    total = answer.at - started
    assert ack.status_code == 200 and ack_time < 3
    assert total < 2 + 1, f"answer took {total:.1f}s with a 2 s probe timeout"
    text = health_text(answer)
    assert state_of(text, "Shopify") == "DOWN"
    assert "no answer within 2 s" in text
    assert state_of(text, "Chatwoot") == "OK"


def test_rejected_credentials_and_slow_answers(live_bot, slack, integrations):
    integrations.behaviour["ga"] = Behaviour(status=401)
    integrations.behaviour["chatwoot"] = Behaviour(delay_s=0)
    live_bot.command("health", slack.response_url("h4"))
    text = health_text(slack.wait_for("/respond/h4")[0])
    assert state_of(text, "Google Analytics") == "DOWN"
    assert "credentials rejected (HTTP 401)" in text


def test_response_url_429_is_retried(live_bot, slack):
    calls = {"n": 0}
    original = slack.route

    def route(call):
        if call.path == "/respond/rl":
            calls["n"] += 1
            if calls["n"] <= 2:
                return 429, {"ok": False}, {"Retry-After": "1"}
        return original(call)

    slack.route = route
    live_bot.command("health", slack.response_url("rl"))
    deadline = time.monotonic() + 15
    while calls["n"] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert calls["n"] == 3, "the answer arrives on the third try, after two 429s"


def test_probe_results_are_stored(live_bot, slack, integrations, tmp_path):
    integrations.behaviour["chatwoot"] = Behaviour(status=503)
    live_bot.command("health", slack.response_url("h5"))
    slack.wait_for("/respond/h5")
    from storage.db import Database
    from chatops.health.models import ProbeResult
    from sqlmodel import select

    db = Database(f"sqlite:///{tmp_path}/occ.db")
    with db.session() as session:
        rows = session.exec(select(ProbeResult)).all()
    by_key = {r.integration: r for r in rows}
    assert set(by_key) == {"shopify", "chatwoot", "google_analytics"}
    assert by_key["chatwoot"].state == "DOWN" and not by_key["chatwoot"].ok
    assert by_key["chatwoot"].error_class == "server_error"
    assert by_key["shopify"].state == "OK" and by_key["shopify"].latency_ms is not None
    assert by_key["chatwoot"].breaching is None and by_key["shopify"].ok


def test_help_and_unknown_subcommand(live_bot, slack):
    help_reply = live_bot.command("help", slack.response_url("x")).json()
    listed = json.dumps(help_reply)
    assert "/occ health" in listed and "/occ help" in listed
    unknown = live_bot.command("frobnicate <!channel>", slack.response_url("x")).json()
    dumped = json.dumps(unknown, ensure_ascii=False)
    assert "I don't know" in dumped and "/occ health" in dumped
    assert "<!channel>" not in dumped and "&lt;!channel&gt;" in dumped
    blank = live_bot.command("", slack.response_url("x")).json()
    assert "/occ health" in json.dumps(blank)


def test_healthz(live_bot):
    reply = httpx.get(f"{live_bot.url}/healthz")
    assert reply.status_code == 200 and reply.json()["status"] == "ok"
