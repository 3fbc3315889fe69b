"""MOCK twins: used when DASHBOARD_USE_MOCK=true or an integration has no credentials.
They are never called over the network and return fixed sample data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chatops.health.sla import Conversation

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
    """A small queue that shows each case the health view tells apart (with the default 30-min SLA):
    P1 and P2 first-response breaches, P3 (escalation label, within SLA), a bot's pending one, one
    answered in time hours ago, one waiting for a next reply, and a fresh one inside the SLA."""
    m = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    return [
        Conversation(101, "open", m(180), ("shipping",), "Dana Whitfield", "Alex", waiting_since=m(180)),  # P1
        Conversation(102, "open", m(50), (), "Luis Ortega", None, waiting_since=m(50)),  # P2
        Conversation(103, "open", m(10), ("escalation",), "Priya Nair", "Sam", waiting_since=m(10)),  # P3
        Conversation(104, "pending", m(95), (), "Jo Baker", None, waiting_since=m(95)),  # a bot has it
        Conversation(105, "open", m(240), ("refund",), "Mei Chen", "Alex", first_reply_at=m(238)),  # answered in time
        Conversation(106, "open", m(300), (), "Omar Haddad", "Sam", first_reply_at=m(295), waiting_since=m(75)),
        Conversation(107, "open", m(5), (), "Ines Duarte", None, waiting_since=m(5)),  # inside the SLA
    ]


class MockChatwoot(_Mock):
    key = "chatwoot"
    name = "Chatwoot"

    async def list_canned_responses(self, search: str | None = None) -> list:
        """None: the templates feature falls back on its built-in templates."""
        return []

    async def probe(self) -> ProbeOutcome:
        convs = tuple(sample_conversations(datetime.now(timezone.utc)))
        return ProbeOutcome(conversations=convs, conversations_reported=sum(c.status == "open" for c in convs))
