"""Which runbook a person means: the words they typed against each runbook's id, title, trigger
words and labels. Pure. A typo still finds it ("refnud" → refund / return)."""
from __future__ import annotations

import difflib
import re
from typing import Sequence

from .catalog import Runbook

_WORD = re.compile(r"[a-z0-9]+")
CLOSE = 0.8  # difflib ratio for a typo to count as the word


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def vocabulary(book: Runbook) -> set[str]:
    words = set(_words(book.id)) | set(_words(book.title))
    for phrase in (*book.words, *book.labels):
        words |= set(_words(phrase))
    return words


def score(book: Runbook, query: str) -> float:
    """Exact words count 2, a phrase of the runbook's found whole 3, a close word 1."""
    asked = _words(query)
    if not asked:
        return 0.0
    vocab = vocabulary(book)
    total = 0.0
    for word in asked:
        if word in vocab:
            total += 2
        elif len(word) >= 4 and difflib.get_close_matches(word, vocab, n=1, cutoff=CLOSE):
            total += 1
    joined = " ".join(asked)
    total += sum(3 for phrase in book.words if " " in phrase and phrase in joined)
    return total


def best(books: Sequence[Runbook], query: str) -> Runbook | None:
    """The exact id, else the best-scoring runbook (ties: file order); None when nothing fits."""
    wanted = query.strip().lower()
    for book in books:
        if book.id == wanted:
            return book
    scored = [(score(b, query), -n, b) for n, b in enumerate(books)]
    top = max(scored, key=lambda t: (t[0], t[1]), default=None)
    return top[2] if top and top[0] > 0 else None
