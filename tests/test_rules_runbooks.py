"""Runbook matching (chatops.runbooks.match) and staleness (Entry.stale): the weights, the typo
rule's word length and closeness, ties, and exactly 90 days."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chatops.runbooks.catalog import load
from chatops.runbooks.match import CLOSE, best, score, vocabulary
from chatops.runbooks.service import STALE_AFTER, Entry

BASE = load()[0]


def book(id: str, title: str = "A runbook", words=("alpha",), labels=()):
    return BASE.model_copy(update={"id": id, "title": title, "words": tuple(words), "labels": tuple(labels)})


REFUND = book("refund-return", "Refunds and returns", words=("money back", "damaged"), labels=("cx-refund",))


def test_the_vocabulary_is_the_words_of_the_id_title_phrases_and_labels():
    assert vocabulary(REFUND) == {"refund", "return", "refunds", "and", "returns", "money", "back", "damaged", "cx"}


def test_an_exact_word_counts_two():
    assert score(REFUND, "damaged") == 2
    assert score(REFUND, "DAMAGED damaged") == 4


def test_a_phrase_found_whole_counts_three_more():
    assert score(REFUND, "money back") == 2 + 2 + 3
    assert score(REFUND, "back money") == 4


def test_a_close_word_of_four_letters_counts_one():
    books = [book("x-y", words=("abcd",))]
    assert score(books[0], "abcx") == 0  # ratio 0.75: not close enough
    assert score(book("x-y", words=("abcde",)), "abcdx") == 1  # ratio 0.8: close


def test_closeness_is_eighty_percent():
    assert CLOSE == 0.8
    assert score(book("x-y", words=("abcdefghij",)), "abcdefghxy") == 1  # 0.8
    assert score(book("x-y", words=("abcdefghij",)), "abcdefgxyz") == 0  # 0.7


def test_a_word_of_four_letters_may_be_a_typo_one_of_three_never():
    assert score(book("x-y", words=("abcde",)), "abcd") == 1  # ratio 0.89
    assert score(book("x-y", words=("abcd",)), "abc") == 0  # ratio 0.86, but three letters


def test_each_close_word_counts():
    assert score(REFUND, "damagd") == 1
    assert score(REFUND, "refund damagd monye") == 2 + 1 + 1


def test_nothing_typed_scores_nothing():
    assert score(REFUND, "") == 0 and score(REFUND, "!!!") == 0


def test_the_exact_id_wins_over_any_score():
    other = book("other", words=("refund-return", "refund return", "refund"))
    assert best([other, REFUND], " Refund-Return ") is REFUND


def test_the_best_score_wins():
    weak = book("weak", words=("damaged",))
    assert best([weak, REFUND], "damaged money back") is REFUND


def test_a_tie_goes_to_the_first_in_file_order():
    first, second = book("first", words=("same",)), book("second", words=("same",))
    assert best([first, second], "same") is first
    assert best([second, first], "same") is second


def test_nothing_fits_nothing_and_no_books_find_nothing():
    assert best([REFUND], "zzzz") is None
    assert best([], "refund") is None


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_a_runbook_is_stale_after_exactly_ninety_days_not_at():
    assert STALE_AFTER == timedelta(days=90)
    assert not Entry(REFUND, NOW - timedelta(days=90), None).stale(NOW)
    assert Entry(REFUND, NOW - timedelta(days=90, microseconds=1), None).stale(NOW)
