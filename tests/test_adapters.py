"""Adapters against httpx.MockTransport-style stubs (respx): requests sent, errors mapped."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import respx

from chatops.integrations.chatwoot import Chatwoot
from chatops.integrations.errors import (
    IntegrationAuthError,
    IntegrationBadResponse,
    IntegrationRateLimited,
    IntegrationServerError,
    IntegrationTimeout,
    IntegrationUnreachable,
)
from chatops.integrations.ga import GoogleAnalytics
from chatops.integrations.shopify import Shopify

CW = "https://cw.example"


def run(coro):
    return asyncio.run(coro)


def chatwoot() -> Chatwoot:
    return Chatwoot(base_url=CW, token="tok", account_id="3", sla_minutes=30, timeout_s=2)


@respx.mock
def test_chatwoot_probe_counts_breaches_across_pages_and_statuses():
    now = int(time.time())
    respx.get(f"{CW}/api/v1/accounts/3/profile").respond(json={"id": 1})
    pages = {
        ("open", "1"): {"data": {"payload": [{"id": 1, "status": "open", "created_at": now - 7200},
                                             {"id": 2, "status": "open", "created_at": now - 60}]}},
        ("open", "2"): {"payload": [{"id": 3, "status": "open", "created_at": now - 3600}]},
        ("open", "3"): {"data": []},
        ("pending", "1"): {"payload": [{"id": 4, "status": "pending", "created_at": now - 5000},
                                       {"id": 1, "status": "open", "created_at": now - 7200}]},
        ("pending", "2"): {"payload": []},
    }

    def conversations(request: httpx.Request) -> httpx.Response:
        assert request.headers["api_access_token"] == "tok"
        key = (request.url.params["status"], request.url.params["page"])
        return httpx.Response(200, json=pages[key])

    respx.get(f"{CW}/api/v1/accounts/3/conversations").mock(side_effect=conversations)
    outcome = run(chatwoot().probe())
    assert outcome.open_conversations == 4  # id 1 listed twice counts once
    assert outcome.breaching == 3
    assert outcome.partial_error is None and outcome.latency_ms is not None


@respx.mock
def test_chatwoot_server_ignoring_page_does_not_loop_forever():
    respx.get(f"{CW}/api/v1/accounts/3/conversations").respond(json={"payload": [{"id": 1, "created_at": 1}]})
    convs = run(chatwoot().open_conversations())
    assert [c.id for c in convs] == [1]
    assert respx.calls.call_count == 3  # open p1, p2 (nothing new), pending p1 (nothing new)


@respx.mock
def test_chatwoot_listing_failure_is_partial():
    respx.get(f"{CW}/api/v1/accounts/3/profile").respond(json={"id": 1})
    respx.get(f"{CW}/api/v1/accounts/3/conversations").respond(status_code=502)
    outcome = run(chatwoot().probe())
    assert outcome.partial_error == "could not list conversations: server error (HTTP 502)"


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
    route = respx.get("https://shop.example/admin/api/2025-10/shop.json")
    if isinstance(response, Exception):
        route.mock(side_effect=response)
    else:
        route.mock(return_value=response)
    shop = Shopify(base_url="https://shop.example", token="shpat-x", api_version="2025-10", timeout_s=2)
    with pytest.raises(error) as info:
        run(shop.probe())
    assert "shop.example" not in info.value.message and "shpat" not in info.value.message
    if error is IntegrationRateLimited:
        assert info.value.retry_after == 7


@respx.mock
def test_shopify_probe_needs_a_shop():
    respx.get("https://shop.example/admin/api/2025-10/shop.json").respond(json={"nope": 1})
    shop = Shopify(base_url="https://shop.example", token="t", api_version="2025-10", timeout_s=2)
    with pytest.raises(IntegrationBadResponse):
        run(shop.probe())


@respx.mock
def test_ga_run_report_request():
    route = respx.post("https://ga.example/v1beta/properties/42:runReport").respond(json={"rowCount": 0})
    ga = GoogleAnalytics(base_url="https://ga.example", property_id="42", timeout_s=2, access_token="ya29.tok")
    run(ga.probe())
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer ya29.tok"
    body = request.read()
    assert b'"metrics"' in body and b'"limit"' in body


def test_ga_service_account_token_from_a_loopback_token_uri(tmp_path):
    """A real service-account file, signed by google-auth, exchanged at the file's token_uri."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.fakes import FakeServer

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    token_server = FakeServer(lambda call: (200, {"access_token": "minted-token", "expires_in": 3600,
                                                  "token_type": "Bearer"}, {}))
    ga_server = FakeServer(lambda call: (200, {"rowCount": 1}, {}))
    try:
        import json

        creds = tmp_path / "sa.json"
        creds.write_text(json.dumps({
            "type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": pem,
            "client_email": "occ@p.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": token_server.url + "/token",
        }))
        ga = GoogleAnalytics(base_url=ga_server.url, property_id="42", timeout_s=5, credentials_file=creds)
        run(ga.probe())
        assert ga_server.calls[0].headers["Authorization"] == "Bearer minted-token"
        assert "assertion=" in token_server.calls[0].body or "assertion" in str(token_server.calls[0].body)
    finally:
        token_server.close()
        ga_server.close()
