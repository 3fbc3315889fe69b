"""Chatwoot adapter: authenticated probe and the open conversations behind the SLA rule."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from chatops.health.sla import Conversation, breaches, conversation_list, parse_conversation

from .base import ProbeOutcome
from .errors import IntegrationError
from .http import make_client, request_json

MAX_PAGES = 20  # 25 a page: 500 open conversations is far beyond a healthy queue


class Chatwoot:
    key = "chatwoot"
    name = "Chatwoot"
    mock = False

    def __init__(self, *, base_url: str, token: str, account_id: str, sla_minutes: int, timeout_s: float):
        self.sla_minutes = sla_minutes
        self._prefix = f"/api/v1/accounts/{account_id}"
        self._client = make_client(base_url, {"api_access_token": token}, timeout_s)

    async def profile(self) -> dict:
        body = await request_json(self._client, self.name, "GET", f"{self._prefix}/profile")
        if not isinstance(body, dict):
            raise IntegrationError(self.name, "profile answer is not an object")
        return body

    async def open_conversations(self) -> list[Conversation]:
        """Open and pending conversations, every page, de-duplicated by id."""
        seen: dict[object, Conversation] = {}
        for status in ("open", "pending"):
            for page in range(1, MAX_PAGES + 1):
                body = await request_json(
                    self._client, self.name, "GET", f"{self._prefix}/conversations",
                    params={"status": status, "page": page},
                )
                raw = conversation_list(body)
                new = 0
                for item in raw:
                    conv = parse_conversation(item)
                    if conv is not None and conv.id not in seen:
                        seen[conv.id] = conv
                        new += 1
                if not raw or not new:  # empty page, or a server that ignores `page`
                    break
        return [c for c in seen.values() if c.status in ("open", "pending")]

    async def probe(self) -> ProbeOutcome:
        started = time.perf_counter()
        await self.profile()
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            convs = await self.open_conversations()
        except IntegrationError as exc:
            return ProbeOutcome(latency_ms=latency_ms, partial_error=f"could not list conversations: {exc.message}")
        found = breaches(convs, datetime.now(timezone.utc), self.sla_minutes)
        return ProbeOutcome(latency_ms=latency_ms, open_conversations=len(convs), breaching=len(found),
                            breaches=tuple(found))

    async def aclose(self) -> None:
        await self._client.aclose()
