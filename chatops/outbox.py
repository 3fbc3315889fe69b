"""Durable delivery. Every outgoing alert, reminder (and later ticket) is a row written in the same
transaction as the change it announces; the leader's sender delivers rows in order, honouring
Retry-After on 429, backing off through Slack outages, and recording the returned `ts`.

A row is claimed before it is sent (so two senders never send the same row) and marked sent with
its `ts` right after Slack accepts it. The one window left is a crash between Slack's answer and
that commit: the row is then sent again after restart (at-least-once, milliseconds wide)."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, update
from sqlmodel import Session, select

from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_auth", "account_inactive",
    "token_revoked", "msg_too_long", "no_text", "missing_scope", "message_not_found", "cant_update_message",
    "invalid_arguments", "not_authed", "restricted_action", "channel_is_archived", "edit_window_closed",
})
CLAIM_TIMEOUT = timedelta(seconds=60)
MAX_BACKOFF_S = 300.0

SentHook = Callable[[Session, OutboxMessage], None]


def enqueue(session: Session, *, channel: str, message: dict[str, Any], kind: str = "post",
            parent_id: int | None = None, dedupe_key: str | None = None) -> OutboxMessage:
    """Write a message to deliver, in the caller's transaction."""
    row = OutboxMessage(kind=kind, channel=channel, payload=message, parent_id=parent_id, dedupe_key=dedupe_key)
    session.add(row)
    session.flush()
    return row


class Permanent(Exception):
    pass


class OutboxSender:
    def __init__(self, db: Database, messenger: Any, *, holder: str):
        self.db = db
        self.messenger = messenger
        self.holder = holder
        self.hooks: list[SentHook] = []
        self.wake = threading.Event()

    def on_sent(self, hook: SentHook) -> None:
        self.hooks.append(hook)

    def due(self, now: datetime, limit: int) -> list[int]:
        with self.db.session() as session:
            rows = session.exec(
                select(OutboxMessage.id).where(OutboxMessage.status == "pending")
                .where(OutboxMessage.next_attempt_at <= now).order_by(OutboxMessage.id).limit(limit)
            ).all()
        return [r for r in rows if r is not None]

    def drain(self, limit: int = 50, should_continue: Callable[[], bool] = lambda: True) -> int:
        """Deliver what is due, oldest first. Returns how many rows were sent."""
        sent = 0
        for row_id in self.due(datetime.now(timezone.utc), limit):
            if not should_continue():
                break
            if self._deliver(row_id):
                sent += 1
        return sent

    def _claim(self, row_id: int, now: datetime) -> bool:
        with self.db.session() as session:
            result = session.exec(  # type: ignore[call-overload]
                update(OutboxMessage).where(OutboxMessage.id == row_id).where(OutboxMessage.status == "pending")
                .where(or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by == self.holder,  # type: ignore[union-attr]
                           OutboxMessage.claimed_at < now - CLAIM_TIMEOUT))
                .values(claimed_by=self.holder, claimed_at=now)
            )
            return result.rowcount == 1

    def _deliver(self, row_id: int) -> bool:
        now = datetime.now(timezone.utc)
        if not self._claim(row_id, now):
            return False
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            parent = session.get(OutboxMessage, row.parent_id) if row and row.parent_id else None
        if row is None:
            return False
        if row.parent_id is not None:
            if parent is None or parent.status == "failed":
                self._finish(row_id, failed="the message it belongs to could not be sent")
                return False
            if parent.status != "sent" or not parent.ts:
                self._release(row_id, delay_s=1.0, error=None)  # wait for the parent's ts
                return False
        try:
            ts = self._send(row, parent)
        except Permanent as exc:
            log.error("outbox %s to %s failed for good: %s", row_id, row.channel, exc)
            self._finish(row_id, failed=str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - transient: back off and try again
            delay = _retry_delay(exc, row.attempts)
            log.warning("outbox %s to %s: %s; retrying in %.0f s", row_id, row.channel, _describe(exc), delay)
            self._release(row_id, delay_s=delay, error=_describe(exc))
            return False
        self._finish(row_id, ts=ts)
        return True

    def _send(self, row: OutboxMessage, parent: OutboxMessage | None) -> str | None:
        try:
            if row.kind == "update":
                assert parent is not None and parent.ts
                self.messenger.update(row.channel, parent.ts, row.payload)
                return parent.ts
            return self.messenger.post(row.channel, row.payload, thread_ts=parent.ts if parent else None)
        except SlackApiError as exc:
            error = str((exc.response or {}).get("error") or "")
            if error in PERMANENT_ERRORS:
                raise Permanent(error) from None
            raise

    def _finish(self, row_id: int, *, ts: str | None = None, failed: str | None = None) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.status = "failed" if failed else "sent"
            row.last_error = failed[:300] if failed else None
            row.ts = ts or row.ts
            row.sent_at = datetime.now(timezone.utc)
            row.attempts += 1
            session.add(row)
            session.flush()
            if not failed:
                for hook in self.hooks:
                    hook(session, row)

    def _release(self, row_id: int, *, delay_s: float, error: str | None) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            if error is not None:
                row.attempts += 1
                row.last_error = error[:300]
            row.claimed_by = None
            row.claimed_at = None
            row.next_attempt_at = datetime.now(timezone.utc) + timedelta(seconds=delay_s)
            session.add(row)


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", "?")
        return f"Slack answered HTTP {status} ({(exc.response or {}).get('error', 'error')})"
    return type(exc).__name__


def _retry_delay(exc: Exception, attempts: int) -> float:
    if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429:
        headers = getattr(exc.response, "headers", None) or {}
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), 1)
        try:
            return max(1.0, float(value[0] if isinstance(value, list) else value))
        except (TypeError, ValueError):
            return 1.0
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 9))
