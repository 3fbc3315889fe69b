"""Training sessions, and the row shape of a session's Q&A log (DOMAIN.md Training)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Field, SQLModel

from storage.types import UTCField, references_outbox


class TrainingSession(SQLModel, table=True):
    __tablename__ = "training_session"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=200)
    starts_at: datetime = UTCField(nullable=False, index=True)
    duration_min: int = 90
    created_by: str = Field(max_length=64)
    created_at: datetime = UTCField(nullable=False)
    started_at: datetime | None = UTCField()
    started_by: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = UTCField()
    ended_by: str | None = Field(default=None, max_length=64)
    reminder_claimed_at: datetime | None = UTCField()  # the reminder, claimed once across replicas
    reminder_outbox_id: int | None = references_outbox()

    @property
    def ref(self) -> str:
        return f"#{self.id}"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)


@dataclass(frozen=True)
class LogRow:
    """One line of a session's Q&A log, in the team's columns."""

    timestamp: datetime
    participant: str
    question: str
    tile: str
    answer: str | None
    owner: str | None
    follow_up_due: date | None
    ref: str = ""  # the entry
    ticket: str | None = None  # its Linear identifier, when filed
