"""One leader across replicas: a lease row in the shared database (works on SQLite and PostgreSQL,
unlike an advisory lock on a pooled connection). The holder renews it; when it stops renewing, a
survivor takes it over once it expires."""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Lease

log = logging.getLogger(__name__)

LEADER = "occ-leader"


def make_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` was a process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
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
        self.is_leader = False

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours. Returns leadership."""
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
        self.is_leader = won
        return won

    def release(self) -> None:
        if not self.is_leader:
            return
        try:
            with self.db.session() as session:
                session.exec(  # type: ignore[call-overload]
                    update(Lease).where(Lease.name == self.name).where(Lease.holder == self.holder)
                    .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
                )
        except Exception:  # noqa: BLE001
            log.warning("lease %s: could not release", self.name)
        self.is_leader = False
