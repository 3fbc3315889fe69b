"""Durable delivery. Everything the bot sends on its own (alerts, announcements, reminders,
tickets, publishes) is a row written in the same transaction as the change it announces; the
leader's sender delivers rows through the deliverer of their target (Slack, Linear, Chatwoot)."""
from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from sqlmodel import Session

from storage.models import OutboxMessage

from .sender import Deliverer, OutboxSender, Permanent, Sent

_captured: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("occ_outbox_capture", default=None)

__all__ = ["enqueue", "enqueue_ticket", "capture", "Deliverer", "OutboxSender", "Permanent", "Sent", "ts_recorder",
           "LINEAR"]

LINEAR = "linear"  # the target (and lane) of Linear tickets: chatops.outbox.linear


def enqueue(session: Session, *, channel: str | None, message: dict[str, Any], kind: str = "post",
            target: str = "slack", parent_id: int | None = None, dedupe_key: str | None = None,
            external_id: str | None = None) -> OutboxMessage:
    """Write something to deliver, in the caller's transaction."""
    row = OutboxMessage(target=target, kind=kind, channel=channel, payload=message, parent_id=parent_id,
                        dedupe_key=dedupe_key, external_id=external_id)
    session.add(row)
    session.flush()
    captured = _captured.get()
    if captured is not None and row.id is not None:
        captured.append(row.id)
    return row


def enqueue_ticket(session: Session, message: dict[str, Any]) -> OutboxMessage:
    """A Linear issue to file. Its UUID v4 is chosen now and stored with the row, before the first
    try, so a retry after an answer that never came can find it instead of filing it again."""
    return enqueue(session, channel=LINEAR, target=LINEAR, kind="issue", message=message,
                   external_id=str(uuid.uuid4()))


@contextmanager
def capture() -> Iterator[list[int]]:
    """Collect the ids of rows enqueued in this context (the console delivers only its own)."""
    ids: list[int] = []
    token = _captured.set(ids)
    try:
        yield ids
    finally:
        _captured.reset(token)


def ts_recorder(model: Any):  # noqa: ANN201 - an on_delivered subscriber
    """Copies a top-level Slack post's ts onto the `model` rows it announced (their `outbox_id`),
    so later edits and thread replies can be traced to the message."""
    from sqlmodel import select

    def record(session: Session, row: OutboxMessage) -> None:
        if row.target != "slack" or row.kind != "post" or row.parent_id is not None:
            return
        for owner in session.exec(select(model).where(model.outbox_id == row.id)).all():
            owner.ts = row.ts
            session.add(owner)

    return record
