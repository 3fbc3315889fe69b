"""Pure rules of training: reading `<YYYY-MM-DD> <HH:MM> <topic>` (UTC), which sessions count as
running or upcoming, when a reminder is due, and the Q&A log as CSV."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from .models import LogRow

DEFAULT_MINUTES = 90  # DOMAIN.md: 90-minute sessions
REMIND_BEFORE = timedelta(hours=1)
RUNNING_AT_MOST = timedelta(hours=12)  # a session never ended stops collecting questions after this
TOPIC_MAX = 200
COLUMNS = ("timestamp", "participant", "question", "tile", "answer", "owner", "follow-up due")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")  # ASCII digits only (\d takes any script's)
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


@dataclass(frozen=True)
class Schedule:
    starts_at: datetime  # aware, UTC
    topic: str


@dataclass(frozen=True)
class Refusal:
    reason: str
    example: str


def example(now: datetime) -> str:
    """A command that would work now: tomorrow at 15:00 UTC."""
    tomorrow = (now.astimezone(timezone.utc) + timedelta(days=1)).date()
    return f"/occ training schedule {tomorrow.isoformat()} 15:00 Inventory Heatmap walkthrough"


def parse_schedule(args: str, now: datetime) -> Schedule | Refusal:
    """`2026-12-03 15:00 Inventory Heatmap walkthrough` → a session starting then (UTC). Refused:
    a malformed or impossible date or time (Feb 30, 24:00), no topic, or a start not after `now`."""
    hint = example(now)
    parts = args.strip().split(maxsplit=2)
    if len(parts) < 3 or not parts[2].strip():
        return Refusal("Give a date, a time (UTC) and a topic.", hint)
    day, clock, topic = parts
    date_match, time_match = _DATE.match(day), _TIME.match(clock)
    if not date_match:
        return Refusal(f"`{day[:20]}` is not a date written YYYY-MM-DD.", hint)
    if not time_match:
        return Refusal(f"`{clock[:20]}` is not a time written HH:MM (24-hour, UTC).", hint)
    try:
        starts_at = datetime(int(date_match[1]), int(date_match[2]), int(date_match[3]),
                             int(time_match[1]), int(time_match[2]), tzinfo=timezone.utc)
    except ValueError:
        return Refusal(f"{day} {clock} is not a real date and time.", hint)
    if starts_at <= now:
        return Refusal(f"{day} {clock} UTC is not in the future (it is now "
                       f"{now.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC).", hint)
    topic = " ".join(topic.split())
    if len(topic) > TOPIC_MAX:
        return Refusal(f"Keep the topic within {TOPIC_MAX} characters.", hint)
    return Schedule(starts_at, topic)


def parse_id(text: str) -> int | None:
    """`3`, `#3` → 3; anything else → None."""
    token = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    token = token[1:] if token.startswith("#") else token
    return int(token) if token.isascii() and token.isdigit() and 0 < int(token) < 2**31 else None


def is_running(session: Any, now: datetime) -> bool:
    return (session.started_at is not None and session.ended_at is None
            and now < session.started_at + RUNNING_AT_MOST)


def is_upcoming(session: Any, now: datetime) -> bool:
    """Not ended, and either running or not over yet by its schedule."""
    return session.ended_at is None and (is_running(session, now) or session.ends_at > now)


def reminder_due(session: Any, now: datetime) -> bool:
    """Within the hour before the start, never started, not reminded yet."""
    return (session.reminder_claimed_at is None and session.started_at is None and session.ended_at is None
            and session.starts_at - REMIND_BEFORE <= now < session.starts_at)


def _cell(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: keep it text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def log_csv(rows: Iterable[LogRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.timestamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                         _cell(row.participant), _cell(row.question), _cell(row.tile), _cell(row.answer or ""),
                         _cell(row.owner or ""), row.follow_up_due.isoformat() if row.follow_up_due else ""])
    return out.getvalue()
