"""The health layer judges what adapters report: SLA figures from typed conversations, DEGRADED for
limits nearly reached, and the /occ health wording (partial counts, pending and next-response apart)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from blocks.health import health_message, integration_details
from blocks.render import render_message
from chatops.health.model import HealthReport, State, evaluate
from chatops.health.sla import Conversation
from chatops.integrations.base import ProbeOutcome
from chatops.integrations.mock import MockChatwoot

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


QUEUE = (
    Conversation(1, "open", ago(180), ("shipping",), "Dana", "Alex"),  # P1
    Conversation(2, "open", ago(50)),  # P2
    Conversation(3, "open", ago(240), first_reply_at=ago(238)),  # answered in time
    Conversation(4, "pending", ago(90)),  # a bot has it
    Conversation(5, "open", ago(300), first_reply_at=ago(290), waiting_since=ago(45)),  # next-response wait
)


def chatwoot(outcome: ProbeOutcome, **kw):
    return evaluate(key="chatwoot", name="Chatwoot", checked_at=NOW, slow_ms=1000, outcome=outcome,
                    sla_minutes=30, **kw)


def test_evaluate_applies_the_sla_rule_to_the_conversations():
    item = chatwoot(ProbeOutcome(latency_ms=80, conversations=QUEUE, conversations_reported=4))
    assert item.state == State.OK
    assert (item.open_conversations, item.breaching, item.pending, item.next_response_waits) == (4, 2, 1, 1)
    assert [b.conversation.id for b in item.breaches] == [1, 2] and not item.partial


def test_evaluate_judges_at_the_given_now_and_sla():
    outcome = ProbeOutcome(conversations=(Conversation(1, "open", ago(30)),))
    assert chatwoot(outcome).breaching == 0  # exactly at the SLA
    assert chatwoot(outcome, now=NOW + timedelta(seconds=1)).breaching == 1
    assert evaluate(key="chatwoot", name="Chatwoot", checked_at=NOW, slow_ms=1000, outcome=outcome,
                    sla_minutes=60).breaching == 0


def test_integrations_without_conversations_have_no_queue_figures():
    item = evaluate(key="shopify", name="Shopify", checked_at=NOW, slow_ms=2000, outcome=ProbeOutcome(latency_ms=5),
                    sla_minutes=30)
    assert item.breaching is None and item.open_conversations is None and item.pending is None


def test_a_limit_nearly_reached_is_degraded_in_plain_words():
    item = evaluate(key="google_analytics", name="Google Analytics", checked_at=NOW, slow_ms=2000,
                    outcome=ProbeOutcome(latency_ms=90, warning="quota nearly spent: 3 % of daily tokens left",
                                         warning_class="quota"))
    assert (item.state, item.error_class) == (State.DEGRADED, "quota")
    text = render_message(health_message(HealthReport(NOW, [item], 30, 5)))
    assert "Google Analytics — DEGRADED" in text and "Last error: quota nearly spent: 3 % of daily tokens left" in text


def test_a_note_is_shown_without_changing_the_state():
    item = evaluate(key="shopify", name="Shopify", checked_at=NOW, slow_ms=2000,
                    outcome=ProbeOutcome(latency_ms=90, note="GraphQL cost headroom low: 150 of 2,000 cost points left"))
    assert item.state == State.OK
    assert integration_details(item, 30) == ["GraphQL cost headroom low: 150 of 2,000 cost points left"]


def test_health_view_shows_pending_and_next_response_apart():
    item = chatwoot(ProbeOutcome(latency_ms=80, conversations=QUEUE, conversations_reported=4))
    assert integration_details(item, 30) == [
        "2 conversations of 4 open breaching the 30-min SLA",
        "1 pending (a bot is handling them; not counted as breaches)",
        "1 conversation answered, now waiting over 30 min for a next reply",
    ]


def test_health_view_says_a_partial_count_is_a_lower_bound():
    item = chatwoot(ProbeOutcome(latency_ms=80, conversations=QUEUE, conversations_reported=812,
                                 conversations_partial=True))
    lines = integration_details(item, 30)
    assert lines[0] == "At least 2 conversations of 812 open breaching the 30-min SLA"
    assert lines[1] == "Partial count: first 4 of 812 open conversations read (Chatwoot lists 25 a page)"
    assert lines[2].startswith("At least 1 pending")


def test_partial_count_without_a_reported_total():
    item = chatwoot(ProbeOutcome(conversations=QUEUE, conversations_partial=True))
    assert integration_details(item, 30)[:2] == [
        "At least 2 conversations of 4 open breaching the 30-min SLA",
        "Partial count: first 4 open conversations read (Chatwoot lists 25 a page)",
    ]


def test_mock_chatwoot_sample_shows_every_case():
    outcome = asyncio.run(MockChatwoot("no credentials").probe())
    now = datetime.now(timezone.utc)
    item = evaluate(key="chatwoot", name="Chatwoot", checked_at=now, slow_ms=1000, outcome=outcome,
                    mock_reason="no credentials", sla_minutes=30)
    assert item.state == State.MOCK
    assert sorted(b.priority for b in item.breaches) == ["P1", "P2"]
    assert (item.pending, item.next_response_waits) == (1, 1)
    from chatops.health.sla import triage

    priorities = {c.id: triage(c, now, 30) for c in outcome.conversations}
    assert sorted(p for p in priorities.values() if p) == ["P1", "P2", "P3"]
    answered = [c for c in outcome.conversations if c.first_reply_at and c.waiting_since is None]
    assert answered and all(priorities[c.id] is None for c in answered)  # answered in time, old
    text = render_message(health_message(HealthReport(now, [item], 30, 5)))
    assert "2 conversations of 6 open breaching the 30-min SLA (sample data)" in text


def test_a_rate_limited_answer_is_degraded_not_down():
    from chatops.integrations.errors import IntegrationRateLimited, IntegrationServerError

    limited = evaluate(key="shopify", name="Shopify", checked_at=NOW, slow_ms=2000,
                       failure=IntegrationRateLimited("Shopify", "rate limited (HTTP 429)", 2.0))
    failed = evaluate(key="shopify", name="Shopify", checked_at=NOW, slow_ms=2000,
                      failure=IntegrationServerError("Shopify", "server error (HTTP 500)"))
    assert (limited.state, limited.error) == (State.DEGRADED, "rate limited (HTTP 429)")
    assert failed.state == State.DOWN
