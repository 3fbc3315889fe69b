"""Incidents and their timeline."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCField, references_outbox


class Incident(SQLModel, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    title: str = Field(max_length=150)
    severity: str = Field(max_length=8, index=True)
    integration: str = Field(max_length=32)
    description: str | None = Field(default=None, max_length=3000)
    commander: str | None = Field(default=None, max_length=32)
    reporter: str = Field(max_length=64)
    status: str = Field(default="investigating", max_length=16, index=True)
    detected_at: datetime = UTCField(nullable=False, index=True)
    created_at: datetime = UTCField(nullable=False)
    acknowledged_at: datetime | None = UTCField(index=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = UTCField(index=True)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution_note: str | None = Field(default=None, max_length=3000)
    alert_episode_id: int | None = None
    channel: str | None = Field(default=None, max_length=80)
    outbox_id: int | None = references_outbox()
    ts: str | None = Field(default=None, max_length=32)
    reminded_at: datetime | None = UTCField()
    view_id: str | None = Field(default=None, max_length=32, unique=True)  # the modal it came from

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


class IncidentEvent(SQLModel, table=True):
    """The timeline: every change and note, who and when."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = UTCField(nullable=False)
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=24)  # created | acknowledged | status | note | resolved | reminder
    text: str = Field(default="", max_length=3000)
