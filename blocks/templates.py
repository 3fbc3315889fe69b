"""Reply templates in Slack: the library, the review modal and its confirmation, the daily
reminder, and the answers to publishing. Everything a person or Chatwoot wrote is escaped."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from chatops.templates.diff import ADDED, REMOVED, mark
from chatops.templates.lint import Flag, flags, preview
from chatops.templates.service import APPROVED, CHANGES, DECISIONS, DUE, NEVER, REJECTED

from .text import (MODAL_TITLE_MAX, OPTION_TEXT_MAX, context, escape, header, message, plain, section, sections,
                   truncate, utc)

REVIEW = "template_review"  # the Review button (value: the template id)
REVIEW_VIEW = "template_review_submit"
FIELDS = ("body", "decision", "tone", "accuracy", "policy", "note")
GRADES = ("tone", "accuracy", "policy")
MAX_LISTED = 40  # templates with a button of their own; the rest are listed as text (50 blocks a message)
STATE_EMOJI = {APPROVED: ":white_check_mark:", CHANGES: ":pencil2:", REJECTED: ":no_entry:", NEVER: ":white_circle:",
               DUE: ":alarm_clock:"}
GRADE_WORDS = {1: "1 — poor", 2: "2", 3: "3 — acceptable", 4: "4", 5: "5 — excellent"}
PREVIEW_MAX = 1500


def _who(user: str | None) -> str:
    if not user:
        return "—"
    return f"<@{escape(user)}>" if user[:1] in ("U", "W") and user.isalnum() else escape(user, 64)


def _when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "—"
    at = utc(at)
    return at.strftime("%H:%M UTC today") if at.date() == utc(now).date() else at.strftime("%Y-%m-%d %H:%M UTC")


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(truncate(text, OPTION_TEXT_MAX)), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": plain(label), "optional": optional,
            "element": {"action_id": "value", **element}}


def _quoted(text: str, limit: int = PREVIEW_MAX) -> str:
    return "\n".join(f">{line}" for line in escape(text, limit).split("\n"))


def _button(key: str) -> dict[str, Any]:
    return {"type": "button", "text": plain("Review"), "action_id": REVIEW, "value": key[:64]}


def diff_mrkdwn(pieces: Sequence[tuple[str, str]]) -> str:
    """The change as Slack shows it: removed words struck through, added words bold."""
    out = []
    for n, (op, text) in enumerate(pieces):
        shown = escape(text)
        if op == REMOVED:
            out.append(mark(shown, "~", "~"))
        elif op == ADDED:
            out.append((" " if n and pieces[n - 1][0] == REMOVED else "") + mark(shown, "*", "*"))
        else:
            out.append(shown)
    return truncate("".join(out), 2900)


def flag_line(found: Sequence[Flag]) -> str:
    return ":warning: *Confirm before publishing* — " + " · ".join(escape(f.describe, 200) for f in found[:8])


def grades(review: Any) -> str:
    return f"tone {review.tone} · accuracy {review.accuracy} · policy {review.policy}"


def template_line(s: Any, now: datetime) -> str:
    head = (f"{STATE_EMOJI.get(s.state, '')} *{escape(s.key, 64)}* · {escape(s.label, 100)} · v{s.version}"
            f" · *{s.state}*")
    r = s.review
    last = (f"Last review: {_when(r.created_at, now)} by {_who(r.reviewer)} — {DECISIONS.get(r.decision, r.decision)}"
            f" v{r.version} ({grades(r)})") if r else "Last review: never"
    facts = [last]
    if s.publishing:
        facts.append(f"publishing v{s.publishing} to Chatwoot…")
    elif s.publish_error:
        facts.append(f"last publish failed: {escape(s.publish_error, 200)}")
    if s.published_version:
        facts.append(f"published v{s.published_version} by {_who(s.published_by)} at {_when(s.published_at, now)}")
    if s.author == "chatwoot":
        facts.append(f"v{s.version} came from Chatwoot" if s.version == 1 else
                     f"v{s.version} was changed in Chatwoot by hand")
    return head + "\n" + " · ".join(facts)


def list_message(states: Sequence[Any], now: datetime, *, live: bool, note: str | None = None) -> dict[str, Any]:
    if not states:
        return reply("No templates yet.")
    blocks: list[dict[str, Any]] = [header(f"Reply templates · {len(states)}")]
    if note:
        blocks.append(section(note))
    for s in states[:MAX_LISTED]:
        blocks.append({**section(template_line(s, now)), "accessory": _button(s.key)})
    if len(states) > MAX_LISTED:
        blocks += sections([template_line(s, now) for s in states[MAX_LISTED:]], max_blocks=4)
    seen = max((s.seen_at for s in states if s.seen_at), default=None)
    where = (f"Synced with Chatwoot {_when(seen, now)}." if seen else "Not synced with Chatwoot yet.") if live else \
        "Chatwoot is MOCK: these are the built-in templates; publishing waits until Chatwoot is connected."
    due = sum(s.state in (DUE, NEVER) for s in states)
    blocks.append(context(f"{due} due for review today (UTC) · {where} · `/occ template review <id>` · "
                          "`/occ template publish <id> [version]` (managers)"))
    return message(f"{len(states)} reply templates, {due} due for review", blocks, response_type="ephemeral")


def review_modal(s: Any) -> dict[str, Any]:
    found = flags(s.body)
    blocks = [section(f"*{escape(s.key, 64)}* · {escape(s.label, 100)} · v{s.version} · {s.state}"),
              section("*Preview* — as a customer reads it\n" + _quoted(preview(s.body)))]
    if found:
        blocks.append(context(flag_line(found)))
    decision = {"type": "static_select", "placeholder": plain("Your decision"),
                "options": [_option("Approve", "approve"), _option("Request changes", "request_changes"),
                            _option("Reject", "reject")]}
    blocks += [_input("body", "Body", {"type": "plain_text_input", "multiline": True, "max_length": 3000,
                                       "initial_value": truncate(s.body, 3000)}),
               _input("decision", "Decision", decision)]
    for grade in GRADES:
        blocks.append(_input(grade, grade.capitalize(), {
            "type": "static_select", "placeholder": plain("1 to 5"),
            "options": [_option(GRADE_WORDS[n], str(n)) for n in range(1, 6)]}))
    blocks.append(_input("note", "Note", {"type": "plain_text_input", "multiline": True, "max_length": 3000},
                         optional=True))
    blocks.append(context("Placeholders: `{{name}}` reads “Customer” when unknown. Changing the body makes a new "
                          "draft version; only managers publish."))
    return {"type": "modal", "callback_id": REVIEW_VIEW, "title": plain(truncate(f"Review {s.key}", MODAL_TITLE_MAX)),
            "submit": plain("Save review"), "close": plain("Cancel"),
            "private_metadata": json.dumps({"key": s.key, "version": s.version}), "blocks": blocks}


def review_saved_view(outcome: Any) -> dict[str, Any]:
    r = outcome.review
    decided = DECISIONS.get(r.decision, r.decision)
    blocks = [section(f"{STATE_EMOJI.get(decided, '')} *{escape(outcome.key, 64)}* v{r.version} — *{decided}* "
                      f"({grades(r)}) by {_who(r.reviewer)}")]
    if outcome.new_version:
        blocks.append(section(f"*New draft v{r.version}* (changed from v{r.previous_version}):\n"
                              + diff_mrkdwn(outcome.diff)))
    blocks.append(section("*Preview*\n" + _quoted(preview(outcome.body))))
    if outcome.flags:
        blocks.append(section(flag_line(outcome.flags)))
    if r.note:
        blocks.append(section(f"*Note*: {escape(r.note, 2800)}"))
    after = (f"A manager publishes it: `/occ template publish {escape(outcome.key, 64)} {r.version}`."
             if r.decision == "approve" else "It cannot be published until a review approves it.")
    blocks.append(context(f"Logged in Memory `ops`. {after}" + (" (This review was already saved.)"
                                                                 if outcome.already else "")))
    return {"type": "modal", "title": plain("Review saved"), "close": plain("Done"), "blocks": blocks}


def reminder(due: Sequence[Any], now: datetime) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        header("Template review due"),
        section(f":alarm_clock: {len(due)} reply template(s) have not been reviewed today (UTC). "
                "Support reviews them daily; each review is logged in Memory `ops`.")]
    for s in due[:MAX_LISTED]:
        blocks.append({**section(template_line(s, now)), "accessory": _button(s.key)})
    if len(due) > MAX_LISTED:
        blocks += sections([template_line(s, now) for s in due[MAX_LISTED:]], max_blocks=4)
    names = ", ".join(escape(s.key, 64) for s in due[:20])
    return message(f"Template review due: {names}", blocks)


def reply(text: str) -> dict[str, Any]:
    return message(text, [section(text)], response_type="ephemeral")


def not_found(key: str) -> dict[str, Any]:
    return reply(f"I don't know template `{escape(key, 64)}`. `/occ templates` lists them.")


def usage(synopsis: str) -> dict[str, Any]:
    return reply(f"Usage: `{escape(synopsis)}`")


def publish_reply(outcome: Any) -> dict[str, Any]:
    key, v = escape(outcome.key, 64), outcome.version
    if outcome.status == "queued":
        return reply(f":outbox_tray: Publishing *{key}* v{v} to Chatwoot's canned responses. Memory `ops` records it "
                     "once Chatwoot has it; `/occ templates` shows it.")
    if outcome.status == "waiting":
        return reply(f":hourglass: *{key}* v{v} is queued, but Chatwoot is not connected (MOCK): it will be published "
                     "when Chatwoot is connected. Nothing was sent.")
    if outcome.status == "pending":
        return reply(f"A publish of *{key}* v{v} is already on its way to Chatwoot; it is not queued twice.")
    if outcome.status == "live":
        return reply(f"Chatwoot already has *{key}* v{v}; nothing to publish.")
    if outcome.status == "no_version":
        return reply(f"*{key}* has no v{v}. `/occ templates` shows its current version.")
    if outcome.status == "not_approved":
        hint = (f" v{outcome.approved} is approved: `/occ template publish {key} {outcome.approved}`."
                if outcome.approved else f" Review it first: `/occ template review {key}`.")
        return reply(f":no_entry: Only an approved version can be published: *{key}* v{v} is {outcome.decision}."
                     + hint + " Nothing was sent.")
    return not_found(outcome.key)


def sync_note(outcome: Any) -> str:
    parts = []
    if outcome.added:
        parts.append("new in Chatwoot: " + ", ".join(f"*{escape(k, 64)}*" for k in outcome.added[:20]))
    if outcome.drifted:
        parts.append("changed in Chatwoot by hand (drift, a new version to review): "
                     + ", ".join(f"*{escape(k, 64)}*" for k in outcome.drifted[:20]))
    return ":arrows_counterclockwise: Synced with Chatwoot — " + "; ".join(parts) + "."


def sync_failed(error: str) -> dict[str, Any]:
    return reply(f":warning: Could not read Chatwoot's canned responses ({escape(error, 200)}); the list above is "
                 "from the last sync.")


def home_section(states: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """The Home tab: the templates due for review, each with its Review button."""
    due = [s for s in states if s.state in (DUE, NEVER)]
    blocks: list[dict[str, Any]] = [section(f"*Templates due for review* ({len(due)} of {len(states)})")]
    for s in due[:8]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": template_line(s, now)},
                       "accessory": _button(s.key)})
    if len(due) > 8:
        blocks.append(context(f"…and {len(due) - 8} more: `/occ templates` lists them all"))
    if not due:
        blocks.append(context("Every template is reviewed for today. :white_check_mark:"))
    return blocks
