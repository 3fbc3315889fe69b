"""A body's change as a person reads it: the words removed and the words added, not a patch.
Pure: `word_diff` gives the pieces, `readable` a one-line text with ~~removed~~ and *added*."""
from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
SAME, REMOVED, ADDED = "=", "-", "+"


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) pieces in reading order: SAME, REMOVED or ADDED. Whitespace joins the pieces
    around it, so a changed phrase is one piece, not a piece per word."""
    a, b = _tokens(old), _tokens(new)
    pieces: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1][0] == op:
            pieces[-1] = (op, pieces[-1][1] + text)
        else:
            pieces.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(SAME, "".join(a[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            add(REMOVED, "".join(a[i1:i2]))
        if tag in ("insert", "replace"):
            add(ADDED, "".join(b[j1:j2]))
    return _absorb_spaces(pieces)


def _absorb_spaces(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A SAME piece of only whitespace between two changes joins them (one phrase, not two),
    when the change before it both removed and added (the space belongs to both texts)."""
    out: list[tuple[str, str]] = []
    run_start = 0  # where the current run of changes starts in `out`
    for n, (op, text) in enumerate(pieces):
        run = out[run_start:]
        between = op == SAME and not text.strip() and n + 1 < len(pieces) and pieces[n + 1][0] != SAME \
            and any(p[0] == REMOVED for p in run) and any(p[0] == ADDED for p in run)
        if between:
            for kind in (REMOVED, ADDED):
                i = max(i for i in range(run_start, len(out)) if out[i][0] == kind)
                out[i] = (kind, out[i][1] + text)
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
        if op == SAME:
            run_start = len(out)
    return _order(out)


def _order(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Within each run of changes: everything removed, then everything added."""
    out: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []
    for piece in pieces + [(SAME, "")]:
        if piece[0] == SAME:
            removed = "".join(t for op, t in run if op == REMOVED)
            added = "".join(t for op, t in run if op == ADDED)
            out += [(REMOVED, removed)] * bool(removed) + [(ADDED, added)] * bool(added)
            run = []
            if piece[1]:
                out.append(piece)
        else:
            run.append(piece)
    return out


def changed(pieces: list[tuple[str, str]]) -> bool:
    return any(op != SAME for op, _ in pieces)


def mark(text: str, left: str, right: str) -> str:
    """`text` wrapped in markers, each line apart, whitespace kept outside them (Slack reads
    `~x~` but not `~ x~`, and no marker spans a line break)."""
    lines = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            lines.append(line)
            continue
        start = line.index(core[0])
        lines.append(f"{line[:start]}{left}{core}{right}{line[start + len(core):]}")
    return "\n".join(lines)


def readable(pieces: list[tuple[str, str]], *, removed: tuple[str, str] = ("~~", "~~"),
             added: tuple[str, str] = ("*", "*")) -> str:
    """One line a person reads: unchanged words as they are, ~~removed~~ and *added* (a
    replacement reads `~~old~~ *new*`)."""
    out = []
    for n, (op, text) in enumerate(pieces):
        if op == REMOVED:
            out.append(mark(text, *removed))
        elif op == ADDED:
            after_removed = n > 0 and pieces[n - 1][0] == REMOVED
            out.append((" " if after_removed else "") + mark(text, *added))
        else:
            out.append(text)
    return "".join(out)
