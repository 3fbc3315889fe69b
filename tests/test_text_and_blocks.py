from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from blocks.health import health_message
from blocks.help import help_message
from blocks.render import render_message
from blocks.text import escape, unescape
from chatops.health.model import HealthReport, IntegrationHealth, State

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


@given(st.text())
def test_escape_leaves_no_control_characters(text):
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert "&" not in out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_escape_round_trips_printable_text(text):
    assert unescape(escape(text)) == text


@given(st.text(min_size=0, max_size=400), st.integers(min_value=1, max_value=300))
def test_escape_respects_the_limit(text, limit):
    assert len(escape(text, limit)) <= limit


def test_control_characters_are_dropped_but_emoji_joiners_kept():
    assert escape("a\x00b\x1bc\nd") == "abc\nd"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert escape(family) == family


def test_mentions_are_inert():
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U12345>", "<#C1|general>", "<https://x|y>"):
        assert "<" not in escape(ping)


def _report(*items: IntegrationHealth) -> HealthReport:
    return HealthReport(NOW, list(items), sla_minutes=30, timeout_s=5)


def test_health_message_shows_name_state_latency_error_and_breaches():
    report = _report(
        IntegrationHealth("shopify", "Shopify", State.OK, NOW, latency_ms=120.4),
        IntegrationHealth("chatwoot", "Chatwoot", State.DOWN, NOW, error="server error (HTTP 500) <!channel>"),
        IntegrationHealth("google_analytics", "Google Analytics", State.DEGRADED, NOW, latency_ms=2500,
                          error="slow: answered in 2,500 ms (over 2,000 ms)"),
    )
    msg = health_message(report)
    dumped = json.dumps(msg, ensure_ascii=False)
    assert "*Shopify* — *OK* · 120 ms" in dumped
    assert "*Chatwoot* — *DOWN*" in dumped and "Last error: server error (HTTP 500) &lt;!channel&gt;" in dumped
    assert "*Google Analytics* — *DEGRADED* · 2,500 ms" in dumped
    assert "<!channel>" not in dumped
    assert msg["text"] == "Integration health: Shopify OK, Chatwoot DOWN, Google Analytics DEGRADED"
    assert len(msg["blocks"]) <= 50


def test_health_message_mock_and_breaches():
    report = _report(IntegrationHealth("chatwoot", "Chatwoot", State.MOCK, NOW, note="not called: no credentials",
                                       open_conversations=4, breaching=1))
    text = render_message(health_message(report))
    assert "Chatwoot — MOCK" in text
    assert "Not called: no credentials" in text
    assert "1 conversation of 4 open breaching the 30-min SLA (sample data)" in text
    assert "Checked 2026-11-26 12:00:00 UTC" in text


def test_help_lists_every_command_and_escapes_unknown():
    msg = help_message([("/occ help", "this list"), ("/occ health", "probe")], unknown="x <@U1>")
    text = render_message(msg)
    assert "/occ help" in text and "/occ health" in text
    assert "I don't know `x <@U1>`" in text  # the console shows it as typed...
    assert "<@U1>" not in json.dumps(msg)  # ...Slack receives it escaped


def _long_breaches(n: int):
    from datetime import datetime, timedelta, timezone

    from chatops.health.sla import Breach, Conversation

    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        conv = Conversation(10_000 + i, "open", now - timedelta(hours=3), (), "<!channel> " + "x" * 60, "Agent")
        out.append(Breach(conv, now - timedelta(hours=2, minutes=30), timedelta(hours=3), "P1"))
    return out


def test_a_long_sla_breach_list_is_split_over_sections_and_says_how_many_more():
    from blocks.alerts import sla_breach_alert

    msg = sla_breach_alert(_long_breaches(400), 30, list(range(1, 401)))
    texts = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert len(msg["blocks"]) <= 50
    assert all(len(t) <= 3000 for t in texts)
    assert sum(t.count("#1") for t in texts) > 40, "more than the first 40 are listed"
    assert texts[-1].rstrip().endswith("more") and "…and " in texts[-1]
    shown = sum(t.count("*P1* conversation") for t in texts)
    assert f"…and {400 - shown} more" in texts[-1], "nothing lost: listed + counted = all"
    assert "<!channel>" not in json.dumps(msg)


def test_memory_entries_are_split_over_sections_within_block_kit_limits():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from blocks.memory import memory_message

    entries = [SimpleNamespace(created_at=datetime(2026, 11, 27, tzinfo=timezone.utc), action="note", actor="U1",
                               external_ref=None, rationale="r" * 290) for _ in range(60)]
    msg = memory_message("ops", entries)
    texts = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert len(texts) > 1 and all(len(t) <= 3000 for t in texts)
    assert sum(t.count("*note*") for t in texts) == 60
