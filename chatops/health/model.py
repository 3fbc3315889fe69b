"""Health state words (CONTRACT.md §3) and the pure rule that turns one probe into a state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from chatops.integrations.base import ProbeOutcome
from chatops.integrations.errors import IntegrationError

from .sla import summarize


class State(str, Enum):
    OK = "OK"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    MOCK = "MOCK"


@dataclass(frozen=True)
class IntegrationHealth:
    key: str
    name: str
    state: State
    checked_at: datetime
    latency_ms: float | None = None
    error: str | None = None  # plain words, never a secret
    error_class: str | None = None
    open_conversations: int | None = None  # Chatwoot: open conversations read (pending ones apart)
    breaching: int | None = None  # of those, first-response SLA breaches
    note: str | None = None  # e.g. why an integration is MOCK
    breaches: tuple = field(default=(), compare=False, repr=False)  # Chatwoot's breaching conversations
    pending: int | None = None  # Chatwoot: pending (a bot is handling them), never breaches
    next_response_waits: int | None = None  # answered, then waiting longer than the SLA for a reply
    open_reported: int | None = None  # open conversations Chatwoot says there are (meta.all_count)
    partial: bool = False  # the counts are lower bounds: not every conversation was read
    conversations: tuple = field(default=(), compare=False, repr=False)  # Chatwoot: every conversation read


@dataclass(frozen=True)
class HealthReport:
    checked_at: datetime
    items: list[IntegrationHealth]
    sla_minutes: int
    timeout_s: float


def _queue(outcome: ProbeOutcome | None, now: datetime, sla_minutes: int | None) -> dict:
    """Chatwoot's queue figures for IntegrationHealth, by the SLA rule in chatops.health.sla."""
    if outcome is None or outcome.conversations is None or sla_minutes is None:
        return {}
    s = summarize(outcome.conversations, now, sla_minutes)
    return dict(open_conversations=s.open, breaching=len(s.breaches), breaches=s.breaches, pending=s.pending,
                next_response_waits=len(s.next_response_waits), open_reported=outcome.conversations_reported,
                partial=outcome.conversations_partial, conversations=tuple(outcome.conversations))


def evaluate(
    *, key: str, name: str, checked_at: datetime, slow_ms: float,
    outcome: ProbeOutcome | None = None, failure: IntegrationError | None = None,
    mock_reason: str | None = None, now: datetime | None = None, sla_minutes: int | None = None,
) -> IntegrationHealth:
    """One probe's state: MOCK when not called; DOWN on failure; DEGRADED when rate limited, slower
    than `slow_ms`, when part of the check failed or a limit is nearly reached; OK otherwise.
    Conversations (Chatwoot) are judged against `sla_minutes` at `now` (default `checked_at`)."""
    queue = _queue(outcome, now or checked_at, sla_minutes)
    if mock_reason is not None:
        return IntegrationHealth(key, name, State.MOCK, checked_at, note=f"not called: {mock_reason}", **queue)
    if failure is not None and failure.kind == "rate_limited":
        # it answered, asking us to slow down: the same reading as Shopify's GraphQL THROTTLED
        return IntegrationHealth(key, name, State.DEGRADED, checked_at, error=failure.message, error_class=failure.kind)
    if failure is not None or outcome is None:
        message = failure.message if failure else "no answer"
        kind = failure.kind if failure else "error"
        return IntegrationHealth(key, name, State.DOWN, checked_at, error=message, error_class=kind)
    state, error, kind = State.OK, None, None
    if outcome.partial_error:
        state, error, kind = State.DEGRADED, outcome.partial_error, "partial"
    elif outcome.warning:
        state, error, kind = State.DEGRADED, outcome.warning, outcome.warning_class or "warning"
    elif outcome.latency_ms is not None and outcome.latency_ms > slow_ms:
        state, error, kind = State.DEGRADED, f"slow: answered in {outcome.latency_ms:,.0f} ms (over {slow_ms:,.0f} ms)", "slow"
    return IntegrationHealth(key, name, state, checked_at, latency_ms=outcome.latency_ms, error=error,
                             error_class=kind, note=outcome.note, **queue)
