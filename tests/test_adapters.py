"""Adapters against respx stubs and loopback fakes: requests sent, answers read, errors mapped.
Recorded vendor shapes come from tests/chatwoot_samples.py and tests/vendor_samples.py."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import respx

from chatops.integrations.chatwoot import MAX_PAGES, PAGE_SIZE, Chatwoot
from chatops.integrations.errors import (
    IntegrationAuthError,
    IntegrationBadResponse,
    IntegrationError,
    IntegrationRateLimited,
    IntegrationServerError,
    IntegrationTimeout,
    IntegrationUnreachable,
)
from chatops.integrations.shopify import Shopify
from tests import chatwoot_samples as cw
from tests import vendor_samples as vs

CW = "https://cw.example"
SHOP = "https://shop.example"
GRAPHQL = f"{SHOP}/admin/api/2025-10/graphql.json"


def run(coro):
    return asyncio.run(coro)


def chatwoot() -> Chatwoot:
    return Chatwoot(base_url=CW, token="tok", account_id="3", timeout_s=2)


def shopify() -> Shopify:
    return Shopify(base_url=SHOP, token="shpat-x", api_version="2025-10", timeout_s=2)


def serve_conversations(convs: list[dict], calls: list | None = None):
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["api_access_token"] == "tok"
        if calls is not None:
            calls.append((request.url.params["status"], request.url.params["page"]))
        page = cw.conversations_page(convs, status=request.url.params.get("status", "open"),
                                     page=int(request.url.params.get("page", "1")))
        return httpx.Response(200, json=page)

    respx.get(f"{CW}/api/v1/accounts/3/conversations").mock(side_effect=answer)


# --- Chatwoot ------------------------------------------------------------------------------

@respx.mock
def test_chatwoot_probes_the_real_profile_route_outside_the_account():
    real = respx.get(f"{CW}/api/v1/profile").respond(json=cw.PROFILE)
    wrong = respx.get(f"{CW}/api/v1/accounts/3/profile").respond(404, json={"error": "not found"})
    serve_conversations([])
    outcome = run(chatwoot().probe())
    assert real.called and not wrong.called
    assert real.calls.last.request.headers["api_access_token"] == "tok"
    assert outcome.partial_error is None and outcome.conversations == ()
    assert "profile-access-token" not in repr(outcome)  # the profile's own token is never kept


@respx.mock
def test_chatwoot_answering_only_account_profile_is_not_mistaken_for_healthy():
    respx.get(f"{CW}/api/v1/profile").respond(404)
    respx.get(f"{CW}/api/v1/accounts/3/profile").respond(json=cw.PROFILE)
    with pytest.raises(IntegrationBadResponse, match="HTTP 404"):
        run(chatwoot().probe())


@respx.mock
def test_chatwoot_hands_typed_conversations_and_judges_nothing():
    now = int(time.time())
    respx.get(f"{CW}/api/v1/profile").respond(json=cw.PROFILE)
    serve_conversations([
        cw.conversation(1, created_at=now - 7200, labels=("Escalated",), customer="Ada", assignee="Sam"),
        cw.conversation(2, created_at=now - 7200, first_reply_created_at=now - 7100),
        cw.conversation(3, status="pending", created_at=now - 5000),
        cw.conversation(4, status="resolved", created_at=now - 9000),
    ])
    outcome = run(chatwoot().probe())
    by_id = {c.id: c for c in outcome.conversations}
    assert set(by_id) == {1, 2, 3}  # open and pending only
    one = by_id[1]
    assert (one.status, one.labels, one.customer, one.assignee) == ("open", ("escalated",), "Ada", "Sam")
    assert one.first_reply_at is None and one.waiting_since is not None
    assert by_id[2].first_reply_at is not None and by_id[2].waiting_since is None
    assert outcome.conversations_reported == 2 and outcome.conversations_partial is False
    assert not hasattr(outcome, "breaching")  # the SLA rule lives in chatops.health


@respx.mock
def test_chatwoot_pages_25_at_a_time_until_the_count_is_read():
    now = int(time.time())
    convs = [cw.conversation(i, created_at=now - 60 * i) for i in range(1, 61)]  # 60 open: 3 pages
    calls: list = []
    serve_conversations(convs, calls)
    listing = run(chatwoot().list_conversations())
    assert len(listing.conversations) == 60 and not listing.partial
    assert calls == [("open", "1"), ("open", "2"), ("open", "3"), ("pending", "1")]


@respx.mock
def test_chatwoot_page_cap_marks_the_count_partial():
    now = int(time.time())
    total = PAGE_SIZE * MAX_PAGES + 7
    convs = [cw.conversation(i, created_at=now - i) for i in range(1, total + 1)]
    calls: list = []
    serve_conversations(convs, calls)
    listing = run(chatwoot().list_conversations())
    assert len(listing.conversations) == PAGE_SIZE * MAX_PAGES
    assert listing.partial and listing.reported["open"] == total
    assert len([c for c in calls if c[0] == "open"]) == MAX_PAGES


@respx.mock
def test_chatwoot_count_larger_than_what_was_listed_is_partial():
    """A server whose meta says more exist than the pages hold (an agent's token, a page skipped)."""
    now = int(time.time())
    body = cw.conversations_page([cw.conversation(1, created_at=now - 60)])
    body["data"]["meta"]["all_count"] = 40

    def answer(request):
        return httpx.Response(200, json=body if request.url.params["status"] == "open" else cw.conversations_page([]))

    respx.get(f"{CW}/api/v1/accounts/3/conversations").mock(side_effect=answer)
    listing = run(chatwoot().list_conversations())
    assert listing.partial and listing.reported["open"] == 40


@respx.mock
def test_chatwoot_server_ignoring_page_does_not_loop_forever():
    now = int(time.time())
    full = {"payload": [cw.conversation(i, created_at=now - i) for i in range(1, PAGE_SIZE + 1)]}
    respx.get(f"{CW}/api/v1/accounts/3/conversations").respond(json=full)
    listing = run(chatwoot().list_conversations())
    assert len(listing.conversations) == PAGE_SIZE
    assert respx.calls.call_count == 3  # open p1, open p2 (nothing new), pending p1 (nothing new)


@respx.mock
def test_chatwoot_listing_failure_is_partial():
    respx.get(f"{CW}/api/v1/profile").respond(json=cw.PROFILE)
    respx.get(f"{CW}/api/v1/accounts/3/conversations").respond(status_code=502)
    outcome = run(chatwoot().probe())
    assert outcome.partial_error == "could not list conversations: server error (HTTP 502)"


# --- Shopify GraphQL -----------------------------------------------------------------------

@respx.mock
def test_shopify_probes_graphql_not_rest():
    rest = respx.get(f"{SHOP}/admin/api/2025-10/shop.json").respond(json={"shop": {"name": "x"}})
    route = respx.post(GRAPHQL).respond(json=vs.shopify_shop())
    outcome = run(shopify().probe())
    request = route.calls.last.request
    assert request.headers["X-Shopify-Access-Token"] == "shpat-x"
    assert json.loads(request.content) == {"query": "{ shop { name } }"}
    assert not rest.called
    assert outcome.warning is None and outcome.note is None and outcome.latency_ms is not None


@pytest.mark.parametrize("response,error", [
    (httpx.Response(401), IntegrationAuthError),
    (httpx.Response(403), IntegrationAuthError),
    (httpx.Response(429, headers={"Retry-After": "7"}), IntegrationRateLimited),
    (httpx.Response(500), IntegrationServerError),
    (httpx.Response(404), IntegrationBadResponse),
    (httpx.Response(200, text="<html>"), IntegrationBadResponse),
    (httpx.ConnectError("refused"), IntegrationUnreachable),
    (httpx.ReadTimeout("slow"), IntegrationTimeout),
])
@respx.mock
def test_shopify_errors_are_mapped(response, error):
    route = respx.post(GRAPHQL)
    if isinstance(response, Exception):
        route.mock(side_effect=response)
    else:
        route.mock(return_value=response)
    with pytest.raises(error) as info:
        run(shopify().probe())
    assert "shop.example" not in info.value.message and "shpat" not in info.value.message
    if error is IntegrationRateLimited:
        assert info.value.retry_after == 7


@respx.mock
def test_shopify_graphql_error_on_http_200_is_down_with_the_message():
    respx.post(GRAPHQL).respond(json=vs.shopify_error("Access denied for shop field.\n Required access: <x>"))
    with pytest.raises(IntegrationError) as info:
        run(shopify().probe())
    assert info.value.message == "GraphQL error: Access denied for shop field. Required access: <x>"


@respx.mock
def test_shopify_throttled_on_http_200_is_rate_limited_not_ok():
    respx.post(GRAPHQL).respond(json=vs.shopify_throttled(currently=0.5, maximum=2000))
    outcome = run(shopify().probe())
    assert outcome.warning_class == "rate_limited"
    assert outcome.warning == "rate limited: GraphQL cost bucket empty (THROTTLED) (0 of 2,000 cost points left, restoring 100/s)"


@respx.mock
def test_shopify_probe_needs_a_shop():
    respx.post(GRAPHQL).respond(json={"data": {"nope": 1}})
    with pytest.raises(IntegrationBadResponse):
        run(shopify().probe())


@pytest.mark.parametrize("currently,low", [(399.9, True), (400, False), (0, True), (2000, False)])
@respx.mock
def test_shopify_cost_headroom_note_below_20_percent(currently, low):
    respx.post(GRAPHQL).respond(json=vs.shopify_shop(currently=currently, maximum=2000))
    outcome = run(shopify().probe())
    assert outcome.warning is None  # a note, not a state change: the bucket refills in seconds
    if low:
        assert outcome.note.startswith("GraphQL cost headroom low: ") and "of 2,000 cost points left" in outcome.note
    else:
        assert outcome.note is None


# --- Google Analytics ----------------------------------------------------------------------

GA_REPORT = "https://ga.example/v1beta/properties/42:runReport"


def ga(**kwargs):
    from chatops.integrations.ga import GoogleAnalytics

    return GoogleAnalytics(base_url="https://ga.example", property_id="42", timeout_s=2, **kwargs)


@respx.mock
def test_ga_run_report_asks_for_the_property_quota():
    route = respx.post(GA_REPORT).respond(json=vs.ga_report(vs.ga_property_quota()))
    outcome = run(ga(access_token="ya29.tok").probe())
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer ya29.tok"
    body = json.loads(request.content)
    assert body["returnPropertyQuota"] is True and body["metrics"] and body["limit"]
    assert outcome.warning is None


@pytest.mark.parametrize("quota,warning", [
    # exactly 10 % left is not low; one token fewer is
    (vs.ga_property_quota(day=(180_000, 20_000)), None),
    (vs.ga_property_quota(day=(180_001, 19_999)), "quota nearly spent: 9 % of daily tokens left"),
    (vs.ga_property_quota(hour=(36_000, 4_000)), None),
    (vs.ga_property_quota(hour=(38_800, 1_200)), "quota nearly spent: 3 % of hourly tokens left"),
    (vs.ga_property_quota(project_hour=(13_999, 1)),
     "quota nearly spent: less than 1 % of hourly tokens of this project left"),
    (vs.ga_property_quota(day=(200_000, 0), hour=(39_000, 1_000)), "quota nearly spent: 0 % of daily tokens left"),
    ({"concurrentRequests": vs.quota(10, 0)}, None),  # not a token quota
    ({"tokensPerDay": {"consumed": "x", "remaining": None}}, None),
    (None, None),
])
@respx.mock
def test_ga_quota_threshold(quota, warning):
    respx.post(GA_REPORT).respond(json=vs.ga_report(quota))
    outcome = run(ga(access_token="t").probe())
    assert outcome.warning == warning
    assert outcome.warning_class == ("quota" if warning else None)


def _key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def token_server():
    from tests.fakes import FakeServer

    server = FakeServer(lambda call: (200, {"access_token": "minted-token", "expires_in": 3600,
                                            "token_type": "Bearer"}, {}))
    yield server
    server.close()


@pytest.fixture
def ga_server():
    from tests.fakes import FakeServer

    server = FakeServer(lambda call: (200, vs.ga_report(vs.ga_property_quota()), {}))
    yield server
    server.close()


def _ga_with_file(ga_server, path):
    from chatops.integrations.ga import GoogleAnalytics

    return GoogleAnalytics(base_url=ga_server.url, property_id="42", timeout_s=5, credentials_file=path)


def test_ga_service_account_file_through_application_default_credentials(tmp_path, monkeypatch, mocker,
                                                                          token_server, ga_server):
    """A real service-account key, signed by google-auth, exchanged at the file's token_uri, found
    through google.auth.default() and GOOGLE_APPLICATION_CREDENTIALS."""
    import google.auth

    creds = tmp_path / "sa.json"
    creds.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": _key_pem(),
        "client_email": "occ@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": token_server.url + "/token",
    }))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
    spy = mocker.spy(google.auth, "default")
    run(_ga_with_file(ga_server, creds).probe())
    assert spy.call_args.kwargs["scopes"] == ["https://www.googleapis.com/auth/analytics.readonly"]
    assert ga_server.calls[0].headers["Authorization"] == "Bearer minted-token"
    assert "assertion" in str(token_server.calls[0].body)


