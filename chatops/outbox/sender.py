"""The outbox sender: claims due rows and hands each to its target's deliverer, oldest first,
keeping each lane's order (a Slack channel, a Linear team…); a lane that must wait (pacing,
Retry-After, a parent not yet delivered) never holds up the others.

Never twice: a row is claimed before it is sent, so two senders never send it together; an edit
superseded by a newer edit of the same message is dropped; and after a send whose fate is unknown
(a timeout, a dropped connection, an answer that says it may have gone through) the row is marked
uncertain, and its deliverer looks for it before sending again."""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import or_, update
from sqlmodel import Session, select

from chatops.lease import holder_is_dead
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(seconds=60)
MAX_BACKOFF_S = 30.0


class Permanent(Exception):
    """The target refused the row for good: it is marked failed, never retried."""


@dataclass(frozen=True)
class Sent:
    ref: str | None = None  # slack: the ts; linear: the issue identifier; chatwoot: the canned response id
    data: dict[str, Any] | None = None  # anything else a subscriber may want (a URL…)


class Deliverer(Protocol):
    target: str

    def lane(self, row: OutboxMessage) -> str:
        """Rows of one lane go out in order; pacing and Retry-After hold a lane."""
        ...

    def send(self, row: OutboxMessage, parent: OutboxMessage | None) -> Sent:
        """Deliver (or, for an uncertain row, find it delivered). Raise Permanent for a refusal."""
        ...

    def is_uncertain(self, exc: BaseException) -> bool:
        """Whether the failed send may have gone through anyway."""
        ...

    def retry_after(self, exc: BaseException) -> float | None:
        """The wait the target asked for (a 429's Retry-After), if any."""
        ...

    def pace_s(self, row: OutboxMessage) -> float:
        """How long the lane rests after a delivery."""
        ...

    def describe(self, exc: BaseException) -> str:
        ...


Subscriber = Callable[[Session, OutboxMessage], None]


