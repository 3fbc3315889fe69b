"""Runbooks: the catalog (data files), matching, and verifications kept in storage. No Slack here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Sequence

from sqlalchemy import func
from sqlmodel import select

from chatops.memory.log import record
from storage.db import Database

from .catalog import Runbook
from .match import best
from .models import RunbookVerification

STALE_AFTER = timedelta(days=90)  # a runbook not verified for longer than this is flagged


@dataclass(frozen=True)
class Entry:
    book: Runbook
    verified_at: datetime
    verified_by: str | None  # None: the date in the data file

    def stale(self, now: datetime) -> bool:
        return now - self.verified_at > STALE_AFTER


class RunbookService:
    def __init__(self, db: Database, books: Sequence[Runbook]):
        self.db = db
        self.books = tuple(books)
        self._by_id = {b.id: b for b in self.books}

    def get(self, runbook_id: str) -> Runbook | None:
        return self._by_id.get(runbook_id.strip().lower())

    def for_integration(self, key: str) -> Runbook | None:
        return next((b for b in self.books if b.integration == key), None)

    def find(self, query: str) -> Runbook | None:
        return best(self.books, query)

    def resolve(self, value: str) -> Runbook | None:
        """A button's value: a runbook id, or `integration:<key>` for that integration's outage runbook."""
        kind, _, rest = value.partition(":")
        return self.for_integration(rest) if kind == "integration" else self.get(value)

    def entries(self, books: Sequence[Runbook] | None = None) -> list[Entry]:
        books = self.books if books is None else books
        with self.db.session() as session:
            latest = dict(session.exec(select(RunbookVerification.runbook_id, func.max(RunbookVerification.id))
                                       .group_by(RunbookVerification.runbook_id)).all())
            rows = {r.runbook_id: r for r in session.exec(select(RunbookVerification).where(
                RunbookVerification.id.in_(list(latest.values()) or [-1]))).all()}  # type: ignore[union-attr]
        out = []
        for book in books:
            base = datetime.combine(book.last_verified, time(0, 0), tzinfo=timezone.utc)
            row = rows.get(book.id)
            if row is not None and row.verified_at >= base:
                out.append(Entry(book, row.verified_at, row.verified_by))
            else:
                out.append(Entry(book, base, None))
        return out

    def entry(self, book: Runbook) -> Entry:
        return self.entries([book])[0]

    def verify(self, runbook_id: str, actor: str, now: datetime | None = None) -> Entry | None:
        book = self.get(runbook_id)
        if book is None:
            return None
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            session.add(RunbookVerification(runbook_id=book.id, verified_by=actor[:64], verified_at=now))
            record(session, scope="ops", actor=actor, action="runbook.verify", rationale=f"{book.title} verified",
                   external_ref=f"runbook:{book.id}", payload={"sops": list(book.sops)})
        return Entry(book, now, actor)
