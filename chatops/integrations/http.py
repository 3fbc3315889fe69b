"""The one place where httpx meets the domain: a long-lived AsyncClient per adapter, explicit
timeouts, and every failure mapped to an IntegrationError with a plain-words message."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

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
MAX_BODY_BYTES = 2 * 1024 * 1024  # a probe's answer is a few kB; a list page of 25 conversations ~100 kB


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


def _too_large(name: str) -> IntegrationBadResponse:
    return IntegrationBadResponse(name, f"answer too large (over {MAX_BODY_BYTES // (1024 * 1024)} MiB), not read")


def _declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


async def _read_capped(response: httpx.Response, name: str) -> bytes:
    """The body, read as it streams in, stopping as soon as it passes MAX_BODY_BYTES."""
    declared = _declared_length(response)
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large(name)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large(name)
        chunks.append(chunk)
    return b"".join(chunks)


def check_status(response: httpx.Response, name: str) -> None:
    status = response.status_code
    if status in (401, 403):
        raise IntegrationAuthError(name, f"credentials rejected (HTTP {status})", status=status)
    if status == 429:
        raise IntegrationRateLimited(name, "rate limited (HTTP 429)", _retry_after(response))
    if status >= 500:
        raise IntegrationServerError(name, f"server error (HTTP {status})", status=status)
    if status >= 400:
        raise IntegrationBadResponse(name, f"request refused (HTTP {status})", status=status)


@asynccontextmanager
async def _stream(client: httpx.AsyncClient, name: str, method: str, path: str,
                  **kwargs: Any) -> AsyncIterator[httpx.Response]:
    """The response, streamed; a transport failure, while sending or while reading, becomes an
    IntegrationError in plain words."""
    try:
        async with client.stream(method, path, **kwargs) as response:
            yield response
    except httpx.TimeoutException:
        raise IntegrationTimeout(name, "no answer in time") from None
    except httpx.TransportError as exc:
        raise IntegrationUnreachable(name, f"cannot connect ({type(exc).__name__})") from None


async def request_json(client: httpx.AsyncClient, name: str, method: str, path: str, **kwargs: Any) -> Any:
    """Send one request and return its decoded JSON body, or raise an IntegrationError. The body is
    streamed and never read past MAX_BODY_BYTES; an error status is judged without reading it."""
    async with _stream(client, name, method, path, **kwargs) as response:
        check_status(response, name)
        raw = await _read_capped(response, name)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise IntegrationBadResponse(
            name, f"answered HTTP {response.status_code} with a body that is not JSON") from None


@dataclass(frozen=True)
class Answer:
    """An answer whose status the caller judges (a GraphQL API says why in the body of a 4xx)."""

    status: int
    headers: httpx.Headers
    body: Any  # the decoded JSON, or None when the body is empty or not JSON


async def exchange(client: httpx.AsyncClient, name: str, method: str, path: str, **kwargs: Any) -> Answer:
    """Send one request and return its status, headers and JSON body, whatever the status. The
    body is streamed and never read past MAX_BODY_BYTES; transport failures raise as in request_json."""
    async with _stream(client, name, method, path, **kwargs) as response:
        raw = await _read_capped(response, name)
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        body = None
    return Answer(response.status_code, response.headers, body)


__all__ = ["Answer", "IntegrationError", "check_status", "exchange", "make_client", "request_json"]
