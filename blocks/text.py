"""The one escaping function for text that people or integrations wrote, and text-object helpers.

Slack reads `&`, `<` and `>` as control characters: `<!channel>` pings a channel, `<@U123>`
mentions a user. Escaping them makes such text inert in every kind of text object."""
from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from chatops.core.timefmt import duration  # noqa: F401 - block builders format durations from here

# Block Kit limits (GUIDE.md)
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
CONTEXT_TEXT_MAX = 2000
MODAL_TITLE_MAX = 24
OPTION_TEXT_MAX = 75
FALLBACK_TEXT_MAX = 3000


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def escape(text: object, limit: int | None = None) -> str:
    """Make untrusted text safe for any Slack text field: escape `&`, `<`, `>`, drop control
    characters, and truncate (before escaping, so an entity is never cut in half)."""
    raw = "" if text is None else str(text)
    raw = "".join(ch for ch in raw if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    if limit is not None:
        # leave room for the growth of escaping: at most 5 characters per `&`
        raw = truncate(raw, limit)
        while len(_escape(raw)) > limit and raw:
            raw = truncate(raw, len(raw) - 1)
    return _escape(raw)


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
        if size + len(line) + 1 > SECTION_TEXT_MAX - 40:
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


def clock(at: datetime) -> str:
    return at.strftime("%H:%M UTC")
