"""Publishing the App Home tab: every feature's Home section (the Router), published only when it
differs from what this user last saw, or when that is old. A burst of opens publishes once; so
does Slack's retry of the event."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError

from chatops.core import dispatch
from chatops.core.router import Messenger, Router
from storage.db import Database
from storage.models import HomeView

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(minutes=10)  # an unchanged Home is published again after this long anyway


class HomePublisher:
    def __init__(self, db: Database, router: Router):
        self.db = db
        self.router = router
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, user_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(user_id, threading.Lock())

    def publish(self, user_id: str, out: Messenger, now: datetime | None = None) -> bool:
        """Publish the user's Home if it changed (or is stale). True when it was published. The
        digest is recorded once Slack has the view, so a failed or overtaken publish is not
        mistaken for what the user sees."""
        now = now or datetime.now(timezone.utc)
        with self._lock(user_id):
            view = dispatch.home_view(self.router, user_id)
            digest = hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()
            if self._seen(user_id[:32], digest, now):
                return False
            out.publish_home(user_id, view)
            self._record(user_id[:32], digest, now)
            return True

    def _seen(self, user_id: str, digest: str, now: datetime) -> bool:
        with self.db.session(bounded=True) as session:
            row = session.get(HomeView, user_id)
            return row is not None and row.digest == digest and now - row.published_at < REFRESH_AFTER

    def _record(self, user_id: str, digest: str, now: datetime) -> None:
        try:
            with self.db.session(bounded=True) as session:
                row = session.get(HomeView, user_id, with_for_update=True)
                if row is None:
                    session.add(HomeView(user_id=user_id, digest=digest, published_at=now))
                elif row.published_at <= now:
                    row.digest, row.published_at = digest, now
                    session.add(row)
        except IntegrityError:  # another replica recorded one at the same moment
            pass
        except Exception:  # noqa: BLE001 - the next open publishes again: harmless
            log.warning("could not record the published Home view")