def _google_token_endpoint_on_loopback(monkeypatch, token_server) -> None:
    """google-auth always sends an authorized_user refresh to Google's endpoint: point it here."""
    monkeypatch.setattr("google.oauth2.credentials._GOOGLE_OAUTH2_TOKEN_ENDPOINT", token_server.url + "/token")


def test_ga_authorized_user_adc_file_is_accepted(tmp_path, monkeypatch, token_server, ga_server):
    """`gcloud auth application-default login` writes an authorized_user file, not a service account."""
    _google_token_endpoint_on_loopback(monkeypatch, token_server)
    creds = tmp_path / "adc.json"
    creds.write_text(json.dumps({"type": "authorized_user", "client_id": "cid.apps.googleusercontent.com",
                                 "client_secret": "cs", "refresh_token": "1//refresh",
                                 "token_uri": token_server.url + "/token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
    run(_ga_with_file(ga_server, creds).probe())
    assert ga_server.calls[0].headers["Authorization"] == "Bearer minted-token"
    body = token_server.calls[0].body
    assert body["grant_type"] == "refresh_token" and body["refresh_token"] == "1//refresh"


def test_ga_credentials_file_named_only_in_dotenv_is_loaded_the_same_way(tmp_path, monkeypatch, token_server,
                                                                         ga_server):
    _google_token_endpoint_on_loopback(monkeypatch, token_server)
    creds = tmp_path / "adc.json"
    creds.write_text(json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s",
                                 "refresh_token": "r", "token_uri": token_server.url + "/token"}))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    run(_ga_with_file(ga_server, creds).probe())
    assert ga_server.calls[0].headers["Authorization"] == "Bearer minted-token"


@pytest.mark.parametrize("content", ["{not json", json.dumps({"type": "nonsense"}), json.dumps({"type": "service_account"})])
def test_ga_unusable_credentials_file_is_a_clear_config_error(tmp_path, monkeypatch, content):
    from chatops.settings import ConfigError

    creds = tmp_path / "bad.json"
    creds.write_text(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
    with pytest.raises(ConfigError, match="GOOGLE_APPLICATION_CREDENTIALS is not a usable credentials file"):
        ga(credentials_file=creds)
