"""Reply templates (Chatwoot canned responses), their versions and their reviews."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCField, references_outbox

BODY_MAX = 5000  # what is stored; a body people may publish is shorter (chatops.templates.lint)


class Template(SQLModel, table=True):
    """One template, keyed by its Chatwoot `short_code`. `seen_body` is what Chatwoot last held
    (seen by a sync, or put there by a publish): a sync finding anything else there is drift."""

    __tablename__ = "template"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # the short_code
    label: str = Field(max_length=100)
    current_version: int = 1
    chatwoot_id: int | None = None  # the canned response's id, once known
    seen_body: str | None = Field(default=None, max_length=BODY_MAX)
    seen_at: datetime | None = UTCField()  # the last sync that found it in Chatwoot
    published_version: int | None = None
    published_at: datetime | None = UTCField()
    published_by: str | None = Field(default=None, max_length=64)
    publish_outbox_id: int | None = references_outbox()  # the latest publish asked for
    publish_version: int | None = None  # the version that publish carries
    publish_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = UTCField(nullable=False)


class TemplateVersion(SQLModel, table=True):
    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("template_id", "version", name="uq_template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="template.id", index=True)
    version: int
    body: str = Field(max_length=BODY_MAX)
    author: str = Field(max_length=64)  # a Slack user id, "chatwoot" (drift), "occ" (built-in)
    source: str = Field(max_length=16)  # builtin | review | chatwoot
    created_at: datetime = UTCField(nullable=False)


class TemplateReview(SQLModel, table=True):
    __tablename__ = "template_review"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="template.id", index=True)
    version: int  # the version reviewed (a changed body is a new version, reviewed as written)
    previous_version: int  # the version the reviewer opened
    decision: str = Field(max_length=16)  # approve | request_changes | reject
    tone: int
    accuracy: int
    policy: int
    note: str | None = Field(default=None, max_length=3000)
    reviewer: str = Field(max_length=64)
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # promises noticed
    diff: str | None = Field(default=None, max_length=6000)  # readable word diff when the body changed
    view_id: str | None = Field(default=None, max_length=32, unique=True)  # the modal it came from
    created_at: datetime = UTCField(nullable=False, index=True)
