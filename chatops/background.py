"""Background work for the HTTP and Socket Mode transports: the leader lease, the scheduler and
the outbox sender. Only the lease holder runs jobs and delivers."""
from __future__ import annotations

import logging
import threading

from chatops.lease import LeaseKeeper
from chatops.outbox import OutboxSender
from chatops.scheduler import Scheduler
from storage.db import Database

log = logging.getLogger(__name__)


class Background:
    def __init__(self, db: Database, scheduler: Scheduler, sender: OutboxSender, lease: LeaseKeeper,
                 *, lease_ttl_s: float):
        self.db = db
        self.scheduler = scheduler
        self.sender = sender
        self.lease = lease
        self.lease_ttl_s = lease_ttl_s
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

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
        period = max(0.2, self.lease_ttl_s / 3)
        while not self.stop.is_set():
            was = self.lease.is_leader
            if self.lease.try_acquire() and not was:
                self.scheduler.forget()  # a new leader looks at every job's stored state
            self.stop.wait(period)

    def _jobs_loop(self) -> None:
        while not self.stop.is_set():
            if self.leading:
                try:
                    self.scheduler.tick()
                except Exception:  # noqa: BLE001 - e.g. the database is briefly away
                    log.exception("scheduler failed")
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
