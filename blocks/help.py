"""Help, generated from the subcommand registry."""
from __future__ import annotations

from typing import Any, Iterable

from .text import context, escape, header, message, section, sections


def help_message(commands: Iterable[tuple[str, str]], *, unknown: str | None = None) -> dict[str, Any]:
    """`commands` are (synopsis, summary) pairs; `unknown` is what the person typed, if it matched nothing."""
    rows = [f"`{escape(synopsis)}` — {escape(summary)}" for synopsis, summary in commands]
    blocks: list[dict[str, Any]] = []
    if unknown is not None:
        shown = escape(unknown, 80) or "(nothing)"
        blocks.append(section(f":grey_question: I don't know `{shown}`. Here is what I can do:"))
        fallback = f"Unknown subcommand: {shown}. Try /occ help."
    else:
        blocks.append(header("OCC chat-ops — /occ"))
        fallback = "/occ subcommands: " + ", ".join(escape(s) for s, _ in commands)
    blocks.extend(sections(rows, max_blocks=10))
    blocks.append(context("Shopify · Chatwoot · Google Analytics — type `/occ health` to check them now"))
    return message(fallback, blocks, response_type="ephemeral")
