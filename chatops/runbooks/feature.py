"""Runbooks: escalation ladders and SOPs per conversation type and per integration outage."""
from __future__ import annotations

from functools import partial

from blocks import runbooks as views
from chatops.core import Deps, Role, Router
from chatops.settings import ConfigError

from . import report
from . import handlers
from .catalog import RunbookError, load
from .escalation import EscalationService
from .service import RunbookService


def install(r: Router, d: Deps) -> None:
    try:
        books = load()
    except RunbookError as exc:  # stops start-up with one line naming the file and the field
        raise ConfigError(f"runbook {exc}") from None
    svc = d.expose("runbooks", RunbookService(d.db, books))
    r.command("runbook", usage="[type or words]", summary="escalation runbooks: the list, or one with its SOPs and "
              "L1/L2/L3 ladder", answer=partial(handlers.show, svc), shared=True)
    r.command("runbook verify", usage="<id>", summary="stamp a runbook as verified (managers)",
              answer=partial(handlers.verify, svc), requires=Role.MANAGER, what="verify runbooks (they are policy)")
    r.action(views.SHOW, partial(handlers.button, svc))
    escalations = EscalationService(d.db, books, d.use("conversation_episode"), views,
                                    live=not d.integrations.chatwoot.mock)
    r.action(views.ESCALATE, partial(handlers.escalate_button, escalations))
    r.modal(views.ESCALATE_VIEW, partial(handlers.submit_escalation, escalations))
    r.report_section("runbooks", partial(report.part, svc), order=30)
