"""The Memory decision log as a message."""
from __future__ import annotations

from typing import Any, Sequence

from .text import context, escape, header, message, section


def memory_message(scope: str, entries: Sequence[Any], *, unknown: bool = False) -> dict[str, Any]:
    if unknown:
        text = f"There is no Memory scope `{escape(scope, 40)}`; try `ops` or `build`."
        return message(text, [section(text)], response_type="ephemeral")
    if not entries:
        text = f"Memory `{escape(scope)}` has no entries yet."
        return message(text, [section(text)], response_type="ephemeral")
    lines = []
    for e in entries:
        when = e.created_at.strftime("%Y-%m-%d %H:%M")
        ref = f" · {escape(e.external_ref)}" if e.external_ref else ""
        why = f" — {escape(e.rationale, 300)}" if e.rationale else ""
        lines.append(f"`{when}` *{escape(e.action)}* by {escape(e.actor, 64)}{ref}{why}")
    blocks = [header(f"Memory · {scope}"), section("\n".join(lines)),
              context(f"{len(entries)} most recent entries")]
    return message(f"Memory {escape(scope)}: {len(entries)} recent entries", blocks, response_type="ephemeral")
