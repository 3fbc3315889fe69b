"""The Slack deliverer: chat.postMessage / chat.update / files.uploadV2 through the messenger, paced
per channel. A post carries `metadata` naming its outbox row and this database's installation id, so
after an uncertain send the row is looked for in the channel (or thread) and adopted instead of
posted again; another deployment posting to the same channel never matches. A file (`kind="file"`,
payload `filename`, `content`, `title`, optional `comment`) is looked for by its file name, which the
enqueuing feature makes unique. A post or file goes into the thread of its parent row, or of the
payload's `thread_ts` (a message the bot did not post)."""
from __future__ import annotations

import http.client
import logging
import socket
import urllib.error
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from storage.models import OutboxMessage

from .sender import Permanent, Sent

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_auth", "account_inactive",
    "token_revoked", "msg_too_long", "no_text", "missing_scope", "message_not_found", "cant_update_message",
    "invalid_arguments", "not_authed", "restricted_action", "channel_is_archived", "edit_window_closed",
})
# Slack's own words for "this may have been done" (its docs say so of these): look before re-posting
MAYBE_DONE_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "unknown_method",
                         "not_allowed_token_type", "method_deprecated", "no_permission"})
REFUSALS_BEFORE_FAILING = 5  # an unknown ok:false error (not a 429 nor a 5xx) this often: failed for good
POSTS_PER_CHANNEL_S = 1.0  # chat.postMessage: about one message a second per channel
UPDATES_S = 0.2
METADATA_TYPE = "occ_outbox"


def _thread(payload: dict[str, Any]) -> str | None:
    value = payload.get("thread_ts")
    return str(value) if isinstance(value, str) and value else None


def _status(exc: BaseException) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def _error(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    try:
        return str((response or {}).get("error") or "")
    except Exception:  # noqa: BLE001 - a response without a JSON body
        return ""


class SlackDeliverer:
    target = "slack"

    def __init__(self, messenger: Any, installation: str):
        self.messenger = messenger
        self.installation = installation

    def lane(self, row: OutboxMessage) -> str:
        # chat.postMessage is limited per channel; chat.update per workspace
        return str(row.channel) if row.kind in ("post", "file") else "*updates*"

    def pace_s(self, row: OutboxMessage) -> float:
        return POSTS_PER_CHANNEL_S if row.kind in ("post", "file") else UPDATES_S

    def marker(self, row: OutboxMessage) -> dict[str, Any]:
        return {"outbox_id": row.id, "installation": self.installation}

    def send(self, row: OutboxMessage, parent: OutboxMessage | None) -> Sent:
        if not row.channel:
            raise Permanent("no channel")
        try:
            if row.kind == "update":
                if parent is None or not parent.ts:
                    raise Permanent("the message to edit has no ts")
                self.messenger.update(row.channel, parent.ts, row.payload)
                return Sent(parent.ts)
            thread_ts = parent.ts if parent else _thread(row.payload)
            if row.kind == "file":
                return self._upload(row, thread_ts)
            if row.uncertain:
                found = self._find_posted(row, thread_ts)
                if found:
                    log.info("outbox %s was posted before (found in the channel); not posting again", row.id)
                    return Sent(found)
            payload = {**row.payload, "metadata": {"event_type": METADATA_TYPE, "event_payload": self.marker(row)}}
            return Sent(self.messenger.post(row.channel, payload, thread_ts=thread_ts))
        except SlackApiError as exc:
            if _error(exc) in PERMANENT_ERRORS:
                raise Permanent(_error(exc)) from None
            status = _status(exc) or 0
            if status != 429 and status < 500 and _error(exc) not in MAYBE_DONE_ERRORS \
                    and row.attempts + 1 >= REFUSALS_BEFORE_FAILING:
                # an error Slack keeps giving that is not in our list (`invalid_blocks_format`…)
                raise Permanent(f"{_error(exc) or 'refused'} ({row.attempts + 1} tries)") from None
            raise

    def _upload(self, row: OutboxMessage, thread_ts: str | None) -> Sent:
        payload = row.payload
        filename = str(payload.get("filename") or "")
        if not filename:
            raise Permanent("a file without a name")
        if row.uncertain and getattr(self.messenger, "find_file", None) is not None:
            try:
                found = self.messenger.find_file(row.channel, filename, oldest=row.created_at - timedelta(seconds=5),
                                                 thread_ts=thread_ts)
            except SlackApiError as exc:
                if not (_error(exc) in CANNOT_LOOK or _status(exc) in (403, 404)):
                    raise
                found = None
            if found:
                log.info("outbox %s was uploaded before (found in the channel); not uploading again", row.id)
                return Sent(None, {"file_id": found})
        file_id = self.messenger.upload_file(row.channel, filename=filename, content=str(payload.get("content") or ""),
                                             title=str(payload.get("title") or filename), thread_ts=thread_ts,
                                             initial_comment=payload.get("comment") or None)
        return Sent(None, {"file_id": file_id})

    def _find_posted(self, row: OutboxMessage, thread_ts: str | None) -> str | None:
        finder = getattr(self.messenger, "find_by_metadata", None)
        if finder is None:
            return None
        try:
            return finder(row.channel, METADATA_TYPE, self.marker(row), oldest=row.created_at - timedelta(seconds=5),
                          thread_ts=thread_ts)
        except SlackApiError as exc:
            if _error(exc) in CANNOT_LOOK or _status(exc) in (403, 404):
                log.warning("outbox %s: cannot look for an earlier post (%s); posting again", row.id, self.describe(exc))
                return None
            raise  # Slack is struggling: try the look-up again later, still uncertain

    def is_uncertain(self, exc: BaseException) -> bool:
        if isinstance(exc, SlackApiError):
            status = _status(exc) or 0
            return status >= 500 or _error(exc) in MAYBE_DONE_ERRORS
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                return False  # never connected: nothing was sent
            return isinstance(reason, (TimeoutError, socket.timeout, ConnectionResetError, OSError))
        return isinstance(exc, (TimeoutError, socket.timeout, ConnectionResetError, http.client.RemoteDisconnected,
                                http.client.IncompleteRead, ConnectionAbortedError))

    def retry_after(self, exc: BaseException) -> float | None:
        if not (isinstance(exc, SlackApiError) and _status(exc) == 429):
            return None
        headers = getattr(exc.response, "headers", None) or {}
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), 1)
        try:
            return max(1.0, float(value[0] if isinstance(value, list) else value))
        except (TypeError, ValueError):
            return 1.0

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, SlackApiError):
            return f"Slack answered HTTP {_status(exc) or '?'} ({_error(exc) or 'error'})"
        return type(exc).__name__
