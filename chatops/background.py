"""Background work for the HTTP and Socket Mode transports: the leader lease, the scheduled jobs
(the health monitor first) and the outbox sender. Only the lease holder runs jobs and sends."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from chatops.leader import LeaseKeeper
from chatops.outbox import OutboxSender

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], object]
    next_at: float = field(default=0.0)


class Background:
    def __init__(self, services, messenger) -> None:  # noqa: ANN001
        self.services = services
        settings = services.settings
        self.lease = LeaseKeeper(services.db, ttl_s=settings.occ_lease_ttl_s)
        self.sender = OutboxSender(services.db, messenger, holder=self.lease.holder)
        for hook in services.outbox_hooks:
            self.sender.on_sent(hook)
        self.jobs = [Job("health monitor", settings.occ_health_interval_s, services.monitor.tick), *services.jobs]
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        services.monitor.is_active = lambda: self.leading

    @property
    def leading(self) -> bool:
        return self.lease.is_leader and not self.stop.is_set()

    def start(self) -> "Background":
        for name, target in (("lease", self._lease_loop), ("jobs", self._jobs_loop), ("outbox", self._outbox_loop)):
            thread = threading.Thread(target=target, name=f"occ-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _lease_loop(self) -> None:
        period = max(0.2, self.services.settings.occ_lease_ttl_s / 3)
        while not self.stop.is_set():
            self.lease.try_acquire()
            self.stop.wait(period)

    def _jobs_loop(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if self.leading and now >= job.next_at:
                    job.next_at = now + job.every_s
                    try:
                        job.run()
                    except Exception:  # noqa: BLE001 - a failing job runs again next period
                        log.exception("job %s failed", job.name)
                elif not self.leading:
                    job.next_at = 0.0  # a new leader runs everything at once
            self.stop.wait(0.2)

    def _outbox_loop(self) -> None:
        while not self.stop.is_set():
            sent = 0
            if self.leading:
                try:
                    sent = self.sender.drain(should_continue=lambda: self.leading)
                except Exception:  # noqa: BLE001 - e.g. the database is briefly away
                    log.exception("outbox sender failed")
            self.stop.wait(0.05 if sent else 0.25)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.lease.release()
