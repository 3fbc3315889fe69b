"""/occ training, training schedule|start|end|report. Every answer is a bounded local read or
write, given in the acknowledgement."""
from __future__ import annotations

from datetime import datetime, timezone

from blocks import training as views
from chatops.core import Interaction, Reply

from .rules import Refusal, parse_id, parse_schedule
from .service import TrainingService


def _now() -> datetime:
    return datetime.now(timezone.utc)


def upcoming(svc: TrainingService, ix: Interaction) -> Reply:
    now = _now()
    return views.upcoming_message(svc.upcoming(now), now)


def schedule(svc: TrainingService, ix: Interaction) -> Reply:
    now = _now()
    parsed = parse_schedule(ix.args, now)
    if isinstance(parsed, Refusal):
        return views.refusal(parsed.reason, parsed.example)
    return views.scheduled_reply(svc.schedule(parsed, ix.user_id, now), svc.channel)


def _id(ix: Interaction, verb: str) -> int | Reply:
    session_id = parse_id(ix.args)
    if session_id is None:
        return views.not_found(ix.args.split()[0]) if ix.args.strip() else views.usage(f"/occ training {verb} <id>")
    return session_id


def start(svc: TrainingService, ix: Interaction) -> Reply:
    session_id = _id(ix, "start")
    if not isinstance(session_id, int):
        return session_id
    outcome = svc.start(session_id, ix.user_id)
    if outcome.session is None:
        return views.not_found(f"#{session_id}")
    return views.reply(outcome.problem) if outcome.problem else views.started_reply(outcome.session, outcome.changed)


def end(svc: TrainingService, ix: Interaction) -> Reply:
    session_id = _id(ix, "end")
    if not isinstance(session_id, int):
        return session_id
    outcome = svc.end(session_id, ix.user_id)
    if outcome.session is None:
        return views.not_found(f"#{session_id}")
    if outcome.problem:
        return views.reply(outcome.problem)
    return views.ended_reply(outcome.session, outcome.changed, outcome.items)


def report(svc: TrainingService, ix: Interaction) -> Reply:
    session_id = _id(ix, "report")
    if not isinstance(session_id, int):
        return session_id
    result = svc.report(session_id, ix.channel_id or ix.user_id)
    return views.report_reply(result) if result else views.not_found(f"#{session_id}")
