"""The one escaping function for text that people or integrations wrote, and text-object helpers.

Slack reads `&`, `<` and `>` as control characters: `<!channel>` pings a channel, `<@U123>`
mentions a user. Escaping them makes such text inert in every kind of text object.
Bidirectional controls (a right-to-left override can make `gpj.exe` read as `exe.jpg`) are dropped."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from typing import Any

from chatops.core.timefmt import duration  # noqa: F401 - block builders format durations from here

# Block Kit limits (GUIDE.md)
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
CONTEXT_TEXT_MAX = 2000
MODAL_TITLE_MAX = 24
OPTION_TEXT_MAX = 75
FALLBACK_TEXT_MAX = 3000

# LRM, RLM, the embeddings and overrides (LRE, RLE, PDF, LRO, RLO), the isolates (LRI, RLI, FSI, PDI), ALM
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: object, limit: int | None = None) -> str:
    """Make untrusted text safe for any Slack text field: escape `&`, `<`, `>`; drop control
    characters, bidirectional controls and lone surrogates; keep the result within `limit`
    characters (cutting whole characters, never an entity in half, and marking a cut with `…`)."""
    raw = "" if text is None else str(text)
    raw = "".join(ch for ch in raw if ch in "\n\t"
                  or (ch not in BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs")))
    escaped = _escape(raw)
    if limit is None or len(escaped) <= limit:
        return escaped
    if limit <= 0:
        return ""
    room, size, kept = limit - 1, 0, []  # room for the text before the `…`
    for ch in raw:
        piece = _ENTITIES.get(ch, ch)
        if size + len(piece) > room:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"


def _escape(raw: str) -> str:
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """For the console only: show escaped text the way Slack would display it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; `text` must already be built from escaped parts."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def sections(lines: list[str], *, max_blocks: int = 10) -> list[dict[str, Any]]:
    """Lines (already escaped) packed into as few section blocks as fit Slack's 3,000-character
    limit, never cutting a line (an escaped entity or a mention) in half; what does not fit in
    `max_blocks` is counted in a last line."""
    blocks: list[list[str]] = [[]]
    size = 0
    for n, line in enumerate(lines):
        line = line if len(line) <= SECTION_TEXT_MAX - 40 else line[: SECTION_TEXT_MAX - 41].rsplit(" ", 1)[0] + "…"
        if blocks[-1] and size + len(line) + 1 > SECTION_TEXT_MAX - 40:  # an empty block takes any line
            if len(blocks) == max_blocks:
                blocks[-1].append(f"…and {len(lines) - n} more")
                break
            blocks.append([])
            size = 0
        blocks[-1].append(line)
        size += len(line) + 1
    return [section("\n".join(b)) for b in blocks if b]


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(truncate(t, CONTEXT_TEXT_MAX)) for t in texts[:10]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def message(text: str, blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A message payload: `text` is the notification fallback (already escaped), `blocks` at most 50."""
    payload: dict[str, Any] = {"text": truncate(text, FALLBACK_TEXT_MAX)}
    if blocks:
        payload["blocks"] = blocks[:50]
    payload.update(extra)
    return payload


def utc(at: datetime) -> datetime:
    """`at` in UTC; a naive datetime is UTC already (the convention of this codebase)."""
    return at if at.tzinfo is None else at.astimezone(timezone.utc)


def clock(at: datetime) -> str:
    return utc(at).strftime("%H:%M UTC")
