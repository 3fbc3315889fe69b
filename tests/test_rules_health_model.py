"""One probe → one state (chatops.health.model.evaluate): every branch gives the whole record, so
a field dropped or a word changed breaks a test."""
from __future__ import annotations

from datetime import datetime, timezone

from chatops.health.model import IntegrationHealth, State, evaluate
from chatops.health.sla import Conversation
from chatops.integrations.base import ProbeOutcome
from chatops.integrations.errors import IntegrationError, IntegrationRateLimited, IntegrationTimeout

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def shopify(**kw) -> IntegrationHealth:
    return evaluate(key="shopify", name="Shopify", checked_at=NOW, slow_ms=2000, **kw)


def expected(state: State, **fields) -> IntegrationHealth:
    return IntegrationHealth("shopify", "Shopify", state, NOW, **fields)


def test_mock_says_why_it_was_not_called():
    assert shopify(mock_reason="no SHOPIFY_ADMIN_TOKEN") == expected(State.MOCK, note="not called: no SHOPIFY_ADMIN_TOKEN")


def test_a_rate_limited_answer_is_degraded_with_its_words():
    got = shopify(failure=IntegrationRateLimited("shopify", "rate limited (HTTP 429)"))
    assert got == expected(State.DEGRADED, error="rate limited (HTTP 429)", error_class="rate_limited")


def test_a_failure_is_down_with_its_words_and_kind():
    got = shopify(failure=IntegrationTimeout("shopify", "no answer within 5 s"))
    assert got == expected(State.DOWN, error="no answer within 5 s", error_class="timeout")


def test_a_failure_is_down_even_when_an_outcome_came_too():
    got = shopify(outcome=ProbeOutcome(latency_ms=10), failure=IntegrationError("shopify", "broken"))
    assert got == expected(State.DOWN, error="broken", error_class="error")


def test_no_outcome_and_no_failure_is_down_with_no_answer():
    assert shopify() == expected(State.DOWN, error="no answer", error_class="error")


def test_a_partial_answer_is_degraded():
    got = shopify(outcome=ProbeOutcome(latency_ms=50, partial_error="orders query failed"))
    assert got == expected(State.DEGRADED, latency_ms=50, error="orders query failed", error_class="partial")


def test_a_warning_without_a_class_is_a_warning():
    got = shopify(outcome=ProbeOutcome(latency_ms=50, warning="quota low"))
    assert got == expected(State.DEGRADED, latency_ms=50, error="quota low", error_class="warning")


def test_a_partial_answer_wins_over_a_warning():
    got = shopify(outcome=ProbeOutcome(latency_ms=50, partial_error="half", warning="quota low"))
    assert got.error == "half" and got.error_class == "partial"


def test_exactly_the_slow_threshold_is_ok():
    assert shopify(outcome=ProbeOutcome(latency_ms=2000)) == expected(State.OK, latency_ms=2000)


def test_just_over_the_slow_threshold_is_degraded_in_plain_words():
    got = shopify(outcome=ProbeOutcome(latency_ms=2001, note="plan: basic"))
    assert got == expected(State.DEGRADED, latency_ms=2001, error="slow: answered in 2,001 ms (over 2,000 ms)",
                           error_class="slow", note="plan: basic")


def test_no_latency_is_ok():
    assert shopify(outcome=ProbeOutcome()) == expected(State.OK)


def test_a_mock_still_shows_its_queue():
    outcome = ProbeOutcome(conversations=(Conversation(1, "open", NOW),), conversations_reported=1)
    got = evaluate(key="chatwoot", name="Chatwoot", checked_at=NOW, slow_ms=1000, outcome=outcome,
                   mock_reason="sample data", sla_minutes=30)
    assert (got.state, got.open_conversations, got.breaching, got.open_reported) == (State.MOCK, 1, 0, 1)


def test_the_conversations_read_are_kept_with_the_figures():
    convs = (Conversation(1, "open", NOW), Conversation(2, "pending", NOW))
    item = evaluate(key="chatwoot", name="Chatwoot", checked_at=NOW, slow_ms=1000, sla_minutes=30,
                    outcome=ProbeOutcome(conversations=convs, conversations_reported=1))
    assert item.conversations == convs and isinstance(item.conversations, tuple)
