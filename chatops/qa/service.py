"""Q&A capture against storage. A capture is one transaction: the entry, its Memory `ops` entry and,
for a confusing state, the Linear ticket's outbox row (its issue id chosen there). Reads: full-text
search (best match first), recent entries matching words, and a training session's log."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from chatops.memory import log as memory
from chatops.outbox import LINEAR, enqueue, enqueue_ticket
from chatops.training.models import LogRow
from storage.db import Database
from storage.fts import SearchSpec, search_ids, words
from storage.models import OutboxMessage

from .models import QAEntry
from .rules import ticket_description, ticket_title

SEARCH = SearchSpec("qa_entry", ("question", "answer", "tile"))
Message = dict[str, Any]


class QAViews(Protocol):
    """How Q&A reads in Slack (blocks.qa), bound at install time."""

    def ticket_filed(self, entry: QAEntry) -> Message: ...


class Running(Protocol):
    """What training exposes: the session running now, if any (its id and a label)."""

    def running(self, now: datetime) -> tuple[int, str] | None: ...


@dataclass(frozen=True)
class NewEntry:
    question: str
    tile: str
    reporter: str
    answer: str | None = None
    confusing: bool = False
    author: str | None = None
    owner: str | None = None
    follow_up_due: date | None = None
    permalink: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    screenshots: list[dict[str, str]] = field(default_factory=list)
    view_id: str | None = None  # the modal submission: submitted again, it is the same entry


@dataclass(frozen=True)
class Ticket:
    state: str  # none | pending | filed | failed
    identifier: str | None = None
    url: str | None = None
    detail: str | None = None  # why it waits or failed


@dataclass(frozen=True)
class Shown:
    entry: QAEntry
    ticket: Ticket


class QAService:
    def __init__(self, db: Database, *, views: QAViews, training: Running | None = None, linear_ready: bool = False):
        self.db = db
        self.views = views
        self.training = training
        self.linear_ready = linear_ready  # credentials set: pending tickets are being filed

    # --- capture --------------------------------------------------------------------------------
    def capture(self, new: NewEntry, now: datetime | None = None) -> tuple[QAEntry, bool]:
        """Store it (before Slack is answered); returns the entry and whether it is new."""
        now = now or datetime.now(timezone.utc)
        if new.view_id and (existing := self._by_view(new.view_id)) is not None:
            return existing, False
        try:
            return self._create(new, now), True
        except IntegrityError:
            existing = self._by_view(new.view_id) if new.view_id else None
            if existing is None:
                raise
            return existing, False

    def _by_view(self, view_id: str) -> QAEntry | None:
        with self.db.session() as session:
            return session.exec(select(QAEntry).where(QAEntry.view_id == view_id[:32])).first()

    def _create(self, new: NewEntry, now: datetime) -> QAEntry:
        running = self.training.running(now) if self.training is not None else None
        with self.db.session() as session:
            entry = QAEntry(question=new.question[:3000], answer=(new.answer or "")[:3000] or None, tile=new.tile[:32],
                            confusing=new.confusing, reporter=new.reporter[:64], author=_short(new.author, 64),
                            owner=_short(new.owner, 64), follow_up_due=new.follow_up_due,
                            permalink=_short(new.permalink, 500), channel_id=_short(new.channel_id, 80),
                            message_ts=_short(new.message_ts, 32), screenshots=list(new.screenshots)[:3],
                            session_id=running[0] if running else None, view_id=_short(new.view_id, 32),
                            created_at=now)
            session.add(entry)
            session.flush()
            memory.record(session, scope="ops", actor=new.reporter, action="qa.confusing_state" if new.confusing
                          else "qa.capture", rationale=entry.question, external_ref=f"qa:{entry.ref}",
                          evidence_url=entry.permalink,
                          payload={"tile": entry.tile, "answer": entry.answer, "author": entry.author,
                                   "owner": entry.owner, "session_id": entry.session_id,
                                   "follow_up_due": entry.follow_up_due.isoformat() if entry.follow_up_due else None,
                                   "screenshots": len(entry.screenshots)})
            if entry.confusing:
                entry.ticket_outbox_id = enqueue_ticket(session, self._ticket(entry, running)).id
            session.add(entry)
            return entry

    @staticmethod
    def _ticket(entry: QAEntry, running: tuple[int, str] | None) -> dict[str, Any]:
        description = ticket_description(tile=entry.tile, at=entry.created_at, reporter=entry.reporter,
                                         question=entry.question, answer=entry.answer, author=entry.author,
                                         owner=entry.owner, follow_up_due=entry.follow_up_due,
                                         session=running[1] if running else None)
        return {"entry": entry.id, "title": ticket_title(entry.tile, entry.question), "description": description,
                "screenshots": entry.screenshots,
                "message": {"permalink": entry.permalink, "channel": entry.channel_id, "ts": entry.message_ts}}

    def ticket_filed(self, session: Session, row: OutboxMessage) -> None:
        """on_delivered: the ticket exists. Keep its id and URL on the entry and tell the reporter."""
        if row.target != LINEAR or row.status != "sent":
            return
        entry = session.exec(select(QAEntry).where(QAEntry.ticket_outbox_id == row.id)).first()
        if entry is None or entry.ticket_identifier:
            return
        result = row.result or {}
        entry.ticket_identifier = _short(str(result.get("ref") or row.ts or ""), 32)
        url = result.get("url")
        entry.ticket_url = url[:500] if isinstance(url, str) and url.startswith("https://") else None
        session.add(entry)
        memory.record(session, scope="ops", actor="occ", action="qa.ticket", rationale=entry.question,
                      external_ref=f"linear:{entry.ticket_identifier}", evidence_url=entry.ticket_url,
                      payload={"entry": entry.ref, "tile": entry.tile})
        enqueue(session, channel=entry.reporter, message=self.views.ticket_filed(entry))

    # --- reads ------------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 15) -> list[Shown]:
        """Entries matching every word, best match first."""
        with self.db.session() as session:
            ids = search_ids(session, SEARCH, text, limit=limit)
            return self._shown(session, ids)

    def recent(self, text: str = "", limit: int = 15) -> list[Shown]:
        """The most recent entries, or the most recent of those matching every word."""
        with self.db.session() as session:
            if words(text):
                ids = sorted(search_ids(session, SEARCH, text, limit=500), reverse=True)[:limit]
            else:
                ids = list(session.exec(select(QAEntry.id).order_by(QAEntry.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
            return self._shown(session, ids)

    def _shown(self, session: Session, ids: list[int]) -> list[Shown]:
        rows = {e.id: e for e in session.exec(select(QAEntry).where(QAEntry.id.in_(ids or [-1]))).all()}  # type: ignore[union-attr]
        entries = [rows[i] for i in ids if i in rows]
        outbox_ids = [e.ticket_outbox_id for e in entries if e.ticket_outbox_id and not e.ticket_identifier]
        outbox = {r.id: r for r in session.exec(select(OutboxMessage).where(
            OutboxMessage.id.in_(outbox_ids or [-1]))).all()}  # type: ignore[union-attr]
        return [Shown(e, self._state(e, outbox.get(e.ticket_outbox_id))) for e in entries]

    def _state(self, entry: QAEntry, row: OutboxMessage | None) -> Ticket:
        if entry.ticket_identifier:
            return Ticket("filed", entry.ticket_identifier, entry.ticket_url)
        if not entry.confusing or entry.ticket_outbox_id is None:
            return Ticket("none")
        if row is not None and row.status == "failed":
            return Ticket("failed", detail=row.last_error)
        if not self.linear_ready:
            return Ticket("pending", detail="Linear is not configured yet; it is filed once LINEAR_API_KEY is set")
        return Ticket("pending", detail=row.last_error if row is not None and row.last_error else None)

    def session_log(self, session: Session, session_id: int) -> list[LogRow]:
        """Training reads this (registered at install): the session's Q&A in the team's columns."""
        entries = session.exec(select(QAEntry).where(QAEntry.session_id == session_id)
                               .order_by(QAEntry.created_at, QAEntry.id)).all()
        return [LogRow(timestamp=e.created_at, participant=e.participant, question=e.question, tile=e.tile,
                       answer=e.answer, owner=e.owner, follow_up_due=e.follow_up_due, ref=e.ref,
                       ticket=e.ticket_identifier) for e in entries]


def _short(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None

