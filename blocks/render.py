"""Block Kit → readable text, for the console transport. Pure."""
from __future__ import annotations

import re
from typing import Any

from .text import unescape

_EMOJI = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+\-]*:(?![\w:])\s?")  # not `chatwoot:canned:7`
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def text_of(obj: Any) -> str:
    """The readable form of a text object (or a bare string)."""
    if isinstance(obj, dict):
        raw = str(obj.get("text") or "")
        if obj.get("type") == "mrkdwn":
            raw = _BOLD.sub(r"\1", _LINK.sub(r"\2 (\1)", raw))
    else:
        raw = str(obj or "")
    return unescape(_EMOJI.sub("", raw)).strip()


def _element(el: dict[str, Any]) -> str:
    kind = el.get("type")
    if kind == "button":
        return f"[{text_of(el.get('text'))}]"
    if kind in ("static_select", "overflow"):
        return "(" + " | ".join(text_of(o.get("text")) for o in el.get("options") or []) + ")"
    return text_of(el.get("text") or el.get("placeholder") or "")


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = text_of(block.get("text"))
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines.append(text_of(block["text"]))
            for f in block.get("fields") or []:
                lines.append("  " + text_of(f).replace("\n", ": ", 1))
            if isinstance(block.get("accessory"), dict) and block["accessory"].get("type") == "button":
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines.append("  " + " · ".join(t for t in (text_of(e) for e in block.get("elements") or []) if t))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e) for e in block.get("elements") or []))
        elif kind == "input":
            lines.append(f"{text_of(block.get('label'))}:")
    return lines


def render_message(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    if blocks:
        return "\n".join(render_blocks(blocks))
    return text_of({"type": "mrkdwn", "text": message.get("text", "")})
