"""One leader across replicas: a lease row in the shared database (works on SQLite and PostgreSQL,
unlike an advisory lock on a pooled connection). The holder renews it; when it stops renewing, a
survivor takes it over once it expires."""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Lease

log = logging.getLogger(__name__)

LEADER = "occ-leader"


def _pid_namespace() -> str:
    """Identifies this process's PID namespace: two containers may share a hostname, never this."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def _boot_id() -> str:
    """Identifies this boot of this kernel: cloned hosts may share a hostname, never this."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip().replace("-", "")[:12]
    except OSError:
        return "-"


def _here() -> str:
    return f"{_pid_namespace()}.{_boot_id()}"


def make_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_here()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` was a process of this very host (hostname, boot and PID namespace)
    that no longer exists."""
    parts = holder.split(":")
    if len(parts) != 4:
        return False
    host, pid_text, where, _ = parts
    if host != socket.gethostname() or where != _here() or "-" in where.split("."):
        return False
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class LeaseKeeper:
    def __init__(self, db: Database, *, ttl_s: float, name: str = LEADER, holder: str | None = None):
        self.db = db
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.holder = holder or make_holder_id()
        self._valid_until = 0.0  # monotonic: leadership ends here unless renewed, whatever the database says

    @property
    def is_leader(self) -> bool:
        return time.monotonic() < self._valid_until

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours. Returns leadership."""
        started = time.monotonic()
        now = now or datetime.now(timezone.utc)
        expires = now + self.ttl
        try:
            with self.db.session() as session:
                result = session.exec(  # type: ignore[call-overload]
                    update(Lease)
                    .where(Lease.name == self.name)
                    .where((Lease.holder == self.holder) | (Lease.expires_at < now))
                    .values(holder=self.holder, expires_at=expires)
                )
                won = result.rowcount == 1
                current = None if won else session.get(Lease, self.name)
                if not won and current is None:
                    session.add(Lease(name=self.name, holder=self.holder, expires_at=expires, acquired_at=now))
                    session.flush()
                    won = True
                elif not won and holder_is_dead(current.holder):
                    # our own host's previous process died (kill -9, crash): no need to wait out its lease
                    won = session.exec(  # type: ignore[call-overload]
                        update(Lease).where(Lease.name == self.name).where(Lease.holder == current.holder)
                        .values(holder=self.holder, expires_at=expires, acquired_at=now)
                    ).rowcount == 1
        except IntegrityError:
            won = False  # another replica inserted the row first
        except Exception:  # noqa: BLE001 - a database hiccup costs leadership, never the process
            log.warning("lease %s: database unavailable; standing down", self.name, exc_info=True)
            won = False
        if won != self.is_leader:
            log.info("lease %s: %s (%s)", self.name, "acquired" if won else "lost", self.holder)
        # counted from before the database call: a slow renewal shortens our term, never lengthens it
        self._valid_until = started + self.ttl.total_seconds() * 0.9 if won else 0.0
        return won

    def release(self) -> None:
        """Hand the lease back (if the database still names us), so a survivor need not wait."""
        try:
            with self.db.session() as session:
                session.exec(  # type: ignore[call-overload]
                    update(Lease).where(Lease.name == self.name).where(Lease.holder == self.holder)
                    .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
                )
        except Exception:  # noqa: BLE001
            log.warning("lease %s: could not release", self.name)
        self._valid_until = 0.0
