"""Durable delivery. Every outgoing alert, announcement and reminder (later: tickets) is a row
written in the same transaction as the change it announces; the leader's sender delivers rows in
order, honouring Retry-After on 429, backing off through Slack outages, and recording the `ts`.

Never twice: a row is claimed before it is sent, so two senders never send it together; an edit
superseded by a newer edit of the same message is dropped, so an old state never overwrites a new
one; and a post whose fate is unknown (a timeout or a dropped connection after the request left)
carries its outbox id in the message metadata, so the retry first looks for it in the channel
(conversations.history / replies) and adopts it instead of posting again. Where that look-up is
impossible (no history scope) the post is sent again: at-least-once, never lost."""
from __future__ import annotations

import contextvars
import http.client
import logging
import random
import socket
import threading
import time
import urllib.error
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, update
from sqlmodel import Session, select

from chatops.leader import holder_is_dead
from storage.db import Database
from storage.models import OutboxMessage, aware

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_auth", "account_inactive",
    "token_revoked", "msg_too_long", "no_text", "missing_scope", "message_not_found", "cant_update_message",
    "invalid_arguments", "not_authed", "restricted_action", "channel_is_archived", "edit_window_closed",
})
CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "unknown_method",
                         "not_allowed_token_type", "method_deprecated", "no_permission"})
CLAIM_TIMEOUT = timedelta(seconds=60)
MAX_BACKOFF_S = 30.0
POSTS_PER_CHANNEL_S = 1.0  # chat.postMessage: about one message a second per channel
METADATA_TYPE = "occ_outbox"

SentHook = Callable[[Session, OutboxMessage], None]
_captured: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("occ_outbox_capture", default=None)


def enqueue(session: Session, *, channel: str, message: dict[str, Any], kind: str = "post",
            parent_id: int | None = None, dedupe_key: str | None = None) -> OutboxMessage:
    """Write a message to deliver, in the caller's transaction."""
    row = OutboxMessage(kind=kind, channel=channel, payload=message, parent_id=parent_id, dedupe_key=dedupe_key)
    session.add(row)
    session.flush()
    captured = _captured.get()
    if captured is not None and row.id is not None:
        captured.append(row.id)
    return row


@contextmanager
def capture() -> Iterator[list[int]]:
    """Collect the ids of rows enqueued in this context (the console delivers only its own)."""
    ids: list[int] = []
    token = _captured.set(ids)
    try:
        yield ids
    finally:
        _captured.reset(token)


def ts_recorder(model: Any) -> SentHook:
    """A sent-hook that copies a top-level post's ts onto the `model` rows it announced
    (their `outbox_id`), so later edits and thread replies can be traced to the message."""

    def record(session: Session, row: OutboxMessage) -> None:
        if row.kind != "post" or row.parent_id is not None:
            return
        for owner in session.exec(select(model).where(model.outbox_id == row.id)).all():
            owner.ts = row.ts
            session.add(owner)

    return record


class Permanent(Exception):
    pass


