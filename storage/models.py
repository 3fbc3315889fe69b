"""SQLModel tables. Every schema change here comes with an Alembic revision in migrations/versions."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ProbeResult(SQLModel, table=True):
    """One probe of one integration: what it answered, how fast, and in which state it left it."""

    __tablename__ = "probe_result"

    id: int | None = Field(default=None, primary_key=True)
    integration: str = Field(max_length=32, index=True)
    checked_at: datetime = Field(default_factory=utcnow, index=True)
    state: str = Field(max_length=16)
    ok: bool
    latency_ms: float | None = None
    error_class: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=500)
    open_conversations: int | None = None
    breaching: int | None = None


class SlackEvent(SQLModel, table=True):
    """Events API deliveries already handled, so a retry (X-Slack-Retry-Num) is not handled twice."""

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, index=True)
