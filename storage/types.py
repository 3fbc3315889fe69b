"""Column types shared by every feature's tables.

`UTCDateTime` stores UTC and always hands back an aware UTC datetime, on SQLite (which keeps no
zone) and PostgreSQL alike, so no call site fixes time zones by hand. `references_outbox()` marks a
column that points at an outbox row: retention keeps every row such a column still names."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

OUTBOX_REF = "occ_references_outbox"


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        # SQLite compares the stored text: keep one naive UTC form there
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def UTCField(*, default: Any = None, nullable: bool = True, index: bool = False, **kw: Any) -> Any:  # noqa: N802
    """A UTC datetime column (`default_factory=utcnow` when no default is given and it is required)."""
    if not nullable and default is None and "default_factory" not in kw:
        kw["default_factory"] = utcnow
    elif "default_factory" not in kw:
        kw["default"] = default
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index, **kw)  # type: ignore[call-overload]


def references_outbox() -> Any:
    """An `outbox_id` column: the outbox row (a post) that announced this row. Retention keeps it."""
    return Field(default=None, sa_column_kwargs={"info": {OUTBOX_REF: True}})
