"""The platform's own tables: Events API de-duplication, the leader lease, the outbox, gapless
counters, durable job runs and this database's identity. Each feature keeps its tables in its own
package (`chatops/<feature>/models.py`). Every schema change comes with an Alembic revision."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from .types import UTCField, utcnow

__all__ = ["SlackEvent", "Lease", "OutboxMessage", "Counter", "ScheduledRun", "Installation", "HomeView", "utcnow"]


class SlackEvent(SQLModel, table=True):
    """Deliveries already handled (Events API `event_id`s, modal submissions by view id), so a
    retry is not handled twice."""

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=64)
    received_at: datetime = UTCField(nullable=False, index=True)


class Lease(SQLModel, table=True):
    """A named lease: its holder runs the one-per-deployment jobs until `expires_at`."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = UTCField(nullable=False)
    acquired_at: datetime = UTCField(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """Something to deliver to a target (Slack, Linear, Chatwoot), written in the transaction of
    the change it announces and delivered by the leader."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(default="slack", max_length=16, index=True)  # slack | linear | chatwoot
    kind: str = Field(max_length=16)  # slack: post | update; other targets name their operation
    channel: str | None = Field(default=None, max_length=80)  # slack: the channel; else the pacing key
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    parent_id: int | None = Field(default=None, index=True)  # update: the post to edit; post: thread under it
    dedupe_key: str | None = Field(default=None, max_length=160, unique=True)
    external_id: str | None = Field(default=None, max_length=64)  # chosen before the first try (Linear issue id …)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | failed | superseded
    attempts: int = 0
    next_attempt_at: datetime = UTCField(nullable=False, index=True)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_at: datetime | None = UTCField()
    created_at: datetime = UTCField(nullable=False)
    sent_at: datetime | None = UTCField()
    ts: str | None = Field(default=None, max_length=32)  # slack: the message ts
    result: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # what delivery returned
    last_error: str | None = Field(default=None, max_length=300)
    uncertain: bool = False  # the last send may have gone through: look for it before sending again


class Counter(SQLModel, table=True):
    """Gapless numbering (INC-1, INC-2, …): incremented in the transaction that uses the number."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class ScheduledRun(SQLModel, table=True):
    """A scheduled job's last due time: a run is claimed by moving it forward, once per due time,
    across restarts and replicas."""

    __tablename__ = "scheduled_run"

    name: str = Field(primary_key=True, max_length=64)
    last_due_at: datetime = UTCField(nullable=False)
    last_run_at: datetime | None = UTCField()
    last_error: str | None = Field(default=None, max_length=300)


class Installation(SQLModel, table=True):
    """Facts about this database: `instance` is a random id that marks what this deployment posts."""

    __tablename__ = "installation"

    key: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)


class HomeView(SQLModel, table=True):
    """The App Home view last published for a user (its digest), so an unchanged Home is not
    published again: a burst of opens, or Slack's retry of the event, publishes once."""

    __tablename__ = "home_view"

    user_id: str = Field(primary_key=True, max_length=32)
    digest: str = Field(max_length=64)
    published_at: datetime = UTCField(nullable=False)
