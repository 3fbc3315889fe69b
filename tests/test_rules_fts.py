"""What a search reads of what a person typed (storage.fts.words / sqlite_match)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.fts import MAX_WORDS, sqlite_match, words


def test_words_are_letters_digits_and_underscores_in_any_script():
    assert words('refund "OR" -x* café_1 über,ß') == ["refund", "OR", "x", "café_1", "über", "ß"]


def test_nothing_typed_is_no_words():
    assert words("") == [] and words(None) == [] and words("!!! ---") == []


def test_at_most_sixteen_words_are_read():
    assert MAX_WORDS == 16
    typed = " ".join(f"w{i}" for i in range(17))
    assert words(typed) == [f"w{i}" for i in range(16)]
    assert len(words(" ".join(f"w{i}" for i in range(16)))) == 16


def test_a_word_is_cut_at_64_characters():
    assert words("a" * 64) == ["a" * 64]
    assert words("b" * 65) == ["b" * 64]


def test_every_word_is_quoted_and_all_are_required():
    assert sqlite_match('refund OR "drop" NEAR') == '"refund" "OR" "drop" "NEAR"'
    assert sqlite_match("") == ""


@given(st.text(max_size=200))
def test_a_match_expression_is_only_quoted_words(text):
    expression = sqlite_match(text)
    terms = expression.split(" ") if expression else []
    assert len(terms) <= MAX_WORDS
    assert all(t.startswith('"') and t.endswith('"') and '"' not in t[1:-1] for t in terms)