def _is_uncertain(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
            return False  # never connected: nothing was sent
        return isinstance(reason, (TimeoutError, socket.timeout, ConnectionResetError, OSError))
    return isinstance(exc, (TimeoutError, socket.timeout, ConnectionResetError, http.client.RemoteDisconnected,
                            http.client.IncompleteRead, ConnectionAbortedError))


class OutboxSender:
    def __init__(self, db: Database, messenger: Any, *, holder: str, pace: bool = True):
        self.db = db
        self.pace = pace
        self.messenger = messenger
        self.holder = holder
        self.hooks: list[SentHook] = []
        self._held_until: dict[tuple[str, str], float] = {}  # (post, channel) / (update, "*") → monotonic time
        self._lock = threading.Lock()

    def on_sent(self, hook: SentHook) -> None:
        self.hooks.append(hook)

    def due(self, now: datetime, limit: int, only: list[int] | None = None,
            skip_channels: set[str] | None = None) -> list[OutboxMessage]:
        with self.db.session() as session:
            query = (select(OutboxMessage).where(OutboxMessage.status == "pending")
                     .where(OutboxMessage.next_attempt_at <= now).order_by(OutboxMessage.id).limit(limit))
            if only is not None:
                query = query.where(OutboxMessage.id.in_(only or [-1]))  # type: ignore[union-attr]
            if skip_channels:
                query = query.where(OutboxMessage.channel.not_in(skip_channels))  # type: ignore[attr-defined]
            return list(session.exec(query).all())

    @staticmethod
    def _hold_key(row: OutboxMessage) -> tuple[str, str]:
        # chat.postMessage is limited per channel; chat.update per workspace
        return ("post", row.channel) if row.kind == "post" else ("update", "*")

    def drain(self, limit: int = 50, should_continue: Callable[[], bool] = lambda: True,
              only: list[int] | None = None) -> int:
        """Deliver what is due, oldest first, keeping each channel's order; a channel that must
        wait (pacing, Retry-After, a parent not yet sent) never holds up the others. `only`
        restricts it to those rows. Returns how many rows were delivered."""
        sent = 0
        waiting: set[str] = set()  # channels whose next row must wait: later rows there wait too
        for _ in range(20):  # bounded passes: each pass leaves out the channels found waiting
            rows = self.due(datetime.now(timezone.utc), limit, only, waiting)
            if not rows:
                break
            before = (sent, len(waiting))
            for row in rows:
                if not should_continue():
                    return sent
                if row.channel in waiting:
                    continue
                if time.monotonic() < self._held_until.get(self._hold_key(row), 0):
                    waiting.add(row.channel)
                    continue
                outcome = self._deliver(row.id)  # type: ignore[arg-type]
                if outcome is True:
                    sent += 1
                elif outcome is False:
                    waiting.add(row.channel)
            if (sent, len(waiting)) == before:  # nothing moved: the rest is for the next call
                break
        return sent

    # --- one row ------------------------------------------------------------------------
    def _claim(self, row_id: int, now: datetime) -> OutboxMessage | None:
        """Claim a pending row: unclaimed, ours, claimed long ago, or claimed by a process on this
        host that has died (a restart after kill -9 need not wait for the claim to time out)."""
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.status != "pending":
                return None
            previous = row.claimed_by
            stale = previous is not None and holder_is_dead(previous)
            result = session.exec(  # type: ignore[call-overload]
                update(OutboxMessage).where(OutboxMessage.id == row_id).where(OutboxMessage.status == "pending")
                .where(or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by == self.holder,  # type: ignore[union-attr]
                           OutboxMessage.claimed_at < now - CLAIM_TIMEOUT,
                           OutboxMessage.claimed_by == (row.claimed_by if stale else self.holder)))
                .values(claimed_by=self.holder, claimed_at=now)
            )
            if result.rowcount != 1:
                return None
            session.refresh(row)
            if row.kind == "post" and previous not in (None, self.holder):
                # its last holder may have sent it and died before recording that: look first
                row.uncertain = True
                session.add(row)
            return row

    def _deliver(self, row_id: int) -> bool | None:
        """True: delivered. False: must wait (keep the channel's order). None: nothing to do."""
        now = datetime.now(timezone.utc)
        row = self._claim(row_id, now)
        if row is None:
            return None
        with self.db.session() as session:
            parent = session.get(OutboxMessage, row.parent_id) if row.parent_id else None
            newer = row.kind == "update" and session.exec(
                select(OutboxMessage.id).where(OutboxMessage.parent_id == row.parent_id)
                .where(OutboxMessage.kind == "update").where(OutboxMessage.status == "pending")
                .where(OutboxMessage.id > row_id)).first() is not None
        if newer:
            self._finish(row_id, status="superseded")  # a newer edit of the same message will say more
            return None
        if row.parent_id is not None:
            if parent is None or parent.status == "failed":
                self._finish(row_id, status="failed", error="the message it belongs to could not be sent")
                return None
            if parent.status != "sent" or not parent.ts:
                self._release(row_id, delay_s=1.0, error=None)
                return False
        try:
            ts = self._send(row, parent)
        except Permanent as exc:
            log.error("outbox %s to %s failed for good: %s", row_id, row.channel, exc)
            self._finish(row_id, status="failed", error=str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - transient: back off and try again
            delay = _retry_delay(exc, row.attempts)
            uncertain = row.kind == "post" and _is_uncertain(exc)
            log.warning("outbox %s to %s: %s; retrying in %.0f s%s", row_id, row.channel, _describe(exc), delay,
                        " (it may have been posted: will look for it first)" if uncertain else "")
            if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429:
                self._held_until[self._hold_key(row)] = time.monotonic() + delay
            self._release(row_id, delay_s=delay, error=_describe(exc), uncertain=uncertain or None)
            return False
        if row.kind == "post" and self.pace:
            self._held_until[self._hold_key(row)] = time.monotonic() + POSTS_PER_CHANNEL_S
        self._finish(row_id, status="sent", ts=ts)
        return True

    def _send(self, row: OutboxMessage, parent: OutboxMessage | None) -> str | None:
        try:
            if row.kind == "update":
                assert parent is not None and parent.ts
                self.messenger.update(row.channel, parent.ts, row.payload)
                if row.parent_id is not None:
                    self._supersede_older(row)
                return parent.ts
            thread_ts = parent.ts if parent else None
            if row.uncertain:
                found = self._find_posted(row, thread_ts)
                if found:
                    log.info("outbox %s was posted before (ts found in the channel); not posting again", row.id)
                    return found
            payload = {**row.payload, "metadata": {"event_type": METADATA_TYPE, "event_payload": {"outbox_id": row.id}}}
            return self.messenger.post(row.channel, payload, thread_ts=thread_ts)
        except SlackApiError as exc:
            error = str((exc.response or {}).get("error") or "")
            if error in PERMANENT_ERRORS:
                raise Permanent(error) from None
            raise

    def _find_posted(self, row: OutboxMessage, thread_ts: str | None) -> str | None:
        finder = getattr(self.messenger, "find_by_metadata", None)
        if finder is None:
            return None
        oldest = aware(row.created_at) - timedelta(seconds=5)
        try:
            return finder(row.channel, METADATA_TYPE, "outbox_id", row.id, oldest=oldest, thread_ts=thread_ts)
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", None)
            if str((exc.response or {}).get("error") or "") in CANNOT_LOOK or status in (403, 404):
                log.warning("outbox %s: cannot look for an earlier post (%s); posting again", row.id, _describe(exc))
                return None
            raise  # Slack is struggling: try the look-up again later, still uncertain

    def _supersede_older(self, row: OutboxMessage) -> None:
        """An edit went out: older edits still waiting for the same message would undo it."""
        with self.db.session() as session:
            session.exec(  # type: ignore[call-overload]
                update(OutboxMessage).where(OutboxMessage.parent_id == row.parent_id)
                .where(OutboxMessage.kind == "update").where(OutboxMessage.status == "pending")
                .where(OutboxMessage.id < row.id).values(status="superseded")
            )

    def _finish(self, row_id: int, *, status: str, ts: str | None = None, error: str | None = None) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.status, row.ts = status, ts or row.ts
            row.last_error = error[:300] if error else None
            row.sent_at = datetime.now(timezone.utc)
            row.attempts += 1
            row.uncertain = False
            session.add(row)
        if status != "sent" or not self.hooks:
            return
        try:  # the delivery is recorded above; the hooks only copy the ts beside what it announced
            with self.db.session() as session:
                row = session.get(OutboxMessage, row_id)
                for hook in self.hooks:
                    hook(session, row)
        except Exception:  # noqa: BLE001
            log.exception("outbox %s: delivered, but recording its ts failed", row_id)

    def _release(self, row_id: int, *, delay_s: float, error: str | None, uncertain: bool | None = None) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            if error is not None:
                row.attempts += 1
                row.last_error = error[:300]
            if uncertain is not None:
                row.uncertain = row.uncertain or uncertain
            row.claimed_by = None
            row.claimed_at = None
            row.next_attempt_at = datetime.now(timezone.utc) + timedelta(seconds=delay_s)
            session.add(row)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", "?")
        return f"Slack answered HTTP {status} ({(exc.response or {}).get('error', 'error')})"
    return type(exc).__name__


def _retry_delay(exc: BaseException, attempts: int) -> float:
    if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429:
        headers = getattr(exc.response, "headers", None) or {}
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), 1)
        try:
            return max(1.0, float(value[0] if isinstance(value, list) else value))
        except (TypeError, ValueError):
            return 1.0
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 5)) * random.uniform(0.8, 1.0)
