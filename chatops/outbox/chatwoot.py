"""The Chatwoot deliverer: publishes a reply template as a canned response, and escalates a
conversation (the `escalation` label and an internal note, SOP-CX-003).

Every try looks the canned response up by its `short_code` first, so a try whose answer was lost
(a timeout, a 502 after Chatwoot saved it) is found rather than created twice: the same content
there already is a delivery; another content is `PATCH canned_responses/{id}`; nothing is
`POST canned_responses`. Chatwoot keeps short codes unique per account, so a create that raced
another answers 422 and is looked up again. An outage, a 5xx or a 429 (its Retry-After honoured)
delays the row; a refusal (credentials, a 4xx that stays one) fails it for good."""
from __future__ import annotations

import concurrent.futures
from typing import Any, Protocol

from chatops.integrations.errors import (
    IntegrationAuthError,
    IntegrationBadResponse,
    IntegrationError,
    IntegrationRateLimited,
    IntegrationServerError,
    IntegrationTimeout,
    IntegrationUnreachable,
)
from storage.models import OutboxMessage

from .sender import Permanent, Sent

KIND = "canned_response"  # the row's kind: upsert one canned response by short_code
ESCALATE = "escalate"  # add a label to a conversation and an internal note, each once
LANE = "canned_responses"
PACE_S = 0.2
RETRYABLE_4XX = frozenset({408, 409})  # worth another try later; any other 4xx is a refusal


class ChatwootWrites(Protocol):
    """What the deliverer needs of chatops.integrations.chatwoot.Chatwoot."""

    async def find_canned_response(self, short_code: str) -> Any: ...

    async def create_canned_response(self, short_code: str, content: str) -> Any: ...

    async def update_canned_response(self, canned_id: int, short_code: str, content: str) -> Any: ...

    async def conversation_labels(self, conversation_id: Any) -> list[str]: ...

    async def set_conversation_labels(self, conversation_id: Any, labels: list[str]) -> list[str]: ...

    async def conversation_messages(self, conversation_id: Any) -> list[dict]: ...

    async def add_private_note(self, conversation_id: Any, content: str) -> dict: ...


class ChatwootDeliverer:
    target = "chatwoot"

    def __init__(self, chatwoot: ChatwootWrites, runtime: Any, *, timeout_s: float):
        self.chatwoot = chatwoot
        self.runtime = runtime  # chatops.integrations.base.AsyncRuntime: the adapter's event loop
        self.timeout_s = timeout_s

    def lane(self, row: OutboxMessage) -> str:
        return LANE if row.kind == KIND else f"conversation:{row.channel}"

    def pace_s(self, row: OutboxMessage) -> float:
        return PACE_S

    def send(self, row: OutboxMessage, parent: OutboxMessage | None) -> Sent:
        payload = row.payload if isinstance(row.payload, dict) else {}
        if row.kind == ESCALATE:
            return self._run(self._escalate(payload))
        code, content = payload.get("short_code"), payload.get("content")
        if row.kind != KIND:
            raise Permanent(f"unknown Chatwoot operation {row.kind!r}")
        if not (isinstance(code, str) and code.strip() and isinstance(content, str) and content.strip()):
            raise Permanent("a canned response needs a short code and content")
        return self._run(self._upsert(code.strip(), content))

    def _run(self, coroutine: Any) -> Sent:
        future = self.runtime.submit(coroutine)
        try:
            return future.result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise IntegrationTimeout("Chatwoot", "no answer in time") from None
        except IntegrationAuthError as exc:
            raise Permanent(exc.message) from None
        except IntegrationBadResponse as exc:
            if exc.status is None or not 400 <= exc.status < 500 or exc.status in RETRYABLE_4XX:
                raise
            hint = " (is CHATWOOT_ACCOUNT_ID right?)" if exc.status == 404 else ""
            raise Permanent(f"Chatwoot {exc.message}{hint}") from None

    async def _escalate(self, payload: dict) -> Sent:
        """Label the conversation and add the internal note; each step looks before it writes, so a
        retry after a lost answer changes nothing twice (the note carries its marker)."""
        conv, label = payload.get("conversation_id"), payload.get("label")
        note, marker = payload.get("note"), payload.get("marker")
        if not (conv and isinstance(label, str) and isinstance(note, str) and isinstance(marker, str)):
            raise Permanent("an escalation needs a conversation, a label, a note and its marker")
        messages = await self.chatwoot.conversation_messages(conv)  # the note first: it says what happened
        if not any(marker in str(m.get("content") or "") for m in messages):
            await self.chatwoot.add_private_note(conv, f"{note}\n\n{marker}")
        labels = await self.chatwoot.conversation_labels(conv)
        if label not in labels:
            kept = await self.chatwoot.set_conversation_labels(conv, [*labels, label])
            if label not in kept:
                raise Permanent(f"Chatwoot has no label `{label}`: create it under Settings → Labels")
        return Sent(str(conv), {"conversation_id": conv, "label": label})

    async def _upsert(self, code: str, content: str) -> Sent:
        found = await self.chatwoot.find_canned_response(code)
        if found is not None and found.content == content:
            return _sent(found, "found")  # an earlier try went through, or it was already so
        if found is not None:
            try:
                return _sent(await self.chatwoot.update_canned_response(found.id, code, content), "updated")
            except IntegrationBadResponse as exc:
                if exc.status != 404:
                    raise
                # deleted in Chatwoot since the look-up: create it again below
        try:
            return _sent(await self.chatwoot.create_canned_response(code, content), "created")
        except IntegrationBadResponse as exc:
            if exc.status != 422:
                raise
            again = await self.chatwoot.find_canned_response(code)  # "Short code has already been taken"
            if again is None:
                raise Permanent("Chatwoot refused the canned response (HTTP 422)") from None
            if again.content == content:
                return _sent(again, "found")
            return _sent(await self.chatwoot.update_canned_response(again.id, code, content), "updated")

    def is_uncertain(self, exc: BaseException) -> bool:
        return isinstance(exc, (IntegrationTimeout, IntegrationServerError, IntegrationUnreachable, TimeoutError))

    def retry_after(self, exc: BaseException) -> float | None:
        if isinstance(exc, IntegrationRateLimited):
            return max(1.0, exc.retry_after) if exc.retry_after is not None else 1.0
        return None

    def describe(self, exc: BaseException) -> str:
        return f"Chatwoot: {exc.message}" if isinstance(exc, IntegrationError) else type(exc).__name__


def _sent(canned: Any, action: str) -> Sent:
    return Sent(str(canned.id), {"canned_id": canned.id, "action": action})
