"""Verifications of runbooks: who stamped one as checked, and when (the data file's date is the floor)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCField


class RunbookVerification(SQLModel, table=True):
    __tablename__ = "runbook_verification"

    id: int | None = Field(default=None, primary_key=True)
    runbook_id: str = Field(max_length=50, index=True)
    verified_by: str = Field(max_length=64)
    verified_at: datetime = UTCField(nullable=False)
