"""The support daily status: `/occ status`, and a post at OCC_DAILY_STATUS_AT in OCC_SUPPORT_CHANNEL."""
from __future__ import annotations

from functools import partial

from chatops.core import Deps, Router
from chatops.scheduler import daily

from . import handlers
from .service import StatusService


def install(r: Router, d: Deps) -> None:
    # read when a report is made: every feature's part, in order
    svc = d.expose("status_service", StatusService(r.report_sections))
    r.command("status", summary="the support daily status now (summary, templates, playbooks, Q&A, incidents, "
              "integrations, blockers, next actions)", answer=partial(handlers.show, svc), shared=True)
    r.command("status md", summary="the daily status as a markdown file (uploaded here), for the status repository",
              answer=partial(handlers.uploading, "markdown file"), run=partial(handlers.upload_markdown, svc))
    r.command("status weekly", summary="the week: SLA adherence, escalations, incidents by severity, and a chart",
              answer=partial(handlers.weekly, svc), run=partial(handlers.upload_chart, svc))
    r.job("daily status", daily(d.settings.occ_daily_status_at),
          partial(handlers.post_daily, svc, d.db, d.settings.occ_support_channel))
