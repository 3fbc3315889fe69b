"""Chatwoot's first-response SLA and SOP-CX-001 triage, as pure functions (DOMAIN.md).

The rule (Chatwoot's own fields; all Unix seconds, 0 when unset):
- a first-response breach is an `open` conversation with no first reply (`first_reply_created_at`
  0 or missing) for longer than the SLA since `created_at`; breached_at = created_at + SLA;
- `pending` means a bot is handling it: counted apart, never a breach;
- an `open` conversation that was answered but whose customer is `waiting_since` longer than the SLA
  is a next-response wait, shown apart (not a first-response breach);
- escalation: breached, or labelled `escalation` (legacy `escalated`);
- triage: P1 breached more than 2 h, P2 breached 2 h or less, P3 labelled escalation within SLA."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

OPEN, PENDING = "open", "pending"
LISTED_STATUSES = (OPEN, PENDING)  # what the Chatwoot probe lists
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
    first_reply_at: datetime | None = None  # None: no human first reply yet
    waiting_since: datetime | None = None  # None: the customer is not waiting


@dataclass(frozen=True)
class Breach:
    conversation: Conversation
    breached_at: datetime
    waited: timedelta  # since created_at
    priority: str  # P1 / P2
    escalated: bool = field(default=False)  # also labelled `escalation` / `escalated`


@dataclass(frozen=True)
class QueueSummary:
    """What the health view and the monitor need from one listing."""

    open: int
    pending: int
    breaches: tuple[Breach, ...]  # oldest breach first
    next_response_waits: tuple[Conversation, ...]


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


def _optional_time(value: Any) -> datetime | None:
    """Chatwoot renders an unset time as 0 (`nil.to_i`); older servers send null or omit it."""
    if value is None or value == 0 or value in ("", "0"):
        return None
    parsed = _to_datetime(value)
    return parsed if parsed is not None and parsed.timestamp() > 0 else None


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


def listed_count(body: Any) -> int | None:
    """`data.meta.all_count`: how many conversations of the requested status the token can see."""
    data = body.get("data") if isinstance(body, dict) else None
    meta = data.get("meta") if isinstance(data, dict) else None
    count = meta.get("all_count") if isinstance(meta, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


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
        status=str(raw.get("status") or OPEN).lower(),
        created_at=created,
        labels=tuple(str(label).lower() for label in labels),
        customer=str(sender["name"]) if sender.get("name") else None,
        assignee=str(assignee["name"]) if assignee.get("name") else None,
        first_reply_at=_optional_time(raw.get("first_reply_created_at")),
        waiting_since=_optional_time(raw.get("waiting_since")),
    )


def _escalation_labelled(conv: Conversation) -> bool:
    return bool(ESCALATION_LABELS & set(conv.labels))


def breach_of(conv: Conversation, now: datetime, sla_minutes: int) -> Breach | None:
    """The first-response breach of one conversation: open, never answered, past the SLA."""
    if conv.status != OPEN or conv.first_reply_at is not None:
        return None
    breached_at = conv.created_at + timedelta(minutes=sla_minutes)
    if now <= breached_at:  # exactly at the SLA is not yet a breach
        return None
    priority = "P1" if now - breached_at > P1_AFTER else "P2"
    return Breach(conv, breached_at, now - conv.created_at, priority, _escalation_labelled(conv))


def next_response_wait(conv: Conversation, now: datetime, sla_minutes: int) -> bool:
    """Answered once, and the customer has been waiting for the next reply longer than the SLA."""
    if conv.status != OPEN or conv.first_reply_at is None or conv.waiting_since is None:
        return False
    return now - conv.waiting_since > timedelta(minutes=sla_minutes)


def needs_escalation(conv: Conversation, now: datetime, sla_minutes: int) -> bool:
    return breach_of(conv, now, sla_minutes) is not None or _escalation_labelled(conv)


def triage(conv: Conversation, now: datetime, sla_minutes: int) -> str | None:
    """SOP-CX-001: P1 breached over 2 h, P2 breached 2 h or less, P3 escalation-labelled within SLA."""
    breach = breach_of(conv, now, sla_minutes)
    if breach:
        return breach.priority
    if conv.status in LISTED_STATUSES and _escalation_labelled(conv):
        return "P3"
    return None


def breaches(convs: Iterable[Conversation], now: datetime, sla_minutes: int) -> list[Breach]:
    found = [b for c in convs if (b := breach_of(c, now, sla_minutes)) is not None]
    return sorted(found, key=lambda b: b.breached_at)


def summarize(convs: Iterable[Conversation], now: datetime, sla_minutes: int) -> QueueSummary:
    listed = list(convs)
    return QueueSummary(
        open=sum(1 for c in listed if c.status == OPEN),
        pending=sum(1 for c in listed if c.status == PENDING),
        breaches=tuple(breaches(listed, now, sla_minutes)),
        next_response_waits=tuple(c for c in listed if next_response_wait(c, now, sla_minutes)),
    )


def breach_rate(convs: list[Conversation], now: datetime, sla_minutes: int) -> float:
    """Breaches as a share of open conversations (pending ones are a bot's, not counted)."""
    open_convs = [c for c in convs if c.status == OPEN]
    if not open_convs:
        return 0.0
    return len(breaches(open_convs, now, sla_minutes)) / len(open_convs)
