"""SQLModel tables. Every schema change here comes with an Alembic revision in migrations/versions."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


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
    source: str = Field(default="monitor", max_length=16)  # monitor | on_demand


class SlackEvent(SQLModel, table=True):
    """Events API deliveries already handled, so a retry (X-Slack-Retry-Num) is not handled twice."""

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, index=True)


class Lease(SQLModel, table=True):
    """A named lease: its holder runs the one-per-deployment jobs until `expires_at`."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime
    acquired_at: datetime = Field(default_factory=utcnow)


class MonitorState(SQLModel, table=True):
    """The damped (alerting) state of one integration, so a restart resumes where it left off."""

    __tablename__ = "monitor_state"

    integration: str = Field(primary_key=True, max_length=32)
    state: str = Field(max_length=16)
    since: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


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
    opened_at: datetime = Field(default_factory=utcnow)
    changed_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    channel: str = Field(max_length=80)
    outbox_id: int | None = None  # the post that announced it; its ts lives on that outbox row
    ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    latency_ms: float | None = None
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    acked_by: str | None = Field(default=None, max_length=32)
    acked_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str | None = Field(default=None, max_length=32)
    last_reminder_at: datetime | None = None


class OutboxMessage(SQLModel, table=True):
    """A message to deliver: written first (with the change it announces), sent by the leader."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # post | update
    channel: str = Field(max_length=80)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    parent_id: int | None = Field(default=None, index=True)  # update: the post to edit; post: thread under it
    dedupe_key: str | None = Field(default=None, max_length=160, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=300)
    uncertain: bool = False  # the last send may have reached Slack: look for it before posting again


class Counter(SQLModel, table=True):
    """Gapless numbering (INC-1, INC-2, …): incremented in the transaction that uses the number."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


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
    detected_at: datetime = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution_note: str | None = Field(default=None, max_length=3000)
    alert_episode_id: int | None = None
    channel: str | None = Field(default=None, max_length=80)
    outbox_id: int | None = None  # the announcement; its ts lives on that outbox row
    ts: str | None = Field(default=None, max_length=32)
    reminded_at: datetime | None = None
    view_id: str | None = Field(default=None, max_length=32, unique=True)  # the modal it came from

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


class IncidentEvent(SQLModel, table=True):
    """The timeline: every change and note, who and when."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=24)  # created | acknowledged | status | note | resolved | reminder
    text: str = Field(default="", max_length=3000)


class MemoryEntry(SQLModel, table=True):
    """The decision log (DOMAIN.md Memory): scope ops | build."""

    __tablename__ = "memory_entry"

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    rationale: str | None = Field(default=None, max_length=3000)
    evidence_url: str | None = Field(default=None, max_length=500)
    external_ref: str | None = Field(default=None, max_length=128, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
