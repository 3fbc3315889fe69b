"""/occ incident…, /occ incidents, /occ stats, the incident modals and buttons. Each handler
parses, calls IncidentService, and answers through its context."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from blocks import incidents as views
from chatops.core import Interaction, Reply, SubmitResult
from chatops.core.router import Ctx

from .rules import INTEGRATION_BY_KEY, INTEGRATIONS, SEVERITIES, STATUSES, parse_ref, parse_window
from .service import IncidentService, NewIncident

EpisodeLookup = Callable[[int], Any]  # alert episode id → the episode (or None)


def _ref_and_rest(ix: Interaction, usage: str) -> tuple[int | None, str, Reply | None]:
    """The INC number, the rest of the words, and the answer when there is no usable number."""
    ref, _, rest = ix.args.strip().partition(" ")
    number = parse_ref(ref) if ref else None
    if number is None:
        return None, rest.strip(), views.not_found(ref) if ref else views.usage(f"/occ {usage}")
    return number, rest.strip(), None


def _positive(value: Any) -> int | None:
    try:
        number = int(str(value)) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number < 2**31 else None


def starts_with_ref(rest: str) -> bool:
    """`INC-3 …`, or something meant as one (`INC-x`, `#3a`, `3a`): that gets "not found";
    anything else (`status page down`) is the title of a new incident."""
    first = rest.split(maxsplit=1)[0] if rest.strip() else ""
    return not first or parse_ref(first) is not None or bool(re.match(r"(?i)(inc\b|inc-|#|\d)", first))


# --- slash subcommands -----------------------------------------------------------------------
def open_modal(ctx: Ctx) -> None:
    ctx.open_modal(views.incident_modal(title=ctx.ix.args))


def list_open(svc: IncidentService, ix: Interaction) -> Reply:
    return views.list_message(svc.open_incidents(), datetime.now(timezone.utc))


def show(svc: IncidentService, ix: Interaction) -> Reply:
    number, _, problem = _ref_and_rest(ix, "incident show INC-<n>")
    if number is None:
        return problem
    inc, events = svc.get(number)
    return views.detail_message(inc, events, datetime.now(timezone.utc)) if inc else views.not_found(f"INC-{number}")


def resolve(svc: IncidentService, ix: Interaction) -> Reply:
    number, note, problem = _ref_and_rest(ix, "incident resolve INC-<n> [note]")
    if number is None:
        return problem
    outcome = svc.resolve(number, ix.user_id, note or None)
    return (views.resolved_reply(outcome.incident, already=not outcome.changed) if outcome.incident
            else views.not_found(f"INC-{number}"))


def acknowledge(svc: IncidentService, ix: Interaction) -> Reply:
    number, _, problem = _ref_and_rest(ix, "incident ack INC-<n>")
    if number is None:
        return problem
    outcome = svc.acknowledge(number, ix.user_id)
    if outcome.incident is None:
        return views.not_found(f"INC-{number}")
    done = "acknowledged" if outcome.changed else "was already acknowledged (or resolved)"
    return views.reply(f"{outcome.incident.ref} {done}.")


def status(svc: IncidentService, ix: Interaction) -> Reply:
    number, rest, problem = _ref_and_rest(
        ix, "incident status INC-<n> investigating|identified|monitoring|resolved [note]")
    if number is None:
        return problem
    new_status, _, note = rest.partition(" ")
    if new_status.lower() not in STATUSES:
        return views.reply("Status is one of: " + ", ".join(f"`{s}`" for s in STATUSES) + ".")
    outcome = svc.set_status(number, new_status.lower(), ix.user_id, note or None)
    if outcome.incident is None:
        return views.not_found(f"INC-{number}")
    if new_status.lower() == "resolved":
        return views.resolved_reply(outcome.incident, already=not outcome.changed)
    return views.reply(f"{outcome.incident.ref} is {outcome.incident.status}.")


def note(svc: IncidentService, ix: Interaction) -> Reply:
    number, text, problem = _ref_and_rest(ix, "incident note INC-<n> <text>")
    if number is None:
        return problem
    if not text:
        return views.reply("Write the note after the id: `/occ incident note INC-3 rolled back`.")
    outcome = svc.add_note(number, ix.user_id, text)
    return views.reply(f"Note added to {outcome.incident.ref}.") if outcome.incident else views.not_found(f"INC-{number}")


def stats(svc: IncidentService, ix: Interaction) -> Reply:
    days = parse_window(ix.args)
    return views.stats_message(svc.stats(days)) if days is not None else views.usage("/occ stats [7d|30d]")


# --- modals ----------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def submit_new(svc: IncidentService, episode: EpisodeLookup, ctx: Ctx) -> SubmitResult:
    values = ctx.ix.values
    title = _text(values.get("title")) or ""
    severity, integration = values.get("severity"), values.get("integration")
    description, commander = values.get("description"), values.get("commander")
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
    episode_id = _positive(ctx.ix.metadata().get("episode_id"))
    found = episode(episode_id) if episode_id else None
    inc = svc.create(NewIncident(
        title=title, severity=severity, integration=integration, reporter=ctx.ix.user_id,
        description=_text(description), commander=_text(commander),
        detected_at=found.opened_at if found else None, alert_episode_id=found.id if found else None,
        view_id=ctx.ix.view_id))
    return SubmitResult(view=views.created_view(inc, svc.channel))


def submit_status(svc: IncidentService, ctx: Ctx) -> SubmitResult:
    number = _positive(ctx.ix.metadata().get("number"))
    new_status = ctx.ix.values.get("status")
    if not isinstance(new_status, str) or new_status not in STATUSES:
        return SubmitResult(errors={"status": "Pick the new status."})
    if number is None:
        return SubmitResult(errors={"status": "This form lost track of its incident; open it again from the message."})
    svc.set_status(number, new_status, ctx.ix.user_id, _text(ctx.ix.values.get("note")), once=ctx.ix.view_id)
    return SubmitResult()


def submit_note(svc: IncidentService, ctx: Ctx) -> SubmitResult:
    number = _positive(ctx.ix.metadata().get("number"))
    text = _text(ctx.ix.values.get("note"))
    if not text:
        return SubmitResult(errors={"note": "Write the note."})
    if number is None:
        return SubmitResult(errors={"note": "This form lost track of its incident; open it again from the message."})
    svc.add_note(number, ctx.ix.user_id, text, once=ctx.ix.view_id)
    return SubmitResult()


# --- buttons (after the acknowledgement) ----------------------------------------------------------
def button_acknowledge(svc: IncidentService, ctx: Ctx) -> None:
    if (number := _positive(ctx.ix.value)) is not None:
        svc.acknowledge(number, ctx.ix.user_id)


def button_resolve(svc: IncidentService, ctx: Ctx) -> None:
    if (number := _positive(ctx.ix.value)) is None:
        return
    outcome = svc.resolve(number, ctx.ix.user_id)
    if outcome.incident is not None:
        ctx.respond({**views.resolved_reply(outcome.incident, already=not outcome.changed), "replace_original": False})


def button_status(svc: IncidentService, ctx: Ctx) -> None:
    inc, _ = svc.get(_positive(ctx.ix.value) or 0)
    if inc is not None and inc.status != "resolved":
        ctx.open_modal(views.status_modal(inc))


def button_note(svc: IncidentService, ctx: Ctx) -> None:
    inc, _ = svc.get(_positive(ctx.ix.value) or 0)
    if inc is not None:
        ctx.open_modal(views.note_modal(inc))


def home(svc: IncidentService, user_id: str) -> list[dict[str, Any]]:
    return views.home_section(svc.open_incidents(), datetime.now(timezone.utc))


def button_new(ctx: Ctx) -> None:
    ctx.open_modal(views.incident_modal())


def button_from_alert(episode: EpisodeLookup, ctx: Ctx) -> None:
    episode_id = _positive(ctx.ix.value)
    found = episode(episode_id) if episode_id else None
    integration = INTEGRATION_BY_KEY.get(found.subject) if found else None
    title = f"{integration} {found.state}" if found and integration else ""
    ctx.open_modal(views.incident_modal(title=title, integration=integration, episode_id=found.id if found else None))
