"""The daily status is composed of parts that each feature contributes (`router.report_section`):
plain facts in words, never Block Kit, so the same part renders in Slack, in the console and as
markdown. Whatever a person or an integration wrote is escaped where it is rendered."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Period:
    """What the report covers: `since` → `until` (a day, or a week for the weekly report)."""

    since: datetime
    until: datetime
    weekly: bool = False


@dataclass(frozen=True)
class ReportPart:
    title: str  # the section's heading, in the team's words
    lines: tuple[str, ...] = ()  # the figures, one fact a line
    summary: str | None = None  # one line for the Summary section
    blockers: tuple[str, ...] = ()  # for Blockers / risks
    next_actions: tuple[str, ...] = ()  # for Next actions
    follow_ups: tuple[str, ...] = ()  # for Follow-ups
    evidence: tuple[str, ...] = ()  # for Evidence links: "label <url>" or a reference
    chart: dict[str, list[float]] = field(default_factory=dict)  # weekly: series name → one value a day
