"""`/occ runbook [words]`, `/occ runbook verify <id>` and the Runbook button on alerts and incidents."""
from __future__ import annotations

from datetime import datetime, timezone

from blocks import runbooks as views
from chatops.core import Interaction, Reply, SubmitResult
from chatops.core.router import Ctx

from .escalation import EscalationService
from .service import RunbookService


def _now() -> datetime:
    return datetime.now(timezone.utc)


def show(svc: RunbookService, ix: Interaction) -> Reply:
    """Without words: every runbook. With words: the best match, shown whole."""
    words = ix.args.strip()
    if not words:
        return views.list_message(svc.entries(), _now())
    book = svc.find(words)
    if book is None:
        return views.not_found(words, svc.entries(), _now())
    return views.runbook_message(svc.entry(book), _now())


def verify(svc: RunbookService, ix: Interaction) -> Reply:
    runbook_id = ix.args.strip()
    if not runbook_id:
        return views.usage("/occ runbook verify <id>")
    entry = svc.verify(runbook_id, ix.user_id)
    return views.verified_reply(entry, _now()) if entry else views.not_found(runbook_id, svc.entries(), _now())


def button(svc: RunbookService, ctx: Ctx) -> None:
    book = svc.resolve(ctx.ix.value or "")
    if book is not None:
        ctx.respond({**views.runbook_message(svc.entry(book), _now()), "replace_original": False})


def escalate_button(svc: EscalationService, ctx: Ctx) -> None:
    """Escalate on an SLA-breach alert: a modal naming the next level, asking the customer's expectation."""
    plan = svc.plan(str(ctx.ix.value or ""))
    if plan is None:
        ctx.respond(views.no_episode(str(ctx.ix.value or "")))
        return
    ctx.open_modal(views.escalate_modal(plan))


def submit_escalation(svc: EscalationService, ctx: Ctx) -> SubmitResult:
    expectation = str(ctx.ix.values.get("expectation") or "").strip()
    if not expectation:
        return SubmitResult(errors={"expectation": "Say what the customer expects (SOP-CX-003)."})
    conversation = str(ctx.ix.metadata().get("conversation_id") or "")
    plan = svc.plan(conversation) if conversation.isdigit() else None
    if plan is None:
        return SubmitResult(errors={"expectation": "This form lost track of its conversation; nothing was saved."})
    note = str(ctx.ix.values.get("note") or "").strip() or None
    done = svc.escalate(plan, ctx.ix.user_id, expectation, note, ctx.ix.view_id)
    return SubmitResult(view=views.escalated_view(plan, live=svc.live, again=not done))
