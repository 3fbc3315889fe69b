"""Shopify Admin API adapter: the shop probe."""
from __future__ import annotations

import time

from .base import ProbeOutcome
from .errors import IntegrationBadResponse
from .http import make_client, request_json


class Shopify:
    key = "shopify"
    name = "Shopify"
    mock = False

    def __init__(self, *, base_url: str, token: str, api_version: str, timeout_s: float):
        self._path = f"/admin/api/{api_version}/shop.json"
        self._client = make_client(base_url, {"X-Shopify-Access-Token": token}, timeout_s)

    async def probe(self) -> ProbeOutcome:
        started = time.perf_counter()
        body = await request_json(self._client, self.name, "GET", self._path)
        latency_ms = (time.perf_counter() - started) * 1000
        if not isinstance(body, dict) or not isinstance(body.get("shop"), dict):
            raise IntegrationBadResponse(self.name, "shop.json answered without a shop")
        return ProbeOutcome(latency_ms=latency_ms)

    async def aclose(self) -> None:
        await self._client.aclose()
