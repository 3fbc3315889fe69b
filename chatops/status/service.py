"""Compose the support daily status from the parts features contribute (router.report_section).
A part that fails is shown as such; it never blanks the whole report."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable, Sequence

from chatops.core.report import Period, ReportPart

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    period: Period
    parts: tuple[ReportPart, ...]

    @property
    def day(self) -> str:
        return self.period.since.strftime("%Y-%m-%d")

    def gathered(self, name: str) -> list[str]:
        return [item for p in self.parts for item in getattr(p, name)]


def day_period(now: datetime) -> Period:
    start = datetime.combine(now.astimezone(timezone.utc).date(), time(0, 0), tzinfo=timezone.utc)
    return Period(start, now)


def week_period(now: datetime) -> Period:
    start = datetime.combine(now.astimezone(timezone.utc).date(), time(0, 0), tzinfo=timezone.utc) - timedelta(days=6)
    return Period(start, now, weekly=True)


class StatusService:
    def __init__(self, sections: Sequence[Any], clock: Callable[[], datetime] | None = None):
        self.sections = sections  # router.report_sections: name, build(Period) → ReportPart
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def report(self, *, weekly: bool = False, now: datetime | None = None) -> Report:
        now = now or self.clock()
        period = week_period(now) if weekly else day_period(now)
        parts = []
        for section in self.sections:
            try:
                parts.append(section.build(period))
            except Exception as exc:  # noqa: BLE001 - one broken part must not blank the report
                log.exception("status part %s failed", section.name)
                parts.append(ReportPart(section.name.replace("_", " ").capitalize(),
                                        (f"could not be read ({type(exc).__name__})",),
                                        blockers=(f"the {section.name} part of this report could not be read",)))
        return Report(period, tuple(parts))
