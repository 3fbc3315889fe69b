"""Incidents: modal, numbered lifecycle, timeline, resolution time and MTTR."""
from __future__ import annotations

from functools import partial

from blocks import alerts as alert_views
from blocks import incidents as views
from chatops.core import Deps, Router
from chatops.outbox import ts_recorder
from chatops.scheduler import every

from . import report
from . import handlers as h
from .models import Incident
from .service import IncidentService


def install(r: Router, d: Deps) -> None:
    svc = d.expose("incidents", IncidentService(d.db, d.settings.occ_incidents_channel, views))
    episode = d.use("alert_episode")
    r.command("incident", usage="[title]", summary="open the incident modal (prefilled with a title)",
              run=h.open_modal)
    # the rest are local reads and writes: answered in the acknowledgement (bounded; committed first)
    for name, usage, summary, answer in (
        ("incidents", "", "open incidents: id, title, severity, age", h.list_open),
        ("incident show", "INC-<n>", "an incident's details and timeline", h.show),
        ("incident ack", "INC-<n>", "acknowledge an incident", h.acknowledge),
        ("incident status", "INC-<n> <status> [note]", "move it: investigating → identified → monitoring → resolved",
         h.status),
        ("incident note", "INC-<n> <text>", "add a note to the timeline", h.note),
        ("incident resolve", "INC-<n> [note]", "resolve it; shows the resolution time", h.resolve),
        ("stats", "[7d|30d]", "incidents by severity, time to acknowledge and to resolve (median, p90)", h.stats),
    ):
        r.command(name, usage=usage, summary=summary, answer=partial(answer, svc),
                  accepts=h.starts_with_ref if name.startswith("incident ") else None,
                  shared=name in ("incidents", "incident show", "stats"))  # reads: a burst shares them
    r.modal(views.NEW_INCIDENT, partial(h.submit_new, svc, episode))
    r.modal(views.STATUS_VIEW, partial(h.submit_status, svc))
    r.modal(views.NOTE_VIEW, partial(h.submit_note, svc))
    r.action(views.ACK, partial(h.button_acknowledge, svc))
    r.action(views.UPDATE, partial(h.button_status, svc))
    r.action(views.NOTE, partial(h.button_note, svc))
    r.action(views.RESOLVE, partial(h.button_resolve, svc))
    r.action(alert_views.OPEN_INCIDENT, partial(h.button_from_alert, episode))
    r.job("incident reminders", every(15), svc.remind_due)
    r.on_delivered(ts_recorder(Incident))
    r.action(views.HOME_NEW, h.button_new)
    r.home_section("incidents", partial(h.home, svc), order=20)
    r.report_section("incidents", partial(report.part, svc), order=50)
