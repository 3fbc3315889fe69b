"""Incident views: the modal, the announcement (edited in place), lists, details, stats."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from chatops.incidents.rules import INTEGRATION_BY_KEY, INTEGRATIONS, SEVERITIES, STATUSES

from .runbooks import button as runbook_button
from .text import (OPTION_TEXT_MAX, clock, context, duration, escape, header, message, plain, section, sections,
                   truncate, utc)

NEW_INCIDENT, STATUS_VIEW, NOTE_VIEW = "incident_new", "incident_status", "incident_note"
ACK, UPDATE, NOTE, RESOLVE = "incident_ack", "incident_update", "incident_add_note", "incident_resolve"
EMOJI = {"SEV1": ":red_circle:", "SEV2": ":large_orange_circle:", "SEV3": ":large_yellow_circle:",
         "SEV4": ":large_blue_circle:"}
KEY_BY_INTEGRATION = {name: key for key, name in INTEGRATION_BY_KEY.items()}
STATUS_EMOJI = {"investigating": ":mag:", "identified": ":bulb:", "monitoring": ":eyes:",
                "resolved": ":white_check_mark:"}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(truncate(text, OPTION_TEXT_MAX)), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": plain(label), "optional": optional,
            "element": {"action_id": "value", **element}}


def incident_modal(*, title: str = "", integration: str | None = None, episode_id: int | None = None) -> dict[str, Any]:
    severity = {"type": "static_select", "placeholder": plain("Pick a severity"),
                "options": [_option(s.label, s.name) for s in SEVERITIES.values()]}
    systems = {"type": "static_select", "placeholder": plain("Which integration?"),
               "options": [_option(name, name) for name in INTEGRATIONS]}
    if integration in INTEGRATIONS:
        systems["initial_option"] = _option(integration, integration)
    name = {"type": "plain_text_input", "max_length": 150, "placeholder": plain("What is broken, in a few words")}
    if title.strip():
        name["initial_value"] = truncate(title.strip(), 150)
    return {
        "type": "modal", "callback_id": NEW_INCIDENT, "title": plain("New incident"),
        "submit": plain("Open incident"), "close": plain("Cancel"),
        "private_metadata": json.dumps({"episode_id": episode_id}),
        "blocks": [
            _input("title", "Title", name),
            _input("severity", "Severity", severity),
            _input("integration", "Integration", systems),
            _input("description", "Description", {"type": "plain_text_input", "multiline": True, "max_length": 3000},
                   optional=True),
            _input("commander", "Commander", {"type": "users_select", "placeholder": plain("Who leads it")},
                   optional=True),
        ],
    }


def status_modal(inc: Any) -> dict[str, Any]:
    options = [_option(s.capitalize(), s) for s in STATUSES if s != inc.status]
    return {
        "type": "modal", "callback_id": STATUS_VIEW, "title": plain(f"Update {inc.ref}"), "submit": plain("Update"),
        "private_metadata": json.dumps({"number": inc.number}),
        "blocks": [section(f"*{inc.ref}* {escape(inc.title)} — now *{inc.status}*"),
                   _input("status", "Status", {"type": "static_select", "options": options}),
                   _input("note", "Note", {"type": "plain_text_input", "multiline": True, "max_length": 3000},
                          optional=True)],
    }


def note_modal(inc: Any) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": NOTE_VIEW, "title": plain(f"Note on {inc.ref}"), "submit": plain("Add note"),
        "private_metadata": json.dumps({"number": inc.number}),
        "blocks": [section(f"*{inc.ref}* {escape(inc.title)}"),
                   _input("note", "Note", {"type": "plain_text_input", "multiline": True, "max_length": 3000})],
    }


def _who(user: str | None) -> str:
    """A Slack user id becomes a mention; anything else (the console) is shown as text."""
    if not user:
        return "—"
    return f"<@{escape(user)}>" if user[:1] in ("U", "W") and user.isalnum() else escape(user, 64)


def headline(inc: Any, limit: int = 150) -> str:
    return f"{EMOJI.get(inc.severity, '')} *{inc.ref}* · {escape(inc.title, limit)}"


def resolution_time(inc: Any) -> str:
    return duration(inc.resolved_at - inc.detected_at) if inc.resolved_at else ""


def announcement(inc: Any, now: datetime) -> dict[str, Any]:
    status = f"{STATUS_EMOJI.get(inc.status, '')} {inc.status.capitalize()}"
    if inc.status == "resolved":
        status += f" — resolution time *{resolution_time(inc)}*"
    fields = [f"*Severity*\n{inc.severity}", f"*Integration*\n{escape(inc.integration)}",
              f"*Commander*\n{_who(inc.commander)}", f"*Status*\n{status}"]
    blocks = [section(headline(inc)), {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]}]
    if inc.description:
        blocks.append(section(escape(inc.description, 2900)))
    facts = [f"Reported by {_who(inc.reporter)} · detected {clock(inc.detected_at)}"]
    if inc.acknowledged_at:
        facts.append(f"acknowledged by {_who(inc.acknowledged_by)} at {clock(inc.acknowledged_at)}")
    if inc.resolved_at:
        facts.append(f"resolved by {_who(inc.resolved_by)} at {clock(inc.resolved_at)}")
    blocks.append(context(" · ".join(facts)))
    if inc.status != "resolved":
        value = str(inc.number)
        buttons = [("Acknowledge", ACK, "primary"), ("Update status", UPDATE, None), ("Add note", NOTE, None),
                   ("Resolve", RESOLVE, "danger")]
        if inc.acknowledged_at:
            buttons = buttons[1:]
        elements = [{"type": "button", "text": plain(t), "action_id": a, "value": value, **({"style": s} if s else {})}
                    for t, a, s in buttons]
        if inc.integration in KEY_BY_INTEGRATION:
            elements.append(runbook_button(f"integration:{KEY_BY_INTEGRATION[inc.integration]}"))
        blocks.append({"type": "actions", "block_id": f"incident:{value}", "elements": elements})
    text = f"{inc.ref} [{inc.severity}] {escape(inc.title)} — {inc.status}"
    if inc.status == "resolved":
        text += f" after {resolution_time(inc)}"
    return message(text, blocks)


def note_reply(inc: Any, actor: str, note: str) -> dict[str, Any]:
    text = f":memo: {inc.ref} note from {_who(actor)}: {escape(note, 2800)}"
    return message(text, [section(text)])


def reminder(inc: Any, now: datetime) -> dict[str, Any]:
    target = SEVERITIES[inc.severity].respond_within
    text = (f":rotating_light: {inc.ref} ({inc.severity}) is unacknowledged after {duration(now - inc.detected_at)} "
            f"— the response target is {duration(target)}. {escape(inc.title)}")
    return message(text, [section(text)], reply_broadcast=True)


def created_view(inc: Any, announced_in: str | None) -> dict[str, Any]:
    where = f"Announced in <#{escape(announced_in)}>." if announced_in else "No OCC_INCIDENTS_CHANNEL is set, so it was not announced."
    return {"type": "modal", "title": plain(inc.ref), "close": plain("Done"),
            "blocks": [section(f":white_check_mark: {headline(inc)} is open ({inc.severity}, {escape(inc.integration)})."),
                       context(where)]}


def reply(text: str) -> dict[str, Any]:
    """A short ephemeral answer; `text` is mrkdwn the bot wrote, with anything typed already escaped."""
    return message(text, [section(text)], response_type="ephemeral")


def usage(synopsis: str) -> dict[str, Any]:
    return reply(f"Usage: `{escape(synopsis)}`")


def not_found(ref: str) -> dict[str, Any]:
    return reply(f"I can't find incident `{escape(ref, 40)}`. `/occ incidents` lists the open ones.")


def resolved_reply(inc: Any, already: bool) -> dict[str, Any]:
    if already:
        return reply(f"{inc.ref} was already resolved at {clock(inc.resolved_at)} "
                     f"(resolution time {resolution_time(inc)}).")
    return reply(f":white_check_mark: {inc.ref} resolved — resolution time *{resolution_time(inc)}* "
                 f"(detected {clock(inc.detected_at)}, resolved {clock(inc.resolved_at)}).")


def list_message(incidents: Sequence[Any], now: datetime) -> dict[str, Any]:
    if not incidents:
        return reply("No open incidents. :tada:")
    lines = [f"{headline(i, 80)} · {i.severity} · {i.status} · open {duration(now - i.detected_at)}" for i in incidents]
    return message(f"{len(incidents)} open incident(s)", [header("Open incidents"), *sections(lines, max_blocks=20)],
                   response_type="ephemeral")


def detail_message(inc: Any, events: Sequence[Any], now: datetime) -> dict[str, Any]:
    msg = announcement(inc, now)
    blocks = [b for b in msg["blocks"] if b["type"] != "actions"]
    lines = [f"`{utc(e.at).strftime('%m-%d %H:%M')}` {_who(e.actor)} — {escape(e.text, 300)}" for e in events[-60:]]
    if len(events) > 60:
        lines.insert(0, f"…{len(events) - 60} earlier entries")
    blocks += [section("*Timeline*"), *sections(lines or ["—"], max_blocks=40)]
    return message(msg["text"], blocks, response_type="ephemeral")


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def stats_message(stats: Any) -> dict[str, Any]:
    sev = " · ".join(f"{name} {count}" for name, count in stats.by_severity.items())
    tta_med, tta_p90, tta_n = stats.tta
    ttr_med, ttr_p90, ttr_n = stats.ttr
    lines = [f"*Incidents*: {stats.total} ({stats.open} open) — {sev}",
             f"*Time to acknowledge*: median {_minutes(tta_med)} · p90 {_minutes(tta_p90)} ({tta_n} acknowledged)",
             f"*Time to resolve (MTTR)*: median {_minutes(ttr_med)} · p90 {_minutes(ttr_p90)} ({ttr_n} resolved)"]
    return message(f"Incident stats, last {stats.days} days", [header(f"Incidents · last {stats.days} days"),
                                                               section("\n".join(lines))], response_type="ephemeral")


HOME_NEW = "home_new_incident"
HOME_LIMIT = 10  # incidents listed on the Home tab; the rest are counted


def home_section(incidents: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """Open incidents on the Home tab, each with its buttons, and a button for a new one."""
    blocks: list[dict[str, Any]] = [{
        "type": "section", "text": {"type": "mrkdwn", "text": f"*Open incidents* ({len(incidents)})"},
        "accessory": {"type": "button", "text": plain("New incident"), "action_id": HOME_NEW, "value": "new",
                      "style": "danger"}}]
    for inc in incidents[:HOME_LIMIT]:
        blocks.append(section(f"{headline(inc, 100)} · {inc.status} · open {duration(now - inc.detected_at)}"))
        value = str(inc.number)
        first = ("Update status", UPDATE) if inc.acknowledged_at else ("Acknowledge", ACK)
        blocks.append({"type": "actions", "block_id": f"home-incident:{value}", "elements": [
            {"type": "button", "text": plain(first[0]), "action_id": first[1], "value": value},
            {"type": "button", "text": plain("Resolve"), "action_id": RESOLVE, "value": value, "style": "danger"}]})
    if len(incidents) > HOME_LIMIT:
        blocks.append(context(f"…and {len(incidents) - HOME_LIMIT} more: `/occ incidents` lists them all"))
    if not incidents:
        blocks.append(context("No open incidents."))
    return blocks
