"""Q&A: capture (modal, message and global shortcuts), search, and Linear tickets for confusing
states. Reads the running training session through what training exposes, and gives training
the session's Q&A log."""
from __future__ import annotations

from functools import partial

from blocks import qa as views
from chatops.core import Deps, Router

from . import handlers as h
from . import report
from .service import QAService


def install(r: Router, d: Deps) -> None:
    training = d.use("training")
    svc = d.expose("qa", QAService(d.db, views=views, training=training,
                                   linear_ready=d.integrations.linear is not None))
    training.provide_log(svc.session_log)
    r.command("qa", usage="[words]", summary="capture an operator question (opens the form); with words, recent Q&A "
              "matching them", answer=partial(h.listed, svc), run=h.open_modal)
    r.command("qa search", usage="<words>", summary="full-text search of captured Q&A, best match first, "
              "with tile and ticket", answer=partial(h.search, svc))
    r.modal(views.CAPTURE, partial(h.submit, svc))
    r.shortcut(views.SHORTCUT, h.from_message)
    r.shortcut(views.GLOBAL_SHORTCUT, h.open_empty)
    r.on_delivered(svc.ticket_filed)
    r.action(views.HOME_CAPTURE, h.open_modal)
    r.home_section("qa", lambda user_id: views.home_section(svc.recent(limit=5)), order=40)
    r.report_section("qa", partial(report.part, svc), order=40)
