"""`/occ runbook [words]`, `/occ runbook verify <id>` and the Runbook button on alerts and incidents."""
from __future__ import annotations

from datetime import datetime, timezone

from blocks import runbooks as views
from chatops.core import Interaction, Reply
from chatops.core.router import Ctx

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
