"""The Memory decision log as a message."""
from __future__ import annotations

from typing import Any, Sequence

from .text import context, escape, header, message, section, sections, utc


def entry_line(e: Any) -> str:
    when = utc(e.created_at).strftime("%Y-%m-%d %H:%M")
    ref = f" · {escape(e.external_ref)}" if e.external_ref else ""
    why = f" — {escape(e.rationale, 300)}" if e.rationale else ""
    return f"`{when}` *{escape(e.action)}* by {escape(e.actor, 64)}{ref}{why}"


def memory_message(scope: str, entries: Sequence[Any], *, words: str | None = None,
                   usage: str | None = None) -> dict[str, Any]:
    if usage:
        text = f"Usage: `{escape(usage)}`"
        return message(text, [section(text)], response_type="ephemeral")
    if not entries:
        text = (f"Nothing in Memory `{escape(scope)}` matches “{escape(words, 200)}”." if words
                else f"Memory `{escape(scope)}` has no entries yet.")
        return message(text, [section(text)], response_type="ephemeral")
    title = f"Memory · {scope}" + (f" · “{words}”" if words else "")
    blocks = [header(title), *sections([entry_line(e) for e in entries], max_blocks=20),
              context(f"{len(entries)} {_noun(len(entries), words)}")]
    return message(f"Memory {escape(scope)}: {len(entries)} entries", blocks, response_type="ephemeral")


def _noun(count: int, words: str | None) -> str:
    if words:
        return "best match" if count == 1 else "best matches"
    return "most recent entry" if count == 1 else "most recent entries"


def logged_reply(entry: Any) -> dict[str, Any]:
    text = f":memo: Logged in Memory `ops`: {escape(entry.rationale, 2800)}"
    return message(text, [section(text)], response_type="ephemeral")
