"""Training's contribution to the support daily status: the next session, as a next action."""
from __future__ import annotations

from chatops.core.report import Period, ReportPart

from .service import TrainingService


def part(svc: TrainingService, period: Period) -> ReportPart:
    upcoming = svc.upcoming(period.until, limit=3)
    lines = tuple(f"#{s.id} {s.topic} — {s.starts_at:%Y-%m-%d %H:%M} UTC" for s in upcoming) or ("none scheduled",)
    actions = tuple(f"Prepare training #{s.id} ({s.topic}), {s.starts_at:%Y-%m-%d %H:%M} UTC" for s in upcoming[:1])
    return ReportPart("Operator training", lines, None, (), actions)
