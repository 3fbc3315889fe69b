"""Chatwoot adapter: the authenticated probe (`GET /api/v1/profile`), the open and pending
conversations, read page by page, and the account's canned responses (the reply templates). It
speaks Chatwoot's wire format and hands typed values on: the health layer applies the SLA rule
(chatops.health.sla), the templates feature decides what to publish; it judges nothing itself.

Canned responses (app/controllers/api/v1/accounts/canned_responses_controller.rb): `index` renders
the account's records as a bare JSON array (`?search=` filters short_code or content, ILIKE);
`create` and `update` take `params.require(:canned_response).permit(:short_code, :content)` and
render the record itself (a fork's jbuilder wraps it in `payload`: both are read)."""
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
class CannedResponse:
    id: int
    short_code: str
    content: str


def parse_canned(item: object) -> CannedResponse | None:
    """One canned response as Chatwoot renders it ({id, account_id, short_code, content, …})."""
    if not isinstance(item, dict):
        return None
    ident, code, content = item.get("id"), item.get("short_code"), item.get("content")
    if isinstance(ident, bool) or not isinstance(ident, int) or not isinstance(code, str) or not code.strip():
        return None
    return CannedResponse(ident, code.strip(), content if isinstance(content, str) else "")


def _unwrap(body: object) -> object:
    return body.get("payload", body) if isinstance(body, dict) and "id" not in body else body


def _titles(body: object, name: str) -> list[str]:
    items = body.get("payload") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise IntegrationError(name, "labels answer is not a list")
    return [str(t) for t in items if isinstance(t, str)]


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

    # --- canned responses ---------------------------------------------------------------------
    async def list_canned_responses(self, search: str | None = None) -> list[CannedResponse]:
        """Every canned response of the account (Chatwoot does not page this list)."""
        params = {"search": search} if search else None
        body = _unwrap(await request_json(self._client, self.name, "GET", f"{self._prefix}/canned_responses",
                                          params=params))
        if not isinstance(body, list):
            raise IntegrationError(self.name, "canned responses answer is not a list")
        return [c for c in (parse_canned(item) for item in body) if c is not None]

    async def find_canned_response(self, short_code: str) -> CannedResponse | None:
        """The canned response with exactly this short code (the search is a substring match)."""
        found = [c for c in await self.list_canned_responses(search=short_code) if c.short_code == short_code]
        return found[0] if found else None

    async def _write_canned(self, method: str, path: str, short_code: str, content: str) -> CannedResponse:
        body = await request_json(self._client, self.name, method, path,
                                  json={"canned_response": {"short_code": short_code, "content": content}})
        canned = parse_canned(_unwrap(body))
        if canned is None:
            raise IntegrationError(self.name, "canned response answer is not a canned response")
        return canned

    async def create_canned_response(self, short_code: str, content: str) -> CannedResponse:
        return await self._write_canned("POST", f"{self._prefix}/canned_responses", short_code, content)

    async def update_canned_response(self, canned_id: int, short_code: str, content: str) -> CannedResponse:
        return await self._write_canned("PATCH", f"{self._prefix}/canned_responses/{int(canned_id)}", short_code,
                                        content)

    # --- escalation: labels and private notes on a conversation --------------------------------
    async def conversation_labels(self, conversation_id: int | str) -> list[str]:
        """`GET conversations/{id}/labels` → `{"payload": [title…]}`."""
        body = await request_json(self._client, self.name, "GET", f"{self._conversation(conversation_id)}/labels")
        return _titles(body, self.name)

    async def set_conversation_labels(self, conversation_id: int | str, labels: list[str]) -> list[str]:
        """`POST conversations/{id}/labels` with `{"labels": […]}` REPLACES the list with those of the
        titles that exist as account labels (LabelConcern#valid_labels); answers the list kept."""
        body = await request_json(self._client, self.name, "POST", f"{self._conversation(conversation_id)}/labels",
                                  json={"labels": labels})
        return _titles(body, self.name)

    async def conversation_messages(self, conversation_id: int | str) -> list[dict]:
        """The conversation's latest messages (`{"meta", "payload": [message…]}`)."""
        body = await request_json(self._client, self.name, "GET", f"{self._conversation(conversation_id)}/messages")
        items = body.get("payload") if isinstance(body, dict) else body
        return [m for m in items if isinstance(m, dict)] if isinstance(items, list) else []

    async def add_private_note(self, conversation_id: int | str, content: str) -> dict:
        """An internal note: `POST conversations/{id}/messages` with `private: true` (agents only)."""
        body = await request_json(self._client, self.name, "POST", f"{self._conversation(conversation_id)}/messages",
                                  json={"content": content, "message_type": "outgoing", "private": True})
        return body if isinstance(body, dict) else {}

    def _conversation(self, conversation_id: int | str) -> str:
        ident = str(conversation_id).strip()
        if not ident.isdigit():
            raise IntegrationError(self.name, "a conversation id is a number")
        return f"{self._prefix}/conversations/{ident}"

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
