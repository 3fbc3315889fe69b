"""Training sessions against storage: schedule, start, end (every Q&A item of the session goes to
Memory `ops`), report (posted with the CSV in its thread, through the outbox) and the reminder an
hour before, claimed once in the database so restarts and replicas post it once.

The Q&A log itself belongs to the qa feature, which registers it with `provide_log` at install:
training never reads qa's tables."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import update
from sqlmodel import Session, select

from chatops.memory import log as memory
from chatops.outbox import enqueue
from storage.db import Database

from .models import LogRow, TrainingSession
from .rules import REMIND_BEFORE, Schedule, is_running, is_upcoming, log_csv

Message = dict[str, Any]
LogSource = Callable[[Session, int], list[LogRow]]


class TrainingViews(Protocol):
    """How training reads in Slack (blocks.training), bound at install time."""

    def reminder(self, session: TrainingSession, now: datetime) -> Message: ...

    def report_message(self, session: TrainingSession, rows: list[LogRow]) -> Message: ...


@dataclass(frozen=True)
class Outcome:
    session: TrainingSession | None
    changed: bool = True
    problem: str | None = None  # why nothing changed, in plain words
    items: int = 0  # end: the Q&A items written to Memory


@dataclass(frozen=True)
class Report:
    session: TrainingSession
    rows: list[LogRow]
    channel: str
    filename: str


class TrainingService:
    def __init__(self, db: Database, *, channel: str | None, views: TrainingViews):
        self.db = db
        self.channel = channel  # OCC_SUPPORT_CHANNEL: reminders and reports
        self.views = views
        self._log: LogSource | None = None

    def provide_log(self, source: LogSource) -> None:
        if self._log is not None:
            raise ValueError("the training Q&A log is provided twice")
        self._log = source

    def _rows(self, session: Session, session_id: int) -> list[LogRow]:
        return self._log(session, session_id) if self._log is not None else []

    # --- writes ----------------------------------------------------------------------------------
    def schedule(self, when: Schedule, actor: str, now: datetime | None = None) -> TrainingSession:
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            row = TrainingSession(topic=when.topic[:200], starts_at=when.starts_at, created_by=actor[:64],
                                  created_at=now)
            session.add(row)
            session.flush()
            memory.record(session, scope="ops", actor=actor, action="training.schedule", rationale=row.topic,
                          external_ref=f"training:{row.ref}",
                          payload={"starts_at": row.starts_at.isoformat(), "minutes": row.duration_min})
            return row

    def _locked(self, session: Session, session_id: int) -> TrainingSession | None:
        # a no-op write first: SQLite's write lock and PostgreSQL's row lock before anything is read
        session.execute(update(TrainingSession).where(TrainingSession.id == session_id)
                        .values(duration_min=TrainingSession.duration_min))
        return session.exec(select(TrainingSession).where(TrainingSession.id == session_id).with_for_update()).first()

    def start(self, session_id: int, actor: str, now: datetime | None = None) -> Outcome:
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            # every session's row locked (a no-op write on them all): two sessions started at the same
            # moment, by two replicas, cannot both be running
            session.execute(update(TrainingSession).values(duration_min=TrainingSession.duration_min))
            row = self._locked(session, session_id)
            if row is None:
                return Outcome(None, changed=False)
            if row.ended_at is not None:
                return Outcome(row, changed=False, problem=f"Session {row.ref} has already ended.")
            if row.started_at is not None:
                return Outcome(row, changed=False)
            other = self._running(session, now)
            if other is not None:
                return Outcome(row, changed=False, problem=f"Session {other.ref} is running; end it first "
                                                           f"(`/occ training end {other.id}`).")
            row.started_at, row.started_by = now, actor[:64]
            session.add(row)
            return Outcome(row)

    def end(self, session_id: int, actor: str, now: datetime | None = None) -> Outcome:
        """End it; every Q&A item captured during it goes to Memory `ops`, with a summary entry."""
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            row = self._locked(session, session_id)
            if row is None:
                return Outcome(None, changed=False)
            if row.ended_at is not None:
                return Outcome(row, changed=False)
            if row.started_at is None:
                return Outcome(row, changed=False, problem=f"Session {row.ref} has not started "
                                                           f"(`/occ training start {row.id}`).")
            row.ended_at, row.ended_by = now, actor[:64]
            session.add(row)
            rows = self._rows(session, session_id)
            for item in rows:
                memory.record(session, scope="ops", actor=item.participant, action="training.qa",
                              rationale=item.question, external_ref=f"training:{row.ref}",
                              payload={"entry": item.ref, "timestamp": item.timestamp.isoformat(), "tile": item.tile,
                                       "answer": item.answer, "owner": item.owner, "ticket": item.ticket,
                                       "follow_up_due": item.follow_up_due.isoformat() if item.follow_up_due else None})
            memory.record(session, scope="ops", actor=actor, action="training.end",
                          rationale=f"{row.topic}: {len(rows)} question(s)", external_ref=f"training:{row.ref}",
                          payload={"started_at": row.started_at.isoformat(), "ended_at": now.isoformat(),
                                   "questions": len(rows)})
            return Outcome(row, items=len(rows))

    def report(self, session_id: int, fallback_channel: str, now: datetime | None = None) -> Report | None:
        """The session's log, posted (to OCC_SUPPORT_CHANNEL, else where it was asked) with the CSV
        uploaded in the post's thread, both through the outbox."""
        now = now or datetime.now(timezone.utc)
        channel = self.channel or fallback_channel
        with self.db.session() as session:
            row = session.get(TrainingSession, session_id)
            if row is None:
                return None
            rows = self._rows(session, session_id)
            filename = f"training-{row.id}-qa-log-{now.strftime('%Y%m%d-%H%M%S')}.csv"
            post = enqueue(session, channel=channel, message=self.views.report_message(row, rows))
            enqueue(session, channel=channel, kind="file", parent_id=post.id,
                    message={"filename": filename, "content": log_csv(rows),
                             "title": f"Training {row.ref} Q&A log: {row.topic}"[:250]})
            return Report(row, rows, channel, filename)

    def remind_due(self, now: datetime | None = None) -> int:
        """Sessions starting within the hour: one reminder each in OCC_SUPPORT_CHANNEL."""
        now = now or datetime.now(timezone.utc)
        if not self.channel:
            return 0
        count = 0
        with self.db.session() as session:
            due = session.exec(select(TrainingSession).where(TrainingSession.reminder_claimed_at.is_(None))  # type: ignore[union-attr]
                               .where(TrainingSession.started_at.is_(None))  # type: ignore[union-attr]
                               .where(TrainingSession.ended_at.is_(None))  # type: ignore[union-attr]
                               .where(TrainingSession.starts_at > now)
                               .where(TrainingSession.starts_at <= now + REMIND_BEFORE)).all()
            for row in due:
                won = session.execute(update(TrainingSession).where(TrainingSession.id == row.id)
                                      .where(TrainingSession.reminder_claimed_at.is_(None))  # type: ignore[union-attr]
                                      .values(reminder_claimed_at=now)).rowcount == 1
                if not won:
                    continue
                row.reminder_outbox_id = enqueue(session, channel=self.channel, message=self.views.reminder(row, now),
                                                 dedupe_key=f"training-reminder:{row.id}").id
                session.add(row)
                count += 1
        return count

    # --- reads -----------------------------------------------------------------------------------
    def get(self, session_id: int) -> TrainingSession | None:
        with self.db.session() as session:
            return session.get(TrainingSession, session_id)

    def upcoming(self, now: datetime | None = None, limit: int = 25) -> list[TrainingSession]:
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            rows = session.exec(select(TrainingSession).where(TrainingSession.ended_at.is_(None))  # type: ignore[union-attr]
                                .order_by(TrainingSession.starts_at, TrainingSession.id)).all()
        return [r for r in rows if is_upcoming(r, now)][:limit]

    def running(self, now: datetime) -> tuple[int, str] | None:
        """For qa: the session questions captured now belong to (its id and a label)."""
        with self.db.session() as session:
            row = self._running(session, now)
            return (row.id, f"{row.ref} {row.topic}") if row is not None and row.id is not None else None

    @staticmethod
    def _running(session: Session, now: datetime) -> TrainingSession | None:
        rows = session.exec(select(TrainingSession).where(TrainingSession.started_at.is_not(None))  # type: ignore[union-attr]
                            .where(TrainingSession.ended_at.is_(None))  # type: ignore[union-attr]
                            .order_by(TrainingSession.started_at.desc())).all()  # type: ignore[union-attr]
        return next((r for r in rows if is_running(r, now)), None)
