"""Chatwoot adapter: the authenticated probe (`GET /api/v1/profile`) and the open and pending
conversations, read page by page. It speaks Chatwoot's wire format and hands typed conversations to
the health layer, which applies the SLA rule (chatops.health.sla); it judges nothing itself."""
from __future__ import annotations

import time
from dataclasses import dataclass

from chatops.health.sla import LISTED_STATUSES, OPEN, Conversation, conversation_list, listed_count, parse_conversation

from .base import ProbeOutcome
from .errors import IntegrationError
from .http import make_client, request_json

PAGE_SIZE = 25  # Chatwoot's conversation list: 25 a page (Kaminari's default), newest activity first
MAX_PAGES = 20  # per status: 500 conversations is far beyond a healthy queue; past it the count is partial


@dataclass(frozen=True)
class Listing:
    conversations: tuple[Conversation, ...]
    reported: dict[str, int | None]  # status → meta.all_count (None when the server gave none)
    partial: bool  # more conversations exist than were read


class Chatwoot:
    key = "chatwoot"
    name = "Chatwoot"
    mock = False

    def __init__(self, *, base_url: str, token: str, account_id: str, timeout_s: float):
        self._prefix = f"/api/v1/accounts/{account_id}"
        self._client = make_client(base_url, {"api_access_token": token}, timeout_s)

    async def profile(self) -> dict:
        """The token's own user. The route is outside the account scope: there is no
        /api/v1/accounts/{id}/profile. The body carries the user's access_token: never shown."""
        body = await request_json(self._client, self.name, "GET", "/api/v1/profile")
        if not isinstance(body, dict) or "id" not in body:
            raise IntegrationError(self.name, "profile answer is not a user")
        return body

    async def _list_status(self, status: str, seen: dict[object, Conversation]) -> tuple[int | None, int, bool]:
        """Read one status's pages into `seen`: (reported count, read, more left unread)."""
        reported: int | None = None
        read = 0
        for page in range(1, MAX_PAGES + 1):
            body = await request_json(self._client, self.name, "GET", f"{self._prefix}/conversations",
                                      params={"status": status, "page": page})
            if page == 1:
                reported = listed_count(body)
            raw = conversation_list(body)
            new = 0
            for item in raw:
                conv = parse_conversation(item)
                if conv is not None and conv.id not in seen and conv.status in LISTED_STATUSES:
                    seen[conv.id] = conv
                    new += 1
            read += new
            if len(raw) < PAGE_SIZE or not new:  # last page, or a server that ignores `page`
                return reported, read, False
            if reported is not None and read >= reported:
                return reported, read, False
        return reported, read, True  # stopped at MAX_PAGES with a full last page

    async def list_conversations(self) -> Listing:
        """Open and pending conversations, every page up to MAX_PAGES, de-duplicated by id."""
        seen: dict[object, Conversation] = {}
        reported: dict[str, int | None] = {}
        partial = False
        for status in LISTED_STATUSES:
            count, read, capped = await self._list_status(status, seen)
            reported[status] = count
            partial = partial or capped or (count is not None and count > read)
        return Listing(tuple(seen.values()), reported, partial)

    async def probe(self) -> ProbeOutcome:
        started = time.perf_counter()
        await self.profile()
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            listing = await self.list_conversations()
        except IntegrationError as exc:
            return ProbeOutcome(latency_ms=latency_ms, partial_error=f"could not list conversations: {exc.message}")
        return ProbeOutcome(latency_ms=latency_ms, conversations=listing.conversations,
                            conversations_reported=listing.reported.get(OPEN),
                            conversations_partial=listing.partial)

    async def aclose(self) -> None:
        await self._client.aclose()
