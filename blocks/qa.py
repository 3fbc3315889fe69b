"""Q&A views: the capture modal, what a submission answers, search results, the ticket notice."""
from __future__ import annotations

from typing import Any, Sequence

from chatops.qa.rules import IMAGE_EXTENSIONS, MAX_SCREENSHOTS, TILES, Source

from .text import (OPTION_TEXT_MAX, context, escape, header, message, plain, section, sections, truncate, utc)

CAPTURE = "qa_capture"  # the modal's callback id
SHORTCUT = "capture_qa"  # the message shortcut (slack-manifest.yml)
GLOBAL_SHORTCUT = "capture_qa_global"  # the global shortcut
CONFUSING = "confusing"


def mention(user: str | None) -> str:
    """A Slack user id becomes a mention; anything else (the console) is shown as text."""
    if not user:
        return "—"
    return f"<@{user}>" if user[:1] in ("U", "W") and user.isalnum() and len(user) <= 32 else escape(user, 64)


def link(url: str | None, text: str) -> str:
    if url and url.startswith("https://") and "|" not in url and ">" not in url:
        return f"<{escape(url)}|{escape(text, 80)}>"
    return escape(text, 80)


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "optional": optional,
             "element": {"action_id": "value", **element}}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(truncate(text, OPTION_TEXT_MAX)), "value": value}


def capture_modal(*, question: str = "", source: Source | None = None) -> dict[str, Any]:
    source = source or Source()
    text = {"type": "plain_text_input", "multiline": True, "max_length": 3000,
            "placeholder": plain("What did the operator ask?")}
    if question.strip():
        text["initial_value"] = truncate(question.strip(), 3000)
    blocks: list[dict[str, Any]] = []
    if source.author or source.permalink:
        facts = [f"From a message by {mention(source.author)}" if source.author else "From a Slack message"]
        if source.permalink:
            facts.append(link(source.permalink, "open it"))
        blocks.append(context(" · ".join(facts)))
    blocks += [
        _input("question", "Question", text),
        _input("answer", "Answer", {"type": "plain_text_input", "multiline": True, "max_length": 3000}, optional=True),
        _input("tile", "Tile", {"type": "static_select", "placeholder": plain("Which dashboard tile?"),
                                "options": [_option(t, t) for t in TILES]}),
        _input("confusing", "Confusing state", {"type": "checkboxes", "options": [
            _option("The dashboard state was confusing: file a Linear ticket", CONFUSING)]}, optional=True),
        _input("screenshots", "Screenshot", {"type": "file_input", "filetypes": list(IMAGE_EXTENSIONS),
                                             "max_files": MAX_SCREENSHOTS}, optional=True,
               hint=f"Up to {MAX_SCREENSHOTS} images; a ticket carries them."),
        _input("owner", "Owner", {"type": "users_select", "placeholder": plain("Who follows up")}, optional=True),
        _input("follow_up", "Follow-up due", {"type": "datepicker", "placeholder": plain("Pick a date")},
               optional=True),
    ]
    return {"type": "modal", "callback_id": CAPTURE, "title": plain("Capture Q&A", 24), "submit": plain("Save"),
            "close": plain("Cancel"), "private_metadata": source.metadata(), "blocks": blocks}


def _ticket(ticket: Any) -> str:
    if ticket.state == "filed":
        return f":ticket: {link(ticket.url, ticket.identifier or 'ticket')}"
    if ticket.state == "pending":
        return ":hourglass: ticket pending" + (f" ({escape(ticket.detail, 200)})" if ticket.detail else "")
    if ticket.state == "failed":
        return ":x: ticket not filed" + (f" ({escape(ticket.detail, 200)})" if ticket.detail else "")
    return ""


def entry_text(entry: Any, ticket: Any) -> str:
    when = utc(entry.created_at).strftime("%Y-%m-%d %H:%M UTC")
    head = f"*{entry.ref}* · *{escape(entry.tile)}* · `{when}` · {mention(entry.participant)}"
    if entry.confusing:
        head += " · :warning: confusing state"
    lines = [head, f"Q: {escape(entry.question, 400)}"]
    if entry.answer:
        lines.append(f"A: {escape(entry.answer, 400)}")
    if (shown := _ticket(ticket)):
        lines.append(shown)
    return "\n".join(lines) + "\n"


def entries_message(shown: Sequence[Any], *, words: str | None, ranked: bool) -> dict[str, Any]:
    if not shown:
        text = (f"No captured Q&A matches “{escape(words, 200)}”." if words else
                "No Q&A captured yet: `/occ qa` opens the capture form.")
        return message(text, [section(text)], response_type="ephemeral")
    title = ("Q&A search" if ranked else "Recent Q&A") + (f" · “{escape(words, 100)}”" if words else "")
    noun = ("best match" if len(shown) == 1 else "best matches") if ranked else \
        ("most recent entry" if len(shown) == 1 else "most recent entries")
    blocks = [header(title), *sections([entry_text(s.entry, s.ticket) for s in shown], max_blocks=40),
              context(f"{len(shown)} {noun}")]
    return message(f"{len(shown)} Q&A {noun}", blocks, response_type="ephemeral")


def usage(synopsis: str, why: str = "") -> dict[str, Any]:
    text = (f"{why} " if why else "") + f"Usage: `{escape(synopsis)}`"
    return message(text, [section(text)], response_type="ephemeral")


def saved_view(entry: Any, *, linear_ready: bool, session: str | None = None) -> dict[str, Any]:
    lines = [f":white_check_mark: Saved *{entry.ref}* ({escape(entry.tile)}): {escape(entry.question, 300)}"]
    if entry.confusing:
        lines.append("A Linear ticket (label `support-feedback`) is being filed; I'll message you its id." if linear_ready
                     else ":hourglass: Linear is not configured yet, so the ticket is kept as pending and filed "
                          "as soon as it is.")
    if session:
        lines.append(f"Linked to training session {escape(session, 200)}.")
    return {"type": "modal", "title": plain(entry.ref, 24), "close": plain("Done"),
            "blocks": [section("\n".join(lines)), context("Find it again with `/occ qa search <words>`.")]}


def ticket_filed(entry: Any) -> dict[str, Any]:
    text = (f":ticket: Filed {link(entry.ticket_url, entry.ticket_identifier or 'a ticket')} in Linear for the "
            f"confusing state you reported (*{entry.ref}*, {escape(entry.tile)}): {escape(entry.question, 500)}")
    return message(f"Filed {escape(entry.ticket_identifier or 'a ticket')} in Linear for {entry.ref}", [section(text)])


HOME_CAPTURE = "home_capture_qa"  # the Home tab's button that opens the capture form


def home_section(shown: Sequence[Any]) -> list[dict[str, Any]]:
    """The Home tab: recent Q&A with their tickets (open ones flagged), and a button to capture one."""
    open_tickets = sum(1 for s in shown if s.ticket.state in ("pending", "failed"))
    title = "*Recent Q&A*" + (f" · {open_tickets} ticket(s) not filed yet" if open_tickets else "")
    blocks: list[dict[str, Any]] = [{
        "type": "section", "text": {"type": "mrkdwn", "text": title},
        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Capture a Q&A"},
                      "action_id": HOME_CAPTURE, "value": "capture"}}]
    blocks += sections([entry_text(s.entry, s.ticket) for s in shown], max_blocks=3) if shown else [
        context("No questions captured yet.")]
    return blocks
