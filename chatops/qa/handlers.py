"""/occ qa, /occ qa search, the capture modal and the shortcuts that open it. Each handler parses,
calls QAService, and answers through its context."""
from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import OperationalError

from blocks import qa as views
from chatops.core import Interaction, Reply, SubmitResult
from chatops.core.dispatch import BUSY, ephemeral
from chatops.core.router import Ctx
from storage.fts import words

from .rules import Source, check_form, source_of
from .service import NewEntry, QAService

log = logging.getLogger(__name__)


# --- slash subcommands ---------------------------------------------------------------------------
def listed(svc: QAService, ix: Interaction) -> Reply | None:
    """`/occ qa <words>`: the most recent entries matching them (a bounded read). Without words
    nothing is answered here: the form opens after the acknowledgement."""
    text = ix.args.strip()
    if not text:
        return None
    if not words(text):
        return views.usage("/occ qa <words>", "Type some words to look for.")
    try:
        shown = svc.recent(text)
    except OperationalError:  # said here: this command's `run` only opens the form
        log.warning("/occ qa: the database was busy before the acknowledgement")
        return ephemeral(BUSY)
    return views.entries_message(shown, words=text, ranked=False)


def open_modal(ctx: Ctx) -> None:
    if not ctx.ix.args.strip():
        ctx.open_modal(views.capture_modal())


def search(svc: QAService, ix: Interaction) -> Reply:
    text = ix.args.strip()
    if not words(text):
        return views.usage("/occ qa search <words>", "Type some words to look for.")
    return views.entries_message(svc.search(text), words=text, ranked=True)


# --- the modal -----------------------------------------------------------------------------------
def submit(svc: QAService, ctx: Ctx) -> SubmitResult:
    form = check_form(ctx.ix.values)
    if form.errors:
        return SubmitResult(errors=form.errors)
    source = source_of(ctx.ix.metadata())
    entry, _ = svc.capture(NewEntry(
        question=form.question, tile=form.tile, reporter=ctx.ix.user_id, answer=form.answer,
        confusing=form.confusing, author=source.author, owner=form.owner, follow_up_due=form.follow_up_due,
        permalink=source.permalink, channel_id=source.channel, message_ts=source.ts,
        screenshots=form.screenshots, view_id=ctx.ix.view_id))
    session = f"#{entry.session_id}" if entry.session_id else None
    return SubmitResult(view=views.saved_view(entry, linear_ready=svc.linear_ready, session=session))


# --- shortcuts (after the acknowledgement) ---------------------------------------------------------
def from_message(ctx: Ctx) -> None:
    """*Capture as Q&A* on a message: the form opens at once (the trigger lasts 3 s), prefilled with
    the message and its author; its permalink (chat.getPermalink) is added by views.update."""
    ix = ctx.ix
    source = Source(author=ix.message_user, channel=ix.channel_id, ts=ix.message_ts)
    question = ix.message_text or ""
    view_id = ctx.open_modal(views.capture_modal(question=question, source=source))
    if not (view_id and source.channel and source.ts):
        return
    try:
        permalink = ctx.out.permalink(source.channel, source.ts)
    except Exception as exc:  # noqa: BLE001 - the form works without it (the ticket looks it up again)
        log.warning("no permalink for a captured message (%s)", type(exc).__name__)
        return
    if permalink and permalink.startswith("https://"):
        ctx.out.update_modal(view_id, views.capture_modal(question=question, source=replace(source, permalink=permalink)))


def open_empty(ctx: Ctx) -> None:
    ctx.open_modal(views.capture_modal())
