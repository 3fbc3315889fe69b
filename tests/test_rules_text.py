"""Escaping and Block Kit limits (blocks.text): each limit with a case at it and one past it, and
the invariants as properties — typed text never pings, splitting never loses a line nor breaks a
limit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blocks.text import (
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    HEADER_MAX,
    MODAL_TITLE_MAX,
    OPTION_TEXT_MAX,
    SECTION_TEXT_MAX,
    clock,
    context,
    divider,
    escape,
    header,
    message,
    mrkdwn,
    plain,
    section,
    sections,
    truncate,
    unescape,
    utc,
)


def test_the_limits_are_slacks():
    assert (SECTION_TEXT_MAX, HEADER_MAX, CONTEXT_TEXT_MAX, MODAL_TITLE_MAX, OPTION_TEXT_MAX, FALLBACK_TEXT_MAX) == (
        3000, 150, 2000, 24, 75, 3000)


# --- truncate ---------------------------------------------------------------------------------------------
def test_truncate_keeps_text_of_exactly_the_limit():
    assert truncate("abcde", 5) == "abcde"


def test_truncate_marks_a_cut_within_the_limit():
    assert truncate("abcdef", 5) == "abcd…"


def test_truncate_to_one_or_none_is_the_mark():
    assert truncate("abc", 1) == "…"
    assert truncate("abc", 0) == "…"


# --- escape ----------------------------------------------------------------------------------------------------
def test_escape_makes_mentions_and_links_inert():
    assert escape("<!channel> <@U1> <https://x|y> & more") == "&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; &amp; more"


def test_escape_of_nothing_is_empty_and_of_a_number_is_its_digits():
    assert escape(None) == "" and escape(42) == "42"


def test_escape_drops_controls_and_bidi_but_keeps_newline_and_tab():
    assert escape("a\x00b\u202ec\nd\te\ud800") == "abc\nd\te"


def test_escape_within_its_limit_is_whole():
    assert escape("a<b", 6) == "a&lt;b"


def test_escape_past_its_limit_cuts_whole_characters_and_marks_the_cut():
    assert escape("abcd", 3) == "ab…"
    assert escape("abcd", 4) == "abcd"


def test_escape_never_cuts_an_entity_in_half():
    assert escape("a&b", 6) == "a…"  # "a&amp;" would be 6, and the mark needs one more
    assert escape("a&b", 7) == "a&amp;b"
    assert escape("ab&cd", 8) == "ab&amp;…"


def test_escape_to_a_limit_of_zero_or_less_is_empty():
    assert escape("abc", 0) == "" and escape("abc", -3) == ""


def test_escape_to_a_limit_of_one_is_the_mark():
    assert escape("abc", 1) == "…"


def test_unescape_shows_what_slack_would():
    assert unescape("&lt;@U1&gt; &amp;amp; &amp;lt;") == "<@U1> &amp; &lt;"


mention_prone = st.lists(st.sampled_from(list("<>&!@#^|abc \n") + ["&lt;", "&amp;", "<!", "<@", "<!here>"]),
                         max_size=30).map("".join)


@given(mention_prone, st.one_of(st.none(), st.integers(min_value=1, max_value=80)))
def test_escaped_text_never_contains_a_mention_or_a_raw_bracket(text, limit):
    out = escape(text, limit)
    assert "<" not in out and ">" not in out
    assert "<!" not in out and "<@" not in out
    if limit is not None:
        assert len(out) <= limit


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=80))
def test_unescape_undoes_escape(text):
    visible = "".join(ch for ch in text if ch not in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
    assert unescape(escape(text)) == visible


@given(mention_prone, st.integers(min_value=1, max_value=80))
def test_a_cut_escape_is_a_prefix_of_the_whole_one(text, limit):
    whole, cut = escape(text), escape(text, limit)
    assert cut == whole or (cut.endswith("…") and whole.startswith(cut[:-1]))


# --- text objects and blocks -------------------------------------------------------------------------------------
def test_mrkdwn_and_sections_hold_3000_characters():
    assert mrkdwn("x" * 3000) == {"type": "mrkdwn", "text": "x" * 3000}
    assert mrkdwn("x" * 3001)["text"] == "x" * 2999 + "…"
    assert section("hi") == {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}


def test_plain_text_holds_3000_characters_unless_told_less():
    assert plain("hi") == {"type": "plain_text", "text": "hi", "emoji": True}
    assert plain("x" * 3001)["text"] == "x" * 2999 + "…"
    assert plain("abcdef", 4)["text"] == "abc…"


def test_a_header_holds_150_characters():
    assert header("h" * 150) == {"type": "header", "text": {"type": "plain_text", "text": "h" * 150, "emoji": True}}
    assert header("h" * 151)["text"]["text"] == "h" * 149 + "…"


def test_a_context_holds_ten_texts_of_2000_characters():
    block = context(*[f"t{i}" for i in range(12)])
    assert block["type"] == "context" and [e["text"] for e in block["elements"]] == [f"t{i}" for i in range(10)]
    assert context("c" * 2000)["elements"] == [{"type": "mrkdwn", "text": "c" * 2000}]
    assert context("c" * 2001)["elements"][0]["text"] == "c" * 1999 + "…"


def test_a_divider():
    assert divider() == {"type": "divider"}


def test_a_message_holds_a_3000_character_fallback_and_50_blocks():
    blocks = [divider()] * 51
    assert message("m" * 3000, blocks, thread_ts="1.2") == {"text": "m" * 3000, "blocks": [divider()] * 50,
                                                          "thread_ts": "1.2"}
    assert message("m" * 3001)["text"] == "m" * 2999 + "…"
    assert message("plain") == {"text": "plain"}
    assert message("plain", []) == {"text": "plain"}


def test_times_are_shown_in_utc_whatever_the_machines_zone(tokyo):
    at = datetime(2026, 11, 26, 14, 5, tzinfo=timezone(timedelta(hours=2)))
    assert utc(at).utcoffset() == timedelta(0) and clock(at) == "12:05 UTC"


def test_times_are_shown_in_utc():
    at = datetime(2026, 11, 26, 14, 5, tzinfo=timezone(timedelta(hours=2)))
    assert clock(at) == "12:05 UTC"
    assert utc(at) == datetime(2026, 11, 26, 12, 5, tzinfo=timezone.utc) and utc(at).tzinfo == timezone.utc
    naive = datetime(2026, 11, 26, 9, 30)
    assert utc(naive) is naive and clock(naive) == "09:30 UTC"


# --- sections(): packing lines into blocks --------------------------------------------------------------------
def texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks]


def test_no_lines_are_no_blocks():
    assert sections([]) == []


def test_two_lines_that_fill_a_block_exactly_share_it():
    line = "a" * 1479  # (1479 + 1) × 2 = 2960: the room left under 3,000
    assert texts(sections([line, line])) == [line + "\n" + line]


def test_a_line_one_character_longer_starts_a_new_block():
    line = "a" * 1480
    assert texts(sections([line, line])) == [line, line]


def test_a_line_of_2960_characters_is_kept_whole():
    line = "w " * 1480
    assert texts(sections([line.strip() + "x"])) == [line.strip() + "x"]


def test_a_line_of_2960_characters_first_is_shown_not_counted_as_more():
    line = "a" * 2960
    assert texts(sections([line], max_blocks=1)) == [line]
    assert texts(sections([line, line, "y"], max_blocks=2)) == [line, line + "\n…and 1 more"]


def test_a_line_of_2961_characters_is_cut():
    line = "a" * 2000 + " " + "b" * 960
    assert texts(sections([line])) == ["a" * 2000 + "…"]


def test_a_long_line_keeps_the_word_that_ends_at_the_limit():
    line = "a" * 1000 + " " + "b" * 1957 + " " + "c" * 100
    assert texts(sections([line])) == ["a" * 1000 + " " + "b" * 1957 + "…"]


def test_a_long_line_is_cut_at_a_space_not_a_tab():
    line = "a" * 2000 + " " + "b" * 950 + "\t" + "c" * 100
    assert texts(sections([line])) == ["a" * 2000 + "…"]


def test_a_new_block_fills_to_the_same_room_as_the_first():
    line = "a" * 1479
    assert texts(sections([line] * 4)) == [line + "\n" + line] * 2


def test_a_longer_line_is_cut_at_a_word_and_marked():
    line = "word " * 700  # 3,500 characters
    [text] = texts(sections([line]))
    assert text.endswith("word…") and len(text) <= 2960 and "  " not in text
    assert text == line[:2959].rsplit(" ", 1)[0] + "…"


def test_what_does_not_fit_is_counted_in_a_last_line():
    lines = [f"{i:04d}" + "x" * 1476 for i in range(25)]  # one line a block
    blocks = texts(sections(lines, max_blocks=3))
    assert len(blocks) == 3
    assert blocks[-1] == lines[2] + "\n…and 22 more"


def test_ten_blocks_by_default():
    lines = ["y" * 2000 for _ in range(12)]
    blocks = texts(sections(lines))
    assert len(blocks) == 10 and blocks[-1].endswith("…and 2 more")


lines_strategy = st.lists(st.one_of(st.text(alphabet="ab <&", max_size=1600),
                                    st.integers(min_value=2955, max_value=3005).map(lambda n: "a" * n)), max_size=30)


@given(lines_strategy, st.integers(min_value=1, max_value=12))
def test_splitting_never_loses_a_line_nor_breaks_the_limit(lines, max_blocks):
    blocks = texts(sections(lines, max_blocks=max_blocks))
    assert len(blocks) <= max_blocks
    assert all(len(text) <= SECTION_TEXT_MAX for text in blocks)
    shown = [line for text in blocks for line in text.split("\n")]
    if shown and shown[-1].startswith("…and "):
        more = int(shown.pop().split()[1])
        assert len(shown) + more == len(lines)
    else:
        assert len(shown) == len(lines) or lines == [""] * len(lines)
    for got, line in zip(shown, lines):
        assert got == line or (len(line) > 2960 and got.endswith("…") and line.startswith(got[:-1]))