class OutboxSender:
    def __init__(self, db: Database, deliverers: list[Deliverer], *, holder: str, pace: bool = True):
        self.db = db
        self.pace = pace
        self.deliverers = {d.target: d for d in deliverers}
        self.holder = holder
        self.subscribers: list[Subscriber] = []
        self._held_until: dict[str, float] = {}  # lane → monotonic time
        self._lock = threading.Lock()

    def on_delivered(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)

    def _lane(self, row: OutboxMessage) -> str:
        deliverer = self.deliverers.get(row.target)
        return f"{row.target}:{deliverer.lane(row) if deliverer else row.channel}"

    def due(self, now: datetime, limit: int, only: list[int] | None = None,
            skip_channels: set[str] | None = None) -> list[OutboxMessage]:
        with self.db.session() as session:
            query = (select(OutboxMessage).where(OutboxMessage.status == "pending")
                     .where(OutboxMessage.next_attempt_at <= now)
                     .where(OutboxMessage.target.in_(list(self.deliverers)))  # type: ignore[attr-defined]
                     .order_by(OutboxMessage.id).limit(limit))
            if only is not None:
                query = query.where(OutboxMessage.id.in_(only or [-1]))  # type: ignore[union-attr]
            if skip_channels:
                query = query.where(OutboxMessage.channel.not_in(skip_channels))  # type: ignore[union-attr]
            return list(session.exec(query).all())

    def drain(self, limit: int = 50, should_continue: Callable[[], bool] = lambda: True,
              only: list[int] | None = None) -> int:
        """Deliver what is due. `only` restricts it to those rows. Returns how many were delivered."""
        sent = 0
        waiting: set[str] = set()  # lanes whose next row must wait: later rows there wait too
        skip: set[str] = set()  # their channels, left out of the next pass's query
        for _ in range(20):  # bounded passes: each leaves out the lanes found waiting
            rows = self.due(datetime.now(timezone.utc), limit, only, skip)
            if not rows:
                break
            before = (sent, len(waiting))
            for row in rows:
                if not should_continue():
                    return sent
                lane = self._lane(row)
                if lane in waiting:
                    continue
                if time.monotonic() < self._held_until.get(lane, 0):
                    outcome: bool | None = False
                else:
                    outcome = self._deliver(row.id)  # type: ignore[arg-type]
                if outcome is True:
                    sent += 1
                elif outcome is False:
                    waiting.add(lane)
                    if row.channel:
                        skip.add(row.channel)
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
            if previous is not None:
                # its last holder (another process, or this one when recording failed) may have
                # sent it without recording that: look first
                row.uncertain = True
                session.add(row)
            return row

    def _deliver(self, row_id: int) -> bool | None:
        """True: delivered. False: must wait (keep the lane's order). None: nothing to do."""
        row = self._claim(row_id, datetime.now(timezone.utc))
        if row is None:
            return None
        deliverer = self.deliverers[row.target]
        with self.db.session() as session:
            parent = session.get(OutboxMessage, row.parent_id) if row.parent_id else None
            newer = row.kind == "update" and session.exec(
                select(OutboxMessage.id).where(OutboxMessage.parent_id == row.parent_id)
                .where(OutboxMessage.kind == "update").where(OutboxMessage.status == "pending")
                .where(OutboxMessage.id > row_id)).first() is not None
        if newer:
            self._finish(row_id, status="superseded")  # a newer edit of the same thing will say more
            return None
        if row.parent_id is not None:
            if parent is None or parent.status == "failed":
                self._finish(row_id, status="failed", error="what it belongs to could not be delivered")
                return None
            if parent.status != "sent":
                self._release(row_id, delay_s=1.0, error=None)
                return False
        lane = self._lane(row)
        try:
            sent = deliverer.send(row, parent)
        except Permanent as exc:
            log.error("outbox %s (%s) failed for good: %s", row_id, row.target, exc)
            self._finish(row_id, status="failed", error=str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - transient: back off and try again
            asked = deliverer.retry_after(exc)
            delay = asked if asked is not None else _backoff(row.attempts)
            uncertain = deliverer.is_uncertain(exc)
            log.warning("outbox %s (%s): %s; retrying in %.0f s%s", row_id, row.target, deliverer.describe(exc),
                        delay, " (it may have gone through: will look for it first)" if uncertain else "")
            if asked is not None:
                self._held_until[lane] = time.monotonic() + delay
            self._release(row_id, delay_s=delay, error=deliverer.describe(exc), uncertain=uncertain or None)
            return False
        if self.pace:
            self._held_until[lane] = time.monotonic() + deliverer.pace_s(row)
        if row.kind == "update" and row.parent_id is not None:
            self._supersede_older(row)
        self._finish(row_id, status="sent", sent=sent)
        return True

    def _supersede_older(self, row: OutboxMessage) -> None:
        """An edit went out: older edits still waiting for the same message would undo it."""
        with self.db.session() as session:
            session.exec(  # type: ignore[call-overload]
                update(OutboxMessage).where(OutboxMessage.parent_id == row.parent_id)
                .where(OutboxMessage.kind == "update").where(OutboxMessage.status == "pending")
                .where(OutboxMessage.id < row.id).values(status="superseded")
            )

    def _finish(self, row_id: int, *, status: str, sent: Sent | None = None, error: str | None = None) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.status = status
            if sent is not None:
                row.ts = sent.ref or row.ts
                row.result = {"ref": sent.ref, **(sent.data or {})}
            row.last_error = error[:300] if error else None
            row.sent_at = datetime.now(timezone.utc)
            row.attempts += 1
            row.uncertain = False
            session.add(row)
        if status != "sent" or not self.subscribers:
            return
        try:  # the delivery is recorded above; subscribers copy what it returned beside their rows
            with self.db.session() as session:
                row = session.get(OutboxMessage, row_id)
                for subscriber in self.subscribers:
                    subscriber(session, row)
        except Exception:  # noqa: BLE001
            log.exception("outbox %s: delivered, but a subscriber failed to record it", row_id)

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


def _backoff(attempts: int) -> float:
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 5)) * random.uniform(0.8, 1.0)
