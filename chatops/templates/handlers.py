"""/occ templates, /occ template review|publish, the Review button and the review modal. Each
handler parses, calls TemplateService (or the sync), and answers through its context."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from blocks import templates as views
from chatops.core import Interaction, Reply, SubmitResult
from chatops.core.router import Ctx

from .lint import field_errors, lint
from .service import DECISIONS, ReviewInput, TemplateService
from .sync import TemplateSync

REVIEW_USAGE = "/occ template review <id>"
PUBLISH_USAGE = "/occ template publish <id> [version]"


def _positive(value: Any, limit: int = 2**31) -> int | None:
    text = str(value).strip().lower().removeprefix("v") if value is not None else ""
    return int(text) if text.isdigit() and 0 < int(text) < limit else None


# --- slash subcommands -----------------------------------------------------------------------
def show(svc: TemplateService, ix: Interaction) -> Reply:
    """The acknowledgement: the library as stored (a bounded local read)."""
    return views.list_message(svc.states(), datetime.now(timezone.utc), live=svc.live)


def sync_after_list(svc: TemplateService, sync: TemplateSync, ctx: Ctx) -> None:
    """After the acknowledgement: read Chatwoot; answer again only when something changed."""
    outcome = sync.run()
    if outcome.error:
        ctx.respond(views.sync_failed(outcome.error))
    elif outcome.changed:
        ctx.respond(views.list_message(svc.states(), datetime.now(timezone.utc), live=svc.live,
                                       note=views.sync_note(outcome)))


def open_review(svc: TemplateService, ctx: Ctx) -> None:
    key = ctx.ix.args.split()[0] if ctx.ix.args.split() else ""
    if not key:
        ctx.respond(views.usage(REVIEW_USAGE))
        return
    state = svc.get(key)
    if state is None:
        ctx.respond(views.not_found(key))
    else:
        ctx.open_modal(views.review_modal(state))


def publish(svc: TemplateService, ix: Interaction) -> Reply:
    """Managers only (the Router refuses anyone else): queue an approved version for Chatwoot."""
    words = ix.args.split()
    version = _positive(words[1]) if len(words) == 2 else None
    if not words or len(words) > 2 or (len(words) == 2 and version is None):
        return views.usage(PUBLISH_USAGE)
    return views.publish_reply(svc.request_publish(words[0][:64], version, ix.user_id))


# --- the button and the modal -----------------------------------------------------------------
def button_review(svc: TemplateService, ctx: Ctx) -> None:
    state = svc.get(ctx.ix.value or "") if ctx.ix.value else None
    if state is None:
        ctx.respond({**views.not_found(ctx.ix.value or ""), "replace_original": False})
    else:
        ctx.open_modal(views.review_modal(state))


def submit_review(svc: TemplateService, allowed: tuple[str, ...], ctx: Ctx) -> SubmitResult:
    """Lint and validate; store before the acknowledgement (a resubmission stores nothing new)."""
    values, meta = ctx.ix.values, ctx.ix.metadata()
    body = values.get("body") if isinstance(values.get("body"), str) else ""
    errors = field_errors(lint(body, allowed))
    decision = values.get("decision")
    if decision not in DECISIONS:
        errors["decision"] = "Pick a decision: approve, request changes or reject."
    grades = {g: _positive(values.get(g), 6) for g in views.GRADES}
    errors.update({g: "Grade it from 1 to 5." for g, n in grades.items() if n is None})
    note = values.get("note") if isinstance(values.get("note"), str) else None
    key, version = meta.get("key"), _positive(meta.get("version"))
    if errors:
        return SubmitResult(errors=errors)
    if not isinstance(key, str) or version is None:
        return SubmitResult(errors={"body": "This form lost track of its template; open it again."})
    outcome = svc.review(ReviewInput(key=key, base_version=version, body=body, decision=str(decision),
                                     tone=grades["tone"] or 0, accuracy=grades["accuracy"] or 0,
                                     policy=grades["policy"] or 0, reviewer=ctx.ix.user_id, note=note,
                                     view_id=ctx.ix.view_id))
    if outcome is None:
        return SubmitResult(errors={"body": f"Template {key[:64]} no longer exists; nothing was saved."})
    return SubmitResult(view=views.review_saved_view(outcome))
