"""`/occ status` and the daily post."""
from __future__ import annotations

from sqlmodel import select

from blocks.status import status_message
from chatops.core import Interaction, Reply
from chatops.outbox import enqueue
from storage.db import Database
from storage.models import OutboxMessage

from .service import StatusService


def show(svc: StatusService, ix: Interaction) -> Reply:
    """The daily status now: every part is a local read, answered in the acknowledgement (bounded)."""
    return status_message(svc.report())


def post_daily(svc: StatusService, db: Database, channel: str | None) -> None:
    """The scheduled post (once a day across restarts and replicas: the durable scheduler)."""
    if not channel:
        return
    report = svc.report()
    key = f"daily-status:{report.day}"
    with db.session() as session:
        if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first() is None:
            enqueue(session, channel=channel, message=status_message(report, response_type=None), dedupe_key=key)
