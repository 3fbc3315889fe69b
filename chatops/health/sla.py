"""Chatwoot's first-response SLA and SOP-CX-001 triage, as pure functions (DOMAIN.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

OPEN_STATUSES = frozenset({"open", "pending"})
ESCALATION_LABELS = frozenset({"escalation", "escalated"})
P1_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class Conversation:
    id: int | str
    status: str
    created_at: datetime
    labels: tuple[str, ...] = ()
    customer: str | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class Breach:
    conversation: Conversation
    breached_at: datetime
    waited: timedelta  # since created_at
    priority: str  # P1 / P2 / P3
    escalated: bool = field(default=False)


MS_THRESHOLD = 10_000_000_000  # a Unix time above this is in milliseconds (year 2286 in seconds)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)  # beyond this, date arithmetic would overflow


def _from_unix(number: float) -> datetime | None:
    try:
        seconds = number / 1000 if abs(number) >= MS_THRESHOLD else number
        parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed < LATEST else None


def _to_datetime(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds), or ISO 8601; None for anything unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_unix(float(value))
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return _from_unix(float(text))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return parsed if parsed < LATEST else None
    return None


def conversation_list(body: Any) -> list[dict[str, Any]]:
    """The conversations in a list response, whichever of the three shapes the server uses:
    `{"data": {"payload": [...]}}`, `{"payload": [...]}` or `{"data": [...]}`."""
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, dict) and isinstance(data.get("payload"), list):
            items = data["payload"]
        elif isinstance(body.get("payload"), list):
            items = body["payload"]
        elif isinstance(data, list):
            items = data
        else:
            items = []
    elif isinstance(body, list):
        items = body
    else:
        items = []
    return [item for item in items if isinstance(item, dict)]


def parse_conversation(raw: dict[str, Any]) -> Conversation | None:
    """A typed conversation, or None when it lacks an id or a usable created_at."""
    conv_id = raw.get("id")
    created = _to_datetime(raw.get("created_at"))
    if conv_id is None or created is None or isinstance(conv_id, (dict, list, bool)):
        return None
    if isinstance(conv_id, str):
        conv_id = conv_id[:40]
    meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
    sender = meta.get("sender") if isinstance(meta.get("sender"), dict) else {}
    assignee = meta.get("assignee") if isinstance(meta.get("assignee"), dict) else {}
    labels = raw.get("labels") if isinstance(raw.get("labels"), list) else []
    return Conversation(
        id=conv_id,
        status=str(raw.get("status") or "open").lower(),
        created_at=created,
        labels=tuple(str(label).lower() for label in labels),
        customer=str(sender["name"]) if sender.get("name") else None,
        assignee=str(assignee["name"]) if assignee.get("name") else None,
    )


def breach_of(conv: Conversation, now: datetime, sla_minutes: int) -> Breach | None:
    """The breach of one conversation, if it is open or pending longer than the SLA."""
    if conv.status not in OPEN_STATUSES:
        return None
    breached_at = conv.created_at + timedelta(minutes=sla_minutes)
    if now <= breached_at:
        return None
    priority = "P1" if now - breached_at > P1_AFTER else "P2"
    return Breach(conv, breached_at, now - conv.created_at, priority, bool(ESCALATION_LABELS & set(conv.labels)))


def triage(conv: Conversation, now: datetime, sla_minutes: int) -> str | None:
    """SOP-CX-001: P1 breached over 2 h, P2 breached under 2 h, P3 escalation-labelled within SLA."""
    breach = breach_of(conv, now, sla_minutes)
    if breach:
        return breach.priority
    if conv.status in OPEN_STATUSES and ESCALATION_LABELS & set(conv.labels):
        return "P3"
    return None


def breaches(convs: Iterable[Conversation], now: datetime, sla_minutes: int) -> list[Breach]:
    found = [b for c in convs if (b := breach_of(c, now, sla_minutes)) is not None]
    return sorted(found, key=lambda b: b.breached_at)


def breach_rate(convs: list[Conversation], now: datetime, sla_minutes: int) -> float:
    open_convs = [c for c in convs if c.status in OPEN_STATUSES]
    if not open_convs:
        return 0.0
    return len(breaches(open_convs, now, sla_minutes)) / len(open_convs)
