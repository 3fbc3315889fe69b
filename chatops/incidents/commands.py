"""/occ incident…, /occ incidents, /occ stats, the incident modals and the incident buttons.
Each handler parses, calls IncidentService, and answers through the messenger."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from blocks import incidents as views
from chatops.commands import Ctx, Invocation, Registry, Subcommand
from chatops.views import SubmitResult, ViewHandler, ViewRegistry, ViewSubmission
from storage.models import AlertEpisode, aware

from .rules import INTEGRATION_BY_KEY, INTEGRATIONS, SEVERITIES, STATUSES, parse_ref, parse_window
from .service import NewIncident


def _meta(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _ref_and_rest(inv: Invocation, ctx: Ctx, usage: str) -> tuple[int | None, str]:
    ref, _, rest = inv.args.strip().partition(" ")
    number = parse_ref(ref) if ref else None
    if number is None:
        shown = views.not_found(ref) if ref else views.usage(f"/occ {usage}")
        ctx.messenger.respond(inv, shown)
    return number, rest.strip()


# --- slash subcommands -----------------------------------------------------------------------
def open_modal(inv: Invocation, ctx: Ctx) -> None:
    ctx.messenger.open_modal(inv.trigger_id, views.incident_modal(title=inv.args))


def list_open(inv: Invocation, ctx: Ctx) -> None:
    ctx.messenger.respond(inv, views.list_message(ctx.services.incidents.open_incidents(), datetime.now(timezone.utc)))


def show(inv: Invocation, ctx: Ctx) -> None:
    number, _ = _ref_and_rest(inv, ctx, "incident show INC-<n>")
    if number is None:
        return
    inc, events = ctx.services.incidents.get(number)
    answer = views.detail_message(inc, events, datetime.now(timezone.utc)) if inc else views.not_found(f"INC-{number}")
    ctx.messenger.respond(inv, answer)


def resolve(inv: Invocation, ctx: Ctx) -> None:
    number, note = _ref_and_rest(inv, ctx, "incident resolve INC-<n> [note]")
    if number is not None:
        outcome = ctx.services.incidents.resolve(number, inv.user_id, note or None)
        ctx.messenger.respond(inv, views.resolved_reply(outcome.incident, already=not outcome.changed)
                              if outcome.incident else views.not_found(f"INC-{number}"))


def acknowledge(inv: Invocation, ctx: Ctx) -> None:
    number, _ = _ref_and_rest(inv, ctx, "incident ack INC-<n>")
    if number is None:
        return
    outcome = ctx.services.incidents.acknowledge(number, inv.user_id)
    if outcome.incident is None:
        ctx.messenger.respond(inv, views.not_found(f"INC-{number}"))
    else:
        done = "acknowledged" if outcome.changed else "was already acknowledged (or resolved)"
        ctx.messenger.respond(inv, views.reply(f"{outcome.incident.ref} {done}."))


def status(inv: Invocation, ctx: Ctx) -> None:
    number, rest = _ref_and_rest(inv, ctx, "incident status INC-<n> investigating|identified|monitoring|resolved [note]")
    if number is None:
        return
    new_status, _, note = rest.partition(" ")
    if new_status.lower() not in STATUSES:
        ctx.messenger.respond(inv, views.reply("Status is one of: " + ", ".join(f"`{s}`" for s in STATUSES) + "."))
        return
    outcome = ctx.services.incidents.set_status(number, new_status.lower(), inv.user_id, note or None)
    if outcome.incident is None:
        ctx.messenger.respond(inv, views.not_found(f"INC-{number}"))
    elif new_status.lower() == "resolved":
        ctx.messenger.respond(inv, views.resolved_reply(outcome.incident, already=not outcome.changed))
    else:
        ctx.messenger.respond(inv, views.reply(f"{outcome.incident.ref} is {outcome.incident.status}."))


def note(inv: Invocation, ctx: Ctx) -> None:
    number, text = _ref_and_rest(inv, ctx, "incident note INC-<n> <text>")
    if number is None:
        return
    if not text:
        ctx.messenger.respond(inv, views.reply("Write the note after the id: `/occ incident note INC-3 rolled back`."))
        return
    outcome = ctx.services.incidents.add_note(number, inv.user_id, text)
    ctx.messenger.respond(inv, views.reply(f"Note added to {outcome.incident.ref}.") if outcome.incident
                          else views.not_found(f"INC-{number}"))


def stats(inv: Invocation, ctx: Ctx) -> None:
    days = parse_window(inv.args)
    if days is None:
        ctx.messenger.respond(inv, views.usage("/occ stats [7d|30d]"))
        return
    ctx.messenger.respond(inv, views.stats_message(ctx.services.incidents.stats(days)))


# --- modals ----------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def submit_new(sub: ViewSubmission, ctx: Ctx) -> SubmitResult:
    title = _text(sub.values.get("title")) or ""
    severity, integration = sub.values.get("severity"), sub.values.get("integration")
    description, commander = sub.values.get("description"), sub.values.get("commander")
    errors = {}
    if not title:
        errors["title"] = "Give the incident a title."
    if description is not None and not isinstance(description, str):
        errors["description"] = "The description must be text."
    if commander is not None and not (isinstance(commander, str) and len(commander) <= 32):
        errors["commander"] = "Pick one person."
    if not isinstance(severity, str) or severity not in SEVERITIES:
        errors["severity"] = "Pick a severity."
    if not isinstance(integration, str) or integration not in INTEGRATIONS:
        errors["integration"] = "Pick the integration it affects."
    if errors:
        return SubmitResult(errors=errors)
    episode_id = _meta(sub.private_metadata).get("episode_id")
    detected_at = None
    if isinstance(episode_id, int) and not isinstance(episode_id, bool) and 0 < episode_id < 2**31:
        with ctx.services.db.session() as session:
            episode = session.get(AlertEpisode, episode_id)
            detected_at = aware(episode.opened_at) if episode else None
            episode_id = episode.id if episode else None
    else:
        episode_id = None
    inc = ctx.services.incidents.create(NewIncident(
        title=title, severity=severity, integration=integration, reporter=sub.user_id,
        description=_text(description), commander=_text(commander), detected_at=detected_at,
        alert_episode_id=episode_id, view_id=sub.view_id))
    return SubmitResult(view=views.created_view(inc, ctx.services.incidents.channel))


def submit_status(sub: ViewSubmission, ctx: Ctx) -> SubmitResult:
    number = _meta(sub.private_metadata).get("number")
    new_status = sub.values.get("status")
    if not isinstance(new_status, str) or new_status not in STATUSES:
        return SubmitResult(errors={"status": "Pick the new status."})
    if isinstance(number, int) and 0 < number < 2**31:
        ctx.services.incidents.set_status(number, new_status, sub.user_id, _text(sub.values.get("note")))
    return SubmitResult()


def submit_note(sub: ViewSubmission, ctx: Ctx) -> SubmitResult:
    number = _meta(sub.private_metadata).get("number")
    text = _text(sub.values.get("note"))
    if not text:
        return SubmitResult(errors={"note": "Write the note."})
    if isinstance(number, int) and 0 < number < 2**31:
        ctx.services.incidents.add_note(number, sub.user_id, text)
    return SubmitResult()


# --- buttons (called by chatops.listeners.actions after the acknowledgement) ----------------------
def button_acknowledge(number: int, user: str, ctx: Ctx) -> None:
    ctx.services.incidents.acknowledge(number, user)


def button_resolve(number: int, user: str, ctx: Ctx, target: Any) -> None:
    outcome = ctx.services.incidents.resolve(number, user)
    if outcome.incident is not None:
        ctx.messenger.respond(target, {**views.resolved_reply(outcome.incident, already=not outcome.changed),
                                       "replace_original": False})


def button_status(number: int, trigger_id: str | None, ctx: Ctx) -> None:
    inc, _ = ctx.services.incidents.get(number)
    if inc is not None and inc.status != "resolved":
        ctx.messenger.open_modal(trigger_id, views.status_modal(inc))


def button_note(number: int, trigger_id: str | None, ctx: Ctx) -> None:
    inc, _ = ctx.services.incidents.get(number)
    if inc is not None:
        ctx.messenger.open_modal(trigger_id, views.note_modal(inc))


def button_from_alert(episode_id: int, trigger_id: str | None, ctx: Ctx) -> None:
    with ctx.services.db.session() as session:
        episode = session.get(AlertEpisode, episode_id)
    integration = INTEGRATION_BY_KEY.get(episode.subject) if episode else None
    title = f"{integration} {episode.state}" if episode and integration else ""
    ctx.messenger.open_modal(trigger_id, views.incident_modal(title=title, integration=integration,
                                                              episode_id=episode.id if episode else None))


def register(registry: Registry, view_registry: ViewRegistry) -> None:
    def starts_with_ref(rest: str) -> bool:
        """`INC-3 …`, or something meant as one (`INC-x`, `#3a`, `3a`): that gets "not found";
        anything else (`status page down`) is the title of a new incident."""
        first = rest.split()[0] if rest.strip() else ""
        return not first or parse_ref(first) is not None or bool(re.match(r"(?i)(inc\b|inc-|#|\d)", first))

    for name, usage, summary, run in (
        ("incident", "[title]", "open the incident modal (prefilled with a title)", open_modal),
        ("incidents", "", "open incidents: id, title, severity, age", list_open),
        ("incident show", "INC-<n>", "an incident's details and timeline", show),
        ("incident ack", "INC-<n>", "acknowledge an incident", acknowledge),
        ("incident status", "INC-<n> <status> [note]", "move it: investigating → identified → monitoring → resolved",
         status),
        ("incident note", "INC-<n> <text>", "add a note to the timeline", note),
        ("incident resolve", "INC-<n> [note]", "resolve it; shows the resolution time", resolve),
        ("stats", "[7d|30d]", "incidents by severity, time to acknowledge and to resolve (median, p90)", stats),
    ):
        registry.add(Subcommand(name=name, usage=usage, summary=summary, run=run,
                                accepts=starts_with_ref if name.startswith("incident ") else None))
    view_registry.add(ViewHandler(views.NEW_INCIDENT, submit_new))
    view_registry.add(ViewHandler(views.STATUS_VIEW, submit_status))
    view_registry.add(ViewHandler(views.NOTE_VIEW, submit_note))
