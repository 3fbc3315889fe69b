"""Runbooks as messages: the list, one runbook with its SOPs and L1/L2/L3 ladder, the button."""
from __future__ import annotations

import json
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


ESCALATE = "sla_escalate"  # the Escalate button on an SLA-breach alert (value: the conversation id)
ESCALATE_VIEW = "sla_escalate_submit"


def escalate_button(conversation_id: object, text: str = "Escalate") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text[:75]}, "action_id": ESCALATE,
            "value": str(conversation_id)[:40], "style": "danger"}


def _rung(plan: Any) -> str:
    return (f"*{plan.level}* {escape(plan.rung.who)} — {escape(plan.rung.when)}: {escape(plan.rung.does)}\n"
            f"Runbook: *{escape(plan.runbook.title)}* · SOP-CX-003 (label `escalation`, internal note with the "
            "customer's expectation)")


def escalate_modal(plan: Any) -> dict[str, Any]:
    who = f" ({escape(plan.customer, 60)})" if plan.customer else ""
    if plan.before:
        who += f" — escalated before ({', '.join(escape(level) for level in plan.before)})"
    return {
        "type": "modal", "callback_id": ESCALATE_VIEW, "title": {"type": "plain_text", "text": "Escalate"},
        "submit": {"type": "plain_text", "text": "Escalate"}, "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"conversation_id": str(plan.conversation_id)}),
        "blocks": [
            section(f"Conversation *#{escape(plan.conversation_id)}*{who} goes to:\n" + _rung(plan)),
            {"type": "input", "block_id": "expectation", "label": {"type": "plain_text", "text": "Customer's expectation"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1000,
                         "placeholder": {"type": "plain_text", "text": "What the customer expects, in their words"}}},
            {"type": "input", "block_id": "note", "optional": True, "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1000}},
        ],
    }


def escalated_view(plan: Any, *, live: bool, again: bool = False) -> dict[str, Any]:
    where = ("Chatwoot gets the `escalation` label and the internal note now (through the outbox)." if live else
             "Chatwoot is not connected (MOCK): the label and the note wait, and are applied once it is.")
    head = "Already escalated from this form." if again else f":arrow_up: Escalated to {_rung(plan)}"
    return {"type": "modal", "title": {"type": "plain_text", "text": "Escalated"},
            "close": {"type": "plain_text", "text": "Done"},
            "blocks": [section(head), context(where + " Logged in Memory `ops`.")]}


def thread_note(plan: Any, actor: str) -> dict[str, Any]:
    text = (f":arrow_up: Conversation #{escape(plan.conversation_id)} escalated to *{plan.level}* "
            f"{escape(plan.rung.who)} by <@{escape(actor)}> (SOP-CX-003).")
    return message(text, [section(text)])


def no_episode(conversation_id: str) -> dict[str, Any]:
    text = f"I have no SLA alert for conversation #{escape(conversation_id, 40)}; nothing was escalated."
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)
