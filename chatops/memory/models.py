"""The decision log (DOMAIN.md Memory): entries and facts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCField


class MemoryEntry(SQLModel, table=True):
    __tablename__ = "memory_entry"
    __table_args__ = (Index("ix_memory_entry_scope_created_at", "scope", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16, index=True)  # ops | build
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    rationale: str | None = Field(default=None, max_length=3000)
    evidence_url: str | None = Field(default=None, max_length=500)
    external_ref: str | None = Field(default=None, max_length=128, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = UTCField(nullable=False, index=True)


class MemoryFact(SQLModel, table=True):
    """The current value of something the team decided (topic/key → value), latest write wins."""

    __tablename__ = "memory_fact"

    topic: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(max_length=3000)
    created_at: datetime = UTCField(nullable=False)
