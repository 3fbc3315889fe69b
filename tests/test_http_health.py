"""/occ health through signed HTTP requests, against a fake Slack and fake integrations."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests import chatwoot_samples as cw
from tests import vendor_samples as vs
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
        cw.conversation(501, created_at=now - 3 * 3600, customer="Ada"),  # unanswered for 3 h: P1
        cw.conversation(502, created_at=now - 60),
        cw.conversation(503, status="pending", created_at=now - 45 * 60),  # a bot has it: not a breach
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
    assert "1 conversation of 2 open breaching the 30-min SLA" in text
    assert "1 pending (a bot is handling them; not counted as breaches)" in text
    # the credentials went in the documented headers, to the vendors' real routes
    assert integrations.chatwoot.calls_to("/api/v1/profile")[0].headers["api_access_token"] == "cw-secret-token"
    assert not integrations.chatwoot.calls_to("/accounts/7/profile")
    graphql = integrations.shopify.calls_to("/admin/api/2025-10/graphql.json")[0]
    assert graphql.method == "POST" and graphql.headers["X-Shopify-Access-Token"] == "shopify-secret-token"
    assert graphql.body == {"query": "{ shop { name } }"}
    assert not integrations.shopify.calls_to("shop.json")
    report = integrations.ga.calls_to("/v1beta/properties/123456:runReport")[0]
    assert report.headers["Authorization"] == "Bearer ga-secret-token" and report.body["returnPropertyQuota"] is True
    # no secret is echoed into Slack (Chatwoot's profile answer carries the user's own token too)
    for secret in ("cw-secret-token", "shopify-secret-token", "ga-secret-token", BOT_TOKEN,
                   cw.PROFILE["access_token"], cw.PROFILE["pubsub_token"]):
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


def test_chatwoot_queue_mix_end_to_end(bot_factory, slack, integrations):
    """Chatwoot answering its real routes with a mix: only the unanswered open ones past the SLA are
    breaches; pending and next-response waits are shown apart; answered-in-time is nothing."""
    now = int(time.time())
    integrations.conversations = [
        cw.conversation(601, created_at=now - 3 * 3600, first_reply_created_at=now - 3 * 3600 + 120),  # answered in time
        cw.conversation(602, created_at=now - 3 * 3600),  # unanswered 3 h: P1
        cw.conversation(603, created_at=now - 45 * 60, labels=("escalation",)),  # unanswered 45 min: P2
        cw.conversation(604, created_at=now - 10 * 60),  # inside the SLA
        cw.conversation(605, status="pending", created_at=now - 2 * 3600),  # a bot has it
        cw.conversation(606, status="pending", created_at=now - 5 * 60),
        cw.conversation(607, created_at=now - 5 * 3600, first_reply_created_at=now - 5 * 3600 + 300,
                        waiting_since=now - 50 * 60),  # answered, now waiting 50 min
    ]
    bot = bot_factory({"SLACK_API_URL": slack.api_url, **integration_env(integrations)})
    bot.command("health", slack.response_url("mix"))
    text = health_text(slack.wait_for("/respond/mix")[0])
    assert state_of(text, "Chatwoot") == "OK"
    assert "2 conversations of 5 open breaching the 30-min SLA" in text
    assert "2 pending (a bot is handling them; not counted as breaches)" in text
    assert "1 conversation answered, now waiting over 30 min for a next reply" in text
    assert "At least" not in text and "Partial count" not in text


def test_chatwoot_queue_beyond_the_page_cap_is_shown_as_partial(bot_factory, slack, integrations):
    from chatops.integrations.chatwoot import MAX_PAGES, PAGE_SIZE

    now = int(time.time())
    total = PAGE_SIZE * MAX_PAGES + 30
    integrations.conversations = [cw.conversation(i, created_at=now - 3600, last_activity_at=now - i)
                                  for i in range(1, total + 1)]
    bot = bot_factory({"SLACK_API_URL": slack.api_url, **integration_env(integrations), "OCC_PROBE_TIMEOUT_S": "5"})
    bot.command("health", slack.response_url("cap"))
    text = health_text(slack.wait_for("/respond/cap", timeout=15)[0])
    read = PAGE_SIZE * MAX_PAGES
    assert f"At least {read} conversations of {total} open breaching the 30-min SLA" in text
    assert f"Partial count: first {read} of {total} open conversations read" in text


def test_shopify_graphql_errors_on_http_200(live_bot, slack, integrations):
    integrations.shopify_answer = vs.shopify_throttled()
    live_bot.command("health", slack.response_url("t1"))
    text = health_text(slack.wait_for("/respond/t1")[0])
    assert state_of(text, "Shopify") == "DEGRADED"
    assert "rate limited: GraphQL cost bucket empty (THROTTLED)" in text
    integrations.shopify_answer = vs.shopify_error("Access denied for shop <!channel>")
    live_bot.command("health", slack.response_url("t2"))
    text = health_text(slack.wait_for("/respond/t2")[0])
    assert state_of(text, "Shopify") == "DOWN"
    assert "GraphQL error: Access denied for shop &lt;!channel&gt;" in text and "<!channel>" not in text
    integrations.shopify_answer = vs.shopify_shop(currently=150, maximum=2000)
    live_bot.command("health", slack.response_url("t3"))
    text = health_text(slack.wait_for("/respond/t3")[0])
    assert state_of(text, "Shopify") == "OK"
    assert "GraphQL cost headroom low: 150 of 2,000 cost points left, restoring 100/s" in text


def test_ga_quota_nearly_spent_is_degraded(live_bot, slack, integrations):
    integrations.ga_quota = vs.ga_property_quota(day=(194_000, 6_000))
    live_bot.command("health", slack.response_url("q1"))
    text = health_text(slack.wait_for("/respond/q1")[0])
    assert state_of(text, "Google Analytics") == "DEGRADED"
    assert "quota nearly spent: 3 % of daily tokens left" in text


def test_a_huge_answer_is_refused(live_bot, slack, integrations):
    integrations.behaviour["ga"] = Behaviour(body=b'{"pad": "' + b"x" * (10 * 1024 * 1024) + b'"}')
    live_bot.command("health", slack.response_url("big"))
    text = health_text(slack.wait_for("/respond/big")[0])
    assert state_of(text, "Google Analytics") == "DOWN"
    assert "answer too large (over 2 MiB), not read" in text


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
