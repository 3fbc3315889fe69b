"""The one place where httpx meets the domain: a long-lived AsyncClient per adapter, explicit
timeouts, and every failure mapped to an IntegrationError with a plain-words message."""
from __future__ import annotations

from typing import Any

import httpx

from .errors import (
    IntegrationAuthError,
    IntegrationBadResponse,
    IntegrationError,
    IntegrationRateLimited,
    IntegrationServerError,
    IntegrationTimeout,
    IntegrationUnreachable,
)

USER_AGENT = "occ-chatops/0.1 (+https://github.com/occ-chatops)"


def make_client(base_url: str, headers: dict[str, str], timeout_s: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        follow_redirects=False,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


async def request_json(client: httpx.AsyncClient, name: str, method: str, path: str, **kwargs: Any) -> Any:
    """Send one request and return its decoded JSON body, or raise an IntegrationError."""
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise IntegrationTimeout(name, "no answer in time") from None
    except httpx.TransportError as exc:
        raise IntegrationUnreachable(name, f"cannot connect ({type(exc).__name__})") from None
    status = response.status_code
    if status in (401, 403):
        raise IntegrationAuthError(name, f"credentials rejected (HTTP {status})")
    if status == 429:
        raise IntegrationRateLimited(name, "rate limited (HTTP 429)", _retry_after(response))
    if status >= 500:
        raise IntegrationServerError(name, f"server error (HTTP {status})")
    if status >= 400:
        raise IntegrationBadResponse(name, f"request refused (HTTP {status})")
    try:
        return response.json()
    except ValueError:
        raise IntegrationBadResponse(name, f"answered HTTP {status} with a body that is not JSON") from None


__all__ = ["IntegrationError", "make_client", "request_json"]
