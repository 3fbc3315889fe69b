"""Signatures, malformed input, escaping, secrets: CONTRACT.md §5 through the real HTTP server."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import BOT_TOKEN, SECRET, integration_env
from tests.fakes import sign


@pytest.fixture
def bot(bot_factory, slack, integrations):
    return bot_factory({"SLACK_API_URL": slack.api_url, **integration_env(integrations)})


def _form(text: str, response_url: str) -> str:
    return urlencode({"command": "/occ", "text": text, "user_id": "U1", "channel_id": "C1",
                      "response_url": response_url, "trigger_id": "t"})


@pytest.mark.parametrize("case", ["bad", "missing", "stale", "future", "other-secret"])
def test_bad_signatures_get_401_and_change_nothing(bot, slack, integrations, case):
    body = _form("health", slack.response_url("sig"))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if case == "bad":
        headers |= {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=deadbeef"}
    elif case == "stale":
        headers |= sign(SECRET, body, int(time.time()) - 6 * 60)
    elif case == "future":
        headers |= sign(SECRET, body, int(time.time()) + 6 * 60)
    elif case == "other-secret":
        headers |= sign("not-the-secret", body)
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    time.sleep(0.5)
    assert slack.calls == [], "a rejected request causes no Web API or response_url call"


@pytest.mark.parametrize("body,ctype", [
    ("{not json", "application/json"),
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    ('{"type": "event_callback"}', "application/json"),
    ('{"type": "event_callback", "event_id": "Ev1", "event": "nope"}', "application/json"),
    ("command=%2Focc", "application/x-www-form-urlencoded"),
    ("command=%2Fother&text=x", "application/x-www-form-urlencoded"),
    ('{"type": "block_actions", "actions": "x"}', "application/json"),
    ("payload=" + "%7B%22type%22%3A%22view_submission%22%7D", "application/x-www-form-urlencoded"),
    ("", "application/x-www-form-urlencoded"),
])
def test_signed_malformed_bodies_never_5xx(bot, body, ctype):
    response = bot.post(body, content_type=ctype)
    assert response.status_code < 500, response.text
    assert httpx.get(f"{bot.url}/healthz").status_code == 200


def test_binary_and_huge_bodies(bot):
    binary = bytes(range(256)).decode("latin-1")
    assert bot.post(binary, content_type="application/octet-stream").status_code < 500
    raw = b"\xff\xfe\x00garbage"
    headers = sign(SECRET, raw.decode("latin-1"))
    # sign over the raw bytes the way Slack would
    import hashlib
    import hmac
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
    assert httpx.post(f"{bot.url}/slack/events", content=raw, headers=headers).status_code == 400
    huge = "text=" + "a" * (2 * 1024 * 1024)
    response = httpx.post(f"{bot.url}/slack/events", content=huge, headers=sign(SECRET, huge))
    assert response.status_code == 413
    assert httpx.get(f"{bot.url}/healthz").status_code == 200


def test_url_verification_and_ssl_check(bot):
    challenge = bot.post(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}),
                         content_type="application/json")
    assert challenge.status_code == 200 and "abc123" in challenge.text
    assert bot.post("ssl_check=1&token=x").status_code == 200


def test_unknown_routes(bot):
    assert httpx.get(f"{bot.url}/nope").status_code == 404
    assert httpx.get(f"{bot.url}/slack/events").status_code == 405


def test_event_retry_is_not_handled_twice(bot, slack):
    event = {"type": "event_callback", "event_id": "Ev42", "team_id": "T1", "api_app_id": "A1",
             "event": {"type": "app_home_opened", "user": "U9", "tab": "home", "channel": "D1"}}
    body = json.dumps(event)
    assert bot.post(body, content_type="application/json").status_code == 200
    slack.wait_for("views.publish")
    retry = bot.post(body, content_type="application/json", headers={"X-Slack-Retry-Num": "1",
                                                                     "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    time.sleep(0.7)
    assert len(slack.calls_to("views.publish")) == 1
    published = slack.calls_to("views.publish")[0]
    assert published.body["user_id"] == "U9"
    assert published.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert published.body["view"]["type"] == "home"


def test_secrets_never_in_logs(bot, slack, integrations):
    bot.command("health", slack.response_url("s1"))
    slack.wait_for("/respond/s1")
    bot.post("garbage=1")
    time.sleep(0.3)
    log = bot.log()
    for secret in (SECRET, BOT_TOKEN, "cw-secret-token", "shopify-secret-token", "ga-secret-token", "/respond/s1"):
        assert secret not in log
