"""Incident lifecycle against storage. Every change is one transaction: the incident row, its
timeline entry, and the outbox rows that announce it (so what a person was told is durable)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import union, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from chatops.core.timefmt import duration
from chatops.memory import log as memory
from chatops.outbox import enqueue
from storage.db import Database
from storage.repos import claim_event, next_number

from .models import Incident, IncidentEvent
from .rules import OPEN_STATUSES, REMINDED, SEVERITIES, STATUSES, median, percentile

Message = dict[str, Any]


class IncidentViews(Protocol):
    """How incidents read in Slack (blocks.incidents), bound at install time."""

    def announcement(self, inc: Incident, now: datetime) -> Message: ...

    def note_reply(self, inc: Incident, actor: str, note: str) -> Message: ...

    def reminder(self, inc: Incident, now: datetime) -> Message: ...


@dataclass(frozen=True)
class NewIncident:
    title: str
    severity: str
    integration: str
    reporter: str
    description: str | None = None
    commander: str | None = None
    detected_at: datetime | None = None
    alert_episode_id: int | None = None
    view_id: str | None = None  # the modal submission: a resubmitted view returns the same incident


@dataclass
class Outcome:
    incident: Incident | None
    changed: bool = True


@dataclass(frozen=True)
class Stats:
    days: int
    by_severity: dict[str, int]
    total: int
    open: int
    tta: tuple[float | None, float | None, int]  # median, p90 (minutes), sample size
    ttr: tuple[float | None, float | None, int]


class IncidentService:
    """Writes lock the incident row first (a no-op UPDATE, then SELECT … FOR UPDATE: PostgreSQL's
    row lock, SQLite's write lock), so two people resolving at once resolve it once, across threads
    and processes alike, and a locked database is waited for only as long as the session allows."""

    def __init__(self, db: Database, channel: str | None, views: IncidentViews):
        self.db = db
        self.channel = channel
        self.views = views

    # --- writes -------------------------------------------------------------------------
    def create(self, new: NewIncident, now: datetime | None = None) -> Incident:
        now = now or datetime.now(timezone.utc)
        if new.view_id:
            existing = self._by_view(new.view_id)
            if existing is not None:
                return existing
        try:
            return self._create(new, now)
        except IntegrityError:
            existing = self._by_view(new.view_id) if new.view_id else None
            if existing is None:
                raise
            return existing

    def _by_view(self, view_id: str) -> Incident | None:
        with self.db.session() as session:
            inc = session.exec(select(Incident).where(Incident.view_id == view_id[:32])).first()
            return inc

    def _create(self, new: NewIncident, now: datetime) -> Incident:
        with self.db.session() as session:
            inc = Incident(number=next_number(session, "incident"), title=new.title.strip()[:150],
                           severity=new.severity, integration=new.integration,
                           description=(new.description or "").strip()[:3000] or None,
                           commander=(new.commander or "")[:32] or None, reporter=new.reporter[:64],
                           status="investigating", detected_at=min(new.detected_at or now, now), created_at=now,
                           alert_episode_id=new.alert_episode_id, channel=self.channel,
                           view_id=new.view_id[:32] if new.view_id else None)
            session.add(inc)
            session.flush()
            self._event(session, inc, new.reporter, "created", f"opened as {inc.severity} ({inc.status})", now)
            if self.channel:
                inc.outbox_id = enqueue(session, channel=self.channel, message=self.views.announcement(inc, now)).id
            session.add(inc)
            return inc

    def _change(self, number: int, now: datetime, apply: Callable[[Session, Incident], str | None],
                *, reannounce: bool = True, once: str | None = None) -> Outcome:
        """Load (locked), apply (which returns the timeline text, or None for no change), record,
        re-announce — all in one transaction. `once`: a key (a modal's view id) that makes a
        resubmission of the same change a no-op."""
        with self.db.session() as session:
            # a no-op write first: SQLite's write lock (so another process cannot interleave) and
            # PostgreSQL's row lock, before anything is read
            session.execute(update(Incident).where(Incident.number == number).values(number=Incident.number))
            inc = session.exec(select(Incident).where(Incident.number == number).with_for_update()).first()
            if inc is None:
                return Outcome(None, changed=False)
            if once is not None and not claim_event(session, f"view:{once}", "view_submission"):
                return Outcome(inc, changed=False)
            text = apply(session, inc)
            if text is None:
                return Outcome(inc, changed=False)
            session.add(inc)
            if reannounce:
                self._reannounce(session, inc, now)
            return Outcome(inc)

    def acknowledge(self, number: int, actor: str, now: datetime | None = None) -> Outcome:
        now = now or datetime.now(timezone.utc)

        def apply(session: Session, inc: Incident) -> str | None:
            if inc.acknowledged_at is not None or inc.status == "resolved":
                return None
            inc.acknowledged_at, inc.acknowledged_by = now, actor[:64]
            minutes = (now - inc.detected_at).total_seconds() / 60
            return self._event(session, inc, actor, "acknowledged", f"acknowledged after {minutes:.0f} min", now)

        return self._change(number, now, apply)

    def set_status(self, number: int, status: str, actor: str, note: str | None = None,
                   now: datetime | None = None, once: str | None = None) -> Outcome:
        if status == "resolved":
            return self.resolve(number, actor, note, now, once=once)
        if status not in STATUSES:
            raise ValueError(status)
        now = now or datetime.now(timezone.utc)

        def apply(session: Session, inc: Incident) -> str | None:
            if inc.status == status or inc.status == "resolved":
                return None
            previous, inc.status = inc.status, status
            self._implicit_ack(session, inc, actor, now)
            text = f"status {previous} → {status}" + (f": {note.strip()}" if note and note.strip() else "")
            return self._event(session, inc, actor, "status", text, now)

        return self._change(number, now, apply, once=once)

    def add_note(self, number: int, actor: str, note: str, now: datetime | None = None,
                 once: str | None = None) -> Outcome:
        now = now or datetime.now(timezone.utc)

        def apply(session: Session, inc: Incident) -> str | None:
            text = self._event(session, inc, actor, "note", note.strip(), now)
            if inc.outbox_id is not None and inc.channel:
                enqueue(session, channel=inc.channel, parent_id=inc.outbox_id,
                        message=self.views.note_reply(inc, actor, note.strip()))
            return text

        # a note is a thread reply, not an edit
        return self._change(number, now, apply, reannounce=False, once=once)

    def resolve(self, number: int, actor: str, note: str | None = None, now: datetime | None = None,
                once: str | None = None) -> Outcome:
        """Resolve; resolving a resolved incident changes nothing. Writes a Memory `ops` entry."""
        now = now or datetime.now(timezone.utc)

        def apply(session: Session, inc: Incident) -> str | None:
            if inc.status == "resolved":
                return None
            inc.status, inc.resolved_at, inc.resolved_by = "resolved", now, actor[:64]
            inc.resolution_note = (note or "").strip()[:3000] or None
            self._implicit_ack(session, inc, actor, now)
            took = duration(now - inc.detected_at)
            memory.record(session, scope="ops", actor=actor, action="incident.resolve",
                          rationale=inc.resolution_note or f"{inc.ref} resolved", external_ref=f"incident:{inc.ref}",
                          payload={"title": inc.title, "severity": inc.severity, "integration": inc.integration,
                                   "detected_at": inc.detected_at.isoformat(), "resolved_at": now.isoformat(),
                                   "resolution_minutes": round((now - inc.detected_at).total_seconds() / 60, 1)})
            return self._event(session, inc, actor, "resolved", f"resolved after {took}"
                               + (f": {inc.resolution_note}" if inc.resolution_note else ""), now)

        return self._change(number, now, apply, once=once)

    def remind_due(self, now: datetime | None = None) -> int:
        """Unacknowledged SEV1/SEV2 past their response target: one reminder each, via the outbox."""
        now = now or datetime.now(timezone.utc)
        count = 0
        with self.db.session() as session:
            rows = session.exec(select(Incident).where(Incident.severity.in_(REMINDED))  # type: ignore[attr-defined]
                                .where(Incident.status.in_(OPEN_STATUSES))  # type: ignore[attr-defined]
                                .where(Incident.acknowledged_at.is_(None))  # type: ignore[union-attr]
                                .where(Incident.reminded_at.is_(None))).all()  # type: ignore[union-attr]
            for inc in rows:
                if now - inc.detected_at < SEVERITIES[inc.severity].respond_within or not inc.channel:
                    continue
                inc.reminded_at = now
                session.add(inc)
                self._event(session, inc, "occ", "reminder", "response target passed unacknowledged", now)
                enqueue(session, channel=inc.channel, parent_id=inc.outbox_id,
                        message=self.views.reminder(inc, now), dedupe_key=f"incident-reminder:{inc.number}")
                count += 1
        return count

    # --- reads --------------------------------------------------------------------------
    def get(self, number: int) -> tuple[Incident | None, list[IncidentEvent]]:
        with self.db.session() as session:
            inc = self._by_number(session, number)
            if inc is None:
                return None, []
            events = list(session.exec(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id)
                                       .order_by(IncidentEvent.id)).all())
            return inc, events

    def open_incidents(self) -> list[Incident]:
        with self.db.session() as session:
            rows = session.exec(select(Incident).where(Incident.status.in_(OPEN_STATUSES))  # type: ignore[attr-defined]
                                .order_by(Incident.number)).all()
            return list(rows)

    def resolved_between(self, since: datetime, until: datetime) -> list[Incident]:
        with self.db.session() as session:
            return list(session.exec(select(Incident).where(Incident.resolved_at >= since)  # type: ignore[operator]
                                     .where(Incident.resolved_at < until).order_by(Incident.number)).all())

    def detected_by_day(self, since: datetime, days: int) -> list[float]:
        with self.db.session() as session:
            times = session.exec(select(Incident.detected_at).where(Incident.detected_at >= since)).all()
        counts = [0.0] * days
        for at in times:
            if 0 <= (index := (at - since).days) < days:
                counts[index] += 1
        return counts

    def stats(self, days: int, now: datetime | None = None) -> Stats:
        """Incidents detected in the window, by severity; time to acknowledge over those
        acknowledged in it, time to resolve (MTTR) over those resolved in it."""
        now = now or datetime.now(timezone.utc)
        since = now - timedelta(days=days)
        # detected, acknowledged or resolved since: one indexed range each (an OR of the three
        # made SQLite scan the whole table: 30 ms at 100,000 incidents)
        in_window = union(*(select(Incident.id).where(column >= since)  # type: ignore[operator]
                            for column in (Incident.detected_at, Incident.acknowledged_at, Incident.resolved_at)))
        with self.db.session() as session:
            rows = session.execute(select(  # the five columns it reads, not whole incidents: 3x cheaper
                Incident.severity, Incident.status, Incident.detected_at, Incident.acknowledged_at,
                Incident.resolved_at).where(Incident.id.in_(in_window))).all()  # type: ignore[union-attr]
        detected = [i for i in rows if i.detected_at >= since]
        by_sev = {name: sum(1 for i in detected if i.severity == name) for name in SEVERITIES}
        tta = [(i.acknowledged_at - i.detected_at).total_seconds() / 60
               for i in rows if i.acknowledged_at and i.acknowledged_at >= since]
        ttr = [(i.resolved_at - i.detected_at).total_seconds() / 60 for i in rows if i.resolved_at and i.resolved_at >= since]
        return Stats(days, by_sev, len(detected), sum(1 for i in detected if i.status != "resolved"),
                     (median(tta), percentile(tta, 90), len(tta)), (median(ttr), percentile(ttr, 90), len(ttr)))

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def _by_number(session: Session, number: int) -> Incident | None:
        return session.exec(select(Incident).where(Incident.number == number)).first()

    def _implicit_ack(self, session: Session, inc: Incident, actor: str, now: datetime) -> None:
        """Moving an incident on, or resolving it, is responding to it: the first such act
        acknowledges it (and says so on the timeline)."""
        if inc.acknowledged_at is None:
            inc.acknowledged_at, inc.acknowledged_by = now, actor[:64]
            minutes = (now - inc.detected_at).total_seconds() / 60
            self._event(session, inc, actor, "acknowledged", f"acknowledged after {minutes:.0f} min", now)

    @staticmethod
    def _event(session: Session, inc: Incident, actor: str, kind: str, text: str, now: datetime) -> str:
        session.add(IncidentEvent(incident_id=inc.id, at=now, actor=actor[:64], kind=kind, text=text[:3000]))
        return text

    def _reannounce(self, session: Session, inc: Incident, now: datetime) -> None:
        if inc.outbox_id is not None and inc.channel:
            enqueue(session, channel=inc.channel, kind="update", parent_id=inc.outbox_id,
                    message=self.views.announcement(inc, now))
