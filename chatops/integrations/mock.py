"""MOCK twins: used when DASHBOARD_USE_MOCK=true or an integration has no credentials.
They are never called over the network and return fixed sample data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chatops.health.sla import Conversation, breaches

from .base import ProbeOutcome


class _Mock:
    mock = True
    reason = "mock mode"

    def __init__(self, reason: str):
        self.reason = reason

    async def probe(self) -> ProbeOutcome:
        return ProbeOutcome()

    async def aclose(self) -> None:
        return None


class MockShopify(_Mock):
    key = "shopify"
    name = "Shopify"


class MockGoogleAnalytics(_Mock):
    key = "google_analytics"
    name = "Google Analytics"


def sample_conversations(now: datetime) -> list[Conversation]:
    """A small queue that shows each triage case: P1, P2, P3 and one inside the SLA."""
    return [
        Conversation(101, "open", now - timedelta(hours=3), ("shipping",), "Dana Whitfield", "Alex"),
        Conversation(102, "pending", now - timedelta(minutes=50), (), "Luis Ortega", None),
        Conversation(103, "open", now - timedelta(minutes=10), ("escalation",), "Priya Nair", "Sam"),
        Conversation(104, "open", now - timedelta(minutes=5), (), "Jo Baker", None),
    ]


class MockChatwoot(_Mock):
    key = "chatwoot"
    name = "Chatwoot"

    def __init__(self, reason: str, sla_minutes: int):
        super().__init__(reason)
        self.sla_minutes = sla_minutes

    async def open_conversations(self) -> list[Conversation]:
        return sample_conversations(datetime.now(timezone.utc))

    async def probe(self) -> ProbeOutcome:
        convs = await self.open_conversations()
        found = breaches(convs, datetime.now(timezone.utc), self.sla_minutes)
        return ProbeOutcome(open_conversations=len(convs), breaching=len(found))
