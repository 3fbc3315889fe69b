"""Training: operator sessions (90 minutes by default, UTC), the reminder an hour before in
OCC_SUPPORT_CHANNEL, and the session's Q&A log (given by the qa feature) as a report and a CSV."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

from blocks import training as views
from chatops.core import Deps, Router
from chatops.scheduler import every

from . import handlers as h
from . import report
from .service import TrainingService


def install(r: Router, d: Deps) -> None:
    svc = d.expose("training", TrainingService(d.db, channel=d.settings.occ_support_channel, views=views))
    r.command("training", summary="upcoming operator training sessions", answer=partial(h.upcoming, svc),
              accepts=lambda rest: not rest.strip())
    r.command("training schedule", usage="<YYYY-MM-DD> <HH:MM> <topic>",
              summary="schedule a 90-minute session (UTC); reminded an hour before", answer=partial(h.schedule, svc))
    r.command("training start", usage="<id>", summary="start a session: Q&A captured now is linked to it",
              answer=partial(h.start, svc))
    r.command("training end", usage="<id>", summary="end a session: its Q&A items go to Memory ops",
              answer=partial(h.end, svc))
    r.command("training report", usage="<id>", summary="a session's Q&A log, posted with a CSV in its thread",
              answer=partial(h.report, svc))
    r.job("training reminders", every(60), svc.remind_due)
    r.home_section("training", lambda user_id: views.home_section(svc.upcoming(limit=1), datetime.now(timezone.utc)),
                   order=50)
    r.report_section("training", partial(report.part, svc), order=45)
