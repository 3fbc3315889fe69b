"""`/occ status` and the daily post."""
from __future__ import annotations

import logging

from sqlmodel import select

from blocks.status import status_message
from chatops.core import Interaction, Reply
from chatops.core.router import Ctx
from chatops.outbox import enqueue
from storage.db import Database
from storage.models import OutboxMessage

from .chart import weekly_png
from .markdown import render
from .service import StatusService

log = logging.getLogger(__name__)


def show(svc: StatusService, ix: Interaction) -> Reply:
    """The daily status now: every part is a local read, answered in the acknowledgement (bounded)."""
    return status_message(svc.report())


def post_daily(svc: StatusService, db: Database, channel: str | None) -> None:
    """The scheduled post (once a day across restarts and replicas: the durable scheduler)."""
    if not channel:
        return
    report = svc.report()
    key = f"daily-status:{report.day}"
    with db.session() as session:
        if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first() is None:
            enqueue(session, channel=channel, message=status_message(report, response_type=None), dedupe_key=key)


def uploading(kind: str, ix: Interaction) -> Reply:
    return {"response_type": "ephemeral", "text": f"Making the {kind}; it will be uploaded here in a moment."}


def upload_markdown(svc: StatusService, ctx: Ctx) -> None:
    """`/occ status md`: the same report as a markdown file, for the team's status repository."""
    report = svc.report()
    _upload(ctx, f"occ-status-{report.day}.md", render(report), f"Support daily status {report.day} (markdown)")


def weekly(svc: StatusService, ix: Interaction) -> Reply:
    """`/occ status weekly`: the week's report now (a local read); its chart follows as a file."""
    return status_message(svc.report(weekly=True))


def upload_chart(svc: StatusService, ctx: Ctx) -> None:
    report = svc.report(weekly=True)
    series = {name: values for part in report.parts for name, values in part.chart.items()}
    _upload(ctx, f"occ-week-{report.day}.png", weekly_png(report.period.since, series),
            f"Daily SLA breaches and incidents, week from {report.day}")


def _upload(ctx: Ctx, filename: str, content: str | bytes, title: str) -> None:
    where = ctx.ix.channel_id or ctx.ix.user_id
    try:
        ctx.out.upload_file(where, filename=filename, content=content, title=title)
    except Exception as exc:  # noqa: BLE001 - e.g. the bot is not in that channel
        log.warning("could not upload %s: %s", filename, type(exc).__name__)
        ctx.respond({"response_type": "ephemeral", "text": f"I could not upload {filename} here "
                     "(invite me to this channel, or ask in a DM with me)."})
