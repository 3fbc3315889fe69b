"""Reply templates: `/occ templates`, `/occ template review|publish`, the review modal, the
Review button, the Chatwoot sync and the daily review reminder."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial
from typing import Any, Callable

from blocks import templates as views
from chatops.core import Deps, Role, Router
from chatops.scheduler import daily, every

from . import handlers as h
from . import report
from .lint import parse_placeholders
from .service import TemplateService
from .sync import TemplateSync

SYNC_EVERY_S = 15 * 60


def install(r: Router, d: Deps) -> None:
    chatwoot = d.integrations.chatwoot
    live = not chatwoot.mock
    svc = d.expose("templates", TemplateService(d.db, views=views, channel=d.settings.occ_support_channel, live=live))
    sync = TemplateSync(svc, _fetcher(d, chatwoot) if live else None)
    allowed = parse_placeholders(d.settings.occ_template_placeholders)

    r.command("templates", summary="reply templates: version, last review, state (approved, due…)",
              answer=partial(h.show, svc), run=partial(h.sync_after_list, svc, sync) if live else None,
              shared=True)
    r.command("template review", usage="<id>", summary="review a template: preview, body, decision, grades, note",
              run=partial(h.open_review, svc))
    r.command("template publish", usage="<id> [version]", summary="push an approved version to Chatwoot (managers)",
              answer=partial(h.publish, svc), requires=Role.MANAGER, what="publish templates")
    r.modal(views.REVIEW_VIEW, partial(h.submit_review, svc, allowed))
    r.action(views.REVIEW, partial(h.button_review, svc))
    r.job("template review reminder", daily(d.settings.occ_template_review_at), svc.remind_due)
    if live:
        r.job("template sync", every(SYNC_EVERY_S), sync.run)
    r.on_delivered(svc.on_delivered)
    r.home_section("templates", lambda user_id: views.home_section(svc.states(), datetime.now(timezone.utc)), order=30)
    r.report_section("templates", partial(report.part, svc), order=20)


def _fetcher(d: Deps, chatwoot: Any) -> Callable[[], list]:
    timeout = d.settings.occ_probe_timeout_s * 2 + 1

    def fetch() -> list:
        return d.runtime.run(chatwoot.list_canned_responses(), timeout=timeout)

    return fetch
