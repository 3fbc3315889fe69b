"""Health state words (CONTRACT.md §3) and the pure rule that turns one probe into a state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from chatops.integrations.base import ProbeOutcome
from chatops.integrations.errors import IntegrationError


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
    open_conversations: int | None = None
    breaching: int | None = None
    note: str | None = None  # e.g. why an integration is MOCK
    breaches: tuple = field(default=(), compare=False, repr=False)  # Chatwoot's breaching conversations


@dataclass(frozen=True)
class HealthReport:
    checked_at: datetime
    items: list[IntegrationHealth]
    sla_minutes: int
    timeout_s: float


def evaluate(
    *, key: str, name: str, checked_at: datetime, slow_ms: float,
    outcome: ProbeOutcome | None = None, failure: IntegrationError | None = None,
    mock_reason: str | None = None,
) -> IntegrationHealth:
    """One probe's state: MOCK when not called; DOWN on failure; DEGRADED when slower than
    `slow_ms` or when part of the check failed; OK otherwise."""
    if mock_reason is not None:
        o = outcome or ProbeOutcome()
        return IntegrationHealth(key, name, State.MOCK, checked_at, note=f"not called: {mock_reason}",
                                 open_conversations=o.open_conversations, breaching=o.breaching)
    if failure is not None or outcome is None:
        message = failure.message if failure else "no answer"
        kind = failure.kind if failure else "error"
        return IntegrationHealth(key, name, State.DOWN, checked_at, error=message, error_class=kind)
    state, error, kind = State.OK, None, None
    if outcome.partial_error:
        state, error, kind = State.DEGRADED, outcome.partial_error, "partial"
    elif outcome.latency_ms is not None and outcome.latency_ms > slow_ms:
        state, error, kind = State.DEGRADED, f"slow: answered in {outcome.latency_ms:,.0f} ms (over {slow_ms:,.0f} ms)", "slow"
    return IntegrationHealth(
        key, name, state, checked_at, latency_ms=outcome.latency_ms, error=error, error_class=kind,
        open_conversations=outcome.open_conversations, breaching=outcome.breaching, breaches=outcome.breaches,
    )
