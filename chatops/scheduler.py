"""Durable schedules for the leader's jobs: `every(seconds)` and `daily("09:00", tz)`.

Each job's last due time is stored (table scheduled_run). A run is claimed by moving that time
forward with a compare-and-set, so a due time runs once across restarts, failovers and replicas,
and a daily run missed while no replica was up runs once on start while it is still useful."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from chatops.core.router import Job
from storage.db import Database
from storage.models import ScheduledRun

log = logging.getLogger(__name__)

RETRY_FAILED_DAILY = timedelta(seconds=60)
LOOK_AGAIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Every:
    seconds: float

    def due(self, now: datetime, last_due: datetime) -> datetime | None:
        """The due time to run now, if any."""
        return now if now >= last_due + timedelta(seconds=self.seconds) else None

    def first(self, now: datetime) -> datetime:
        """What a job seen for the first time counts as its last due time: it runs at once."""
        return now - timedelta(seconds=self.seconds)

    def next_after(self, now: datetime, last_due: datetime) -> datetime:
        return last_due + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Daily:
    at: str  # "HH:MM"
    tz: str = "UTC"
    catch_up: timedelta = timedelta(hours=6)  # a run missed by longer than this is skipped

    def __post_init__(self) -> None:
        hour, _, minute = self.at.partition(":")
        if not (hour.isdigit() and minute.isdigit() and 0 <= int(hour) < 24 and 0 <= int(minute) < 60):
            raise ValueError(f"daily time {self.at!r} is not HH:MM")
        ZoneInfo(self.tz)  # raises for an unknown zone

    def latest(self, now: datetime) -> datetime:
        """The most recent scheduled time at or before `now`, in UTC."""
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        hour, minute = (int(p) for p in self.at.split(":"))
        # fold=0: a wall time that happens twice (the night clocks go back) is its first occurrence
        candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0, fold=0)
        if candidate > local:
            candidate = (local - timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0,
                                                            fold=0)
        return candidate.astimezone(timezone.utc)

    def due(self, now: datetime, last_due: datetime) -> datetime | None:
        latest = self.latest(now)
        return latest if latest > last_due else None

    def first(self, now: datetime) -> datetime:
        return self.latest(now)  # a new job waits for its next time: nothing was missed before it existed

    def next_after(self, now: datetime, last_due: datetime) -> datetime:
        """The next scheduled time after `now` (a day is 23 to 25 hours long across DST)."""
        return self.latest(self.latest(now) + timedelta(hours=25))

    def useful(self, due: datetime, now: datetime) -> bool:
        return now - due <= self.catch_up


def every(seconds: float) -> Every:
    return Every(seconds)


def daily(at: str, tz: str = "UTC") -> Daily:
    return Daily(at, tz)


class Scheduler:
    def __init__(self, db: Database, jobs: Sequence[Job], clock: Callable[[], datetime] | None = None):
        self.db = db
        self.jobs = list(jobs)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._next_look: dict[str, datetime] = {}  # no need to ask the database before then

    def forget(self) -> None:
        """Leadership changed: look at every job's stored state again."""
        self._next_look.clear()

    def tick(self) -> list[str]:
        """Run every job that is due now; returns the names of the jobs run."""
        ran = []
        for job in self.jobs:
            look = self._next_look.get(job.name)
            if look is not None and self.clock() < look:
                continue
            if self._run_if_due(job):
                ran.append(job.name)
        return ran

    def _claim(self, job: Job, now: datetime) -> tuple[datetime, datetime] | None:
        """(previous due, claimed due) when this process won the run, else None."""
        with self.db.session() as session:
            row = session.get(ScheduledRun, job.name)
            if row is None:
                try:
                    with session.begin_nested():
                        row = ScheduledRun(name=job.name, last_due_at=job.schedule.first(now))
                        session.add(row)
                        session.flush()
                except IntegrityError:
                    row = session.get(ScheduledRun, job.name)
                    if row is None:
                        return None
            previous = row.last_due_at
            due = job.schedule.due(now, previous)
            if due is None:
                # another replica may move it forward meanwhile: look again within a minute at most
                self._next_look[job.name] = min(job.schedule.next_after(now, previous), now + LOOK_AGAIN)
                return None
            won = session.exec(  # type: ignore[call-overload]
                update(ScheduledRun).where(ScheduledRun.name == job.name)
                .where(ScheduledRun.last_due_at == previous).values(last_due_at=due, last_run_at=now)
            ).rowcount == 1
            return (previous, due) if won else None

    def _run_if_due(self, job: Job) -> bool:
        now = self.clock()
        claimed = self._claim(job, now)
        if claimed is None:
            return False
        previous, due = claimed
        if isinstance(job.schedule, Daily) and not job.schedule.useful(due, now):
            log.info("job %s: the run due at %s was missed long ago; skipped", job.name, due.isoformat())
            return False
        try:
            job.run()
        except Exception as exc:  # noqa: BLE001 - logged; a daily run is tried again
            log.exception("job %s failed", job.name)
            self._record_failure(job, previous, due, exc)
            return False
        return True

    def _record_failure(self, job: Job, previous: datetime, due: datetime, exc: Exception) -> None:
        values: dict = {"last_error": f"{type(exc).__name__}"[:300]}
        if isinstance(job.schedule, Daily):
            values["last_due_at"] = previous  # give the due time back: the run is tried again
            self._next_look[job.name] = self.clock() + RETRY_FAILED_DAILY
        try:
            with self.db.session() as session:
                session.exec(update(ScheduledRun).where(ScheduledRun.name == job.name)  # type: ignore[call-overload]
                             .where(ScheduledRun.last_due_at == due).values(**values))
        except Exception:  # noqa: BLE001
            log.warning("job %s: could not record its failure", job.name)
