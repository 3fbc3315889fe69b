"""Captured questions (DOMAIN.md Training: the Q&A log) and their Linear tickets."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date
from sqlmodel import Field, SQLModel

from storage.types import UTCField, references_outbox


class QAEntry(SQLModel, table=True):
    __tablename__ = "qa_entry"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=3000)
    answer: str | None = Field(default=None, max_length=3000)
    tile: str = Field(max_length=32, index=True)  # a dashboard tile, or Other
    confusing: bool = False  # a confusing dashboard state: files a Linear ticket
    reporter: str = Field(max_length=64)  # who captured it
    author: str | None = Field(default=None, max_length=64)  # who asked it (a captured message's author)
    owner: str | None = Field(default=None, max_length=64)
    follow_up_due: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    permalink: str | None = Field(default=None, max_length=500)  # the Slack message it came from
    channel_id: str | None = Field(default=None, max_length=80)
    message_ts: str | None = Field(default=None, max_length=32)
    screenshots: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    session_id: int | None = Field(default=None, index=True)  # the training session running at capture
    view_id: str | None = Field(default=None, max_length=32, unique=True)  # the modal submission
    ticket_outbox_id: int | None = references_outbox()  # the Linear outbox row
    ticket_identifier: str | None = Field(default=None, max_length=32)
    ticket_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = UTCField(nullable=False, index=True)

    @property
    def ref(self) -> str:
        return f"Q-{self.id}"

    @property
    def participant(self) -> str:
        """Who asked: the captured message's author, else whoever captured it."""
        return self.author or self.reporter
