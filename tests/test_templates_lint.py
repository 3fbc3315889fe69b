"""The template rules, pure: every lint rule with a case on each side of its boundary, the
promises flagged (not refused), the preview, the readable word diff, and the block builders'
limits and escaping."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given, strategies as st

from blocks import templates as views
from chatops.templates.diff import ADDED, REMOVED, SAME, readable, word_diff
from chatops.templates.lint import (MAX_BODY, field_errors, flags, lint, normalize, parse_placeholders,
                                    preview)

ACK = ("Hi {{name}}, thanks for your patience. I'm checking on your order now and will follow up with an "
       "update shortly.")


def rules(body: str, allowed=("name", "order_id", "status", "timeline")) -> list[str]:
    return [f.rule for f in lint(body, allowed)]


def test_the_built_in_bodies_pass():
    assert rules(ACK) == []
    assert rules("I'm sorry for the trouble, {{name}}. I can refund this immediately or offer store credit—let me "
                 "know what works best.") == []


@pytest.mark.parametrize("length,ok", [(MAX_BODY - 1, True), (MAX_BODY, True), (MAX_BODY + 1, False)])
def test_length_boundary_is_1000_characters(length, ok):
    assert ("too_long" not in rules("x" * length)) is ok


def test_length_is_measured_on_the_stored_form():
    assert rules("  " + "x" * MAX_BODY + "\n\n") == []  # surrounding blanks are not stored
    assert "1,001 characters" in lint("y" * 1001)[0].message


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n"])
def test_an_empty_body_is_refused(body):
    assert rules(body) == ["empty"]


@pytest.mark.parametrize("body,ok", [
    ("Hi {{name}}", True), ("Hi {{ name }}", True), ("Order {{order_id}} is {{status}}: {{timeline}}", True),
    ("Hi {{nmae}}", False), ("Hi {{Name}}", False), ("Hi {{contact.name}}", False), ("Hi {{}}", False),
])
def test_placeholders_are_checked_against_the_allowed_names(body, ok):
    assert ("placeholder" not in rules(body)) is ok


def test_an_unknown_placeholder_suggests_the_close_one_and_lists_the_allowed():
    message = lint("Hi {{nmae}}")[0].message
    assert "{{nmae}}" in message and "Did you mean {{name}}?" in message and "{{timeline}}" in message


def test_the_allowed_placeholders_are_a_setting():
    allowed = parse_placeholders("name, tracking_url")
    assert allowed == ("name", "tracking_url")
    assert rules("Track it at {{tracking_url}}", allowed) == []
    assert rules("Order {{order_id}}", allowed) == ["placeholder"]
    assert parse_placeholders("") == ("name", "order_id", "status", "timeline")


@pytest.mark.parametrize("body,ok", [
    ("Hi {{name}}, thanks", True), ("Hi {{name}, thanks", False), ("Hi {name}}", False), ("Hi {name}", False),
    ("Hi }}name{{", False), ("Hi {{name}} }", False), ("Hi {{{name}}}", False),
])
def test_braces_must_balance(body, ok):
    assert ("braces" not in rules(body)) is ok


@pytest.mark.parametrize("body,ok", [
    ("Reply in Zendesk", False), ("zendesk ticket", False), ("ZENDESK", False), ("via Zendesk's portal", False),
    ("Zendesking along", True), ("our zendesk_id", True), ("Intercoms", True),
    ("Zoho", False), ("Intercom", False), ("Freshdesk", False), ("Gorgias", False), ("Gorgiasx", True),
])
def test_legacy_tools_are_matched_as_words_in_any_case(body, ok):
    assert ("legacy_tool" not in rules(body)) is ok


def test_every_finding_lands_on_the_body_field_in_one_message():
    errors = field_errors(lint("Hi {{nmae}}, see Zendesk {" + "x" * 1000))
    assert list(errors) == ["body"]
    for words in ("1,0", "Unbalanced braces", "{{nmae}}", "Zendesk"):
        assert words in errors["body"]


@pytest.mark.parametrize("body,kinds", [
    ("We will reply within 24 hours.", {"time"}), ("We guarantee delivery.", {"guarantee"}),
    ("I can refund this.", {"refund"}), ("Expect it in 2 business days", {"time"}),
    ("Thanks for your patience.", set()), ("We'll follow up shortly.", set()),
])
def test_promises_are_flagged_not_refused(body, kinds):
    assert {f.kind for f in flags(body)} == kinds
    assert rules(body) == []


def test_the_preview_fills_placeholders_with_samples_and_name_falls_back_to_customer():
    assert preview("Hi {{name}}, order {{ order_id }} is {{status}} ({{timeline}}). {{other}}") == \
        "Hi Customer, order #1001 is in transit (2–3 business days). {{other}}"


def test_normalize_keeps_inner_lines_and_drops_windows_newlines():
    assert normalize("\r\n a\r\nb \r\n") == "a\nb"


# --- the diff ---------------------------------------------------------------------------------
def test_the_diff_reads_as_removed_and_added_words():
    new = ACK.replace("thanks for your patience", "thank you for waiting")
    assert readable(word_diff(ACK, new)).startswith("Hi {{name}}, ~~thanks~~ *thank you* for ~~your patience~~ "
                                                    "*waiting*. I'm checking")


def test_the_diff_of_an_unchanged_body_changes_nothing():
    assert all(op == SAME for op, _ in word_diff(ACK, ACK)) and readable(word_diff(ACK, ACK)) == ACK


def test_markers_never_span_a_line_break():
    assert readable(word_diff("a\nb c", "a\nd\ne c")) == "a\n~~b~~ *d*\n*e* c"


@given(st.text(alphabet="ab \n.{}", max_size=40), st.text(alphabet="ab \n.{}", max_size=40))
def test_the_diff_keeps_both_texts(old, new):
    pieces = word_diff(old, new)
    assert "".join(t for op, t in pieces if op != ADDED) == old
    assert "".join(t for op, t in pieces if op != REMOVED) == new


# --- block builders -----------------------------------------------------------------------------
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def state(key: str = "ack_delay", body: str = ACK, **extra):
    base = dict(key=key, label="Acknowledge <!channel>", version=2, body=body, author="U1", state="due", review=None,
                chatwoot_id=None, seen_at=None, published_version=None, published_at=None, published_by=None,
                publishing=None, publish_error=None)
    return SimpleNamespace(**{**base, **extra})


def test_the_review_modal_has_the_fields_in_order_within_slack_limits():
    modal = views.review_modal(state(key="a_very_long_template_identifier"))
    assert len(modal["title"]["text"]) <= 24 and len(modal["blocks"]) <= 100
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    assert labels == ["Body", "Decision", "Tone", "Accuracy", "Policy", "Note"]
    body = next(b for b in modal["blocks"] if b.get("block_id") == "body")
    assert body["element"]["multiline"] and body["element"]["initial_value"] == ACK
    text = str(modal)
    assert "Hi Customer, thanks" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_the_list_escapes_and_stays_within_50_blocks():
    states = [state(key=f"t{n}", body="Zendesk <@U1>") for n in range(60)]
    msg = views.list_message(states, NOW, live=True)
    assert len(msg["blocks"]) <= 50 and "t59" in str(msg)
    assert all(len(b["text"]["text"]) <= 3000 for b in msg["blocks"] if b["type"] == "section")
    assert "<!channel>" not in str(msg)


def test_a_diff_in_slack_strikes_removed_and_bolds_added_words_escaped():
    shown = views.diff_mrkdwn(word_diff("Use <b> now", "Use <i> now"))
    assert shown == "Use &lt;~b~ *i*&gt; now"
