"""Shopify adapter: the GraphQL Admin API probe `{ shop { name } }` (REST is legacy since 2024-10).

GraphQL answers errors, throttling included, as an `errors` array in an HTTP 200 body: any of them
fails the probe. The cost bucket (`extensions.cost.throttleStatus`) is reported when it runs low."""
from __future__ import annotations

import time
from typing import Any

from .base import ProbeOutcome
from .errors import IntegrationBadResponse, IntegrationError
from .http import make_client, request_json

PROBE_QUERY = "{ shop { name } }"
LOW_HEADROOM = 0.20  # currentlyAvailable under this share of maximumAvailable: say so in /occ health


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def throttle_status(body: Any) -> dict[str, float] | None:
    """`extensions.cost.throttleStatus` as numbers, or None when absent or malformed."""
    ext = body.get("extensions") if isinstance(body, dict) else None
    cost = ext.get("cost") if isinstance(ext, dict) else None
    status = cost.get("throttleStatus") if isinstance(cost, dict) else None
    if not isinstance(status, dict):
        return None
    values = {k: _number(status.get(k)) for k in ("maximumAvailable", "currentlyAvailable", "restoreRate")}
    if values["maximumAvailable"] is None or values["currentlyAvailable"] is None or values["maximumAvailable"] <= 0:
        return None
    return {k: v for k, v in values.items() if v is not None}


def headroom_text(status: dict[str, float]) -> str:
    text = f"{status['currentlyAvailable']:,.0f} of {status['maximumAvailable']:,.0f} cost points left"
    if status.get("restoreRate"):
        text += f", restoring {status['restoreRate']:,.0f}/s"
    return text


def low_headroom(status: dict[str, float] | None) -> bool:
    return status is not None and status["currentlyAvailable"] < LOW_HEADROOM * status["maximumAvailable"]


def _error_codes(errors: list) -> list[str]:
    codes = []
    for err in errors:
        ext = err.get("extensions") if isinstance(err, dict) else None
        code = ext.get("code") if isinstance(ext, dict) else None
        codes.append(str(code).upper() if code else "")
    return codes


def _first_message(errors: list) -> str:
    for err in errors:
        if isinstance(err, dict) and isinstance(err.get("message"), str) and err["message"].strip():
            return " ".join(err["message"].split())[:200]
    return "no message"


class Shopify:
    key = "shopify"
    name = "Shopify"
    mock = False

    def __init__(self, *, base_url: str, token: str, api_version: str, timeout_s: float):
        self._path = f"/admin/api/{api_version}/graphql.json"
        self._client = make_client(base_url, {"X-Shopify-Access-Token": token}, timeout_s)

    async def probe(self) -> ProbeOutcome:
        started = time.perf_counter()
        body = await request_json(self._client, self.name, "POST", self._path, json={"query": PROBE_QUERY})
        latency_ms = (time.perf_counter() - started) * 1000
        if not isinstance(body, dict):
            raise IntegrationBadResponse(self.name, "GraphQL answered with something other than an object")
        bucket = throttle_status(body)
        errors = body.get("errors")
        if errors:  # an error even on HTTP 200
            if not isinstance(errors, list):
                raise IntegrationError(self.name, f"GraphQL error: {str(errors)[:200]}")
            if "THROTTLED" in _error_codes(errors) or _first_message(errors).lower() == "throttled":
                left = f" ({headroom_text(bucket)})" if bucket else ""
                return ProbeOutcome(latency_ms=latency_ms, warning_class="rate_limited",
                                    warning=f"rate limited: GraphQL cost bucket empty (THROTTLED){left}")
            raise IntegrationError(self.name, f"GraphQL error: {_first_message(errors)}")
        data = body.get("data")
        shop = data.get("shop") if isinstance(data, dict) else None
        if not isinstance(shop, dict) or "name" not in shop:
            raise IntegrationBadResponse(self.name, "GraphQL answered without a shop")
        note = f"GraphQL cost headroom low: {headroom_text(bucket)}" if bucket and low_headroom(bucket) else None
        return ProbeOutcome(latency_ms=latency_ms, note=note)

    async def aclose(self) -> None:
        await self._client.aclose()
