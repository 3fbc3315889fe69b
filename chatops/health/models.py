"""Health's tables: every probe result, the damped state, and alert episodes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from storage.types import UTCField, references_outbox


class ProbeResult(SQLModel, table=True):
    """One probe of one integration: what it answered, how fast, and in which state it left it."""

    __tablename__ = "probe_result"
    __table_args__ = (Index("ix_probe_result_integration_id", "integration", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    integration: str = Field(max_length=32, index=True)
    checked_at: datetime = UTCField(nullable=False, index=True)
    state: str = Field(max_length=16)
    ok: bool
    latency_ms: float | None = None
    error_class: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=500)
    open_conversations: int | None = None
    breaching: int | None = None
    source: str = Field(default="monitor", max_length=16)  # monitor | on_demand


class MonitorState(SQLModel, table=True):
    """The damped (alerting) state of one integration, so a restart resumes where it left off."""

    __tablename__ = "monitor_state"

    integration: str = Field(primary_key=True, max_length=32)
    state: str = Field(max_length=16)
    since: datetime = UTCField(nullable=False)
    updated_at: datetime = UTCField(nullable=False)


class AlertEpisode(SQLModel, table=True):
    """One alert episode: from the first bad state to the recovery. At most one open per key."""

    __tablename__ = "alert_episode"
    __table_args__ = (
        Index("ux_alert_episode_open_key", "key", unique=True,
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, index=True)  # integration:chatwoot, sla:conversation:42, sla_rate:chatwoot
    kind: str = Field(max_length=32)  # integration | sla_conversation | sla_rate
    subject: str = Field(max_length=64)  # integration key, or conversation id
    state: str = Field(max_length=16)  # DOWN / DEGRADED / P1 / warning / critical …
    opened_at: datetime = UTCField(nullable=False)
    changed_at: datetime = UTCField(nullable=False)
    resolved_at: datetime | None = UTCField()
    channel: str = Field(max_length=80)
    outbox_id: int | None = references_outbox()
    ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    latency_ms: float | None = None
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    acked_by: str | None = Field(default=None, max_length=32)
    acked_at: datetime | None = UTCField()
    snoozed_until: datetime | None = UTCField()
    snoozed_by: str | None = Field(default=None, max_length=32)
    last_reminder_at: datetime | None = UTCField()


class ConversationSeen(SQLModel, table=True):
    """A Chatwoot conversation the monitor has seen open, and whether it ever breached the
    first-response SLA: the weekly report's SLA adherence."""

    __tablename__ = "conversation_seen"

    conversation_id: str = Field(primary_key=True, max_length=40)
    created_at: datetime = UTCField(nullable=False, index=True)
    first_seen_at: datetime = UTCField(nullable=False)
    breached_at: datetime | None = UTCField()
    escalated: bool = False  # labelled escalation (or escalated) when seen
