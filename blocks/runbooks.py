"""Runbooks as messages: the list, one runbook with its SOPs and L1/L2/L3 ladder, the button."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from .text import context, escape, header, message, section, sections

SHOW = "runbook_show"
KINDS = {"conversation": "Conversation types", "outage": "Integration outages"}


def button(value: str, text: str = "Runbook") -> dict[str, Any]:
    """Shows a runbook to whoever presses it; `value` is its id or `integration:<key>`."""
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": SHOW, "value": value[:2000]}


def _verified(entry: Any, now: datetime) -> str:
    who = f" by <@{escape(entry.verified_by)}>" if entry.verified_by else ""
    when = entry.verified_at.strftime("%Y-%m-%d")
    flag = " :warning: *not verified for over 90 days*" if entry.stale(now) else ""
    return f"verified {when}{who}{flag}"


def list_message(entries: Sequence[Any], now: datetime) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Escalation runbooks")]
    for kind, title in KINDS.items():
        lines = [f"• `{escape(e.book.id)}` — *{escape(e.book.title)}* · "
                 f"{', '.join(e.book.sops) or 'no SOP'} · {_verified(e, now)}"
                 for e in entries if e.book.kind == kind]
        if lines:
            blocks += [section(f"*{title}*"), *sections(lines, max_blocks=5)]
    stale = sum(1 for e in entries if e.stale(now))
    blocks.append(context("`/occ runbook <type or words>` shows one (a typo still finds it)"
                          + (f" · :warning: {stale} not verified for over 90 days" if stale else "")))
    return message(f"{len(entries)} runbooks", blocks, response_type="ephemeral")


def runbook_message(entry: Any, now: datetime) -> dict[str, Any]:
    book = entry.book
    sops = " · ".join(book.sops) or "no SOP"
    rungs = [f"*{level}* {escape(getattr(book.ladder, level).who)} — {escape(getattr(book.ladder, level).when)}: "
             f"{escape(getattr(book.ladder, level).does)}" for level in ("L1", "L2", "L3")]
    facts = [f"*SOPs* {sops}"]
    if book.template:
        facts.append(f"*Template* `{escape(book.template)}`")
    if book.labels:
        facts.append("*Labels* " + ", ".join(f"`{escape(label)}`" for label in book.labels))
    blocks = [header(book.title), section(" · ".join(facts)), section("*Escalation ladder*\n" + "\n".join(rungs)),
              section("*Steps*\n" + escape(book.steps, 2800)),
              context(f"`{escape(book.id)}` · owner {escape(book.owner)} · {_verified(entry, now)}")]
    text = f"Runbook {book.title}: {sops}; L1 {book.ladder.L1.who}, L2 {book.ladder.L2.who}, L3 {book.ladder.L3.who}"
    return message(escape(text), blocks, response_type="ephemeral")


def not_found(words: str, entries: Sequence[Any], now: datetime) -> dict[str, Any]:
    listing = list_message(entries, now)
    note = section(f":grey_question: No runbook matches “{escape(words, 100)}”. These are the runbooks:")
    return message(f"No runbook matches {escape(words, 100)}", [note, *listing["blocks"][1:]],
                   response_type="ephemeral")


def verified_reply(entry: Any, now: datetime) -> dict[str, Any]:
    text = f":white_check_mark: *{escape(entry.book.title)}* {_verified(entry, now)}; logged in Memory `ops`."
    return message(text, [section(text)], response_type="ephemeral")


def usage(synopsis: str) -> dict[str, Any]:
    text = f"Usage: `{escape(synopsis)}`"
    return message(text, [section(text)], response_type="ephemeral")
