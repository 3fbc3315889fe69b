"""Events API: de-duplicate retries by event_id, and publish the App Home dashboard."""
from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltResponse

from blocks.home import home_view
from chatops.messenger import Messenger
from chatops.services import Services
from storage.repos import claim_event, release_event

log = logging.getLogger(__name__)


def register(app: App, services: Services, messenger: Messenger) -> None:
    @app.middleware
    def skip_handled_events(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        if isinstance(body, dict) and body.get("type") == "event_callback" and body.get("event_id"):
            event = body.get("event") if isinstance(body.get("event"), dict) else {}
            try:
                with services.db.session() as session:
                    fresh = claim_event(session, str(body["event_id"])[:64], str(event.get("type") or "")[:64])
            except Exception:  # noqa: BLE001 - cannot tell: handle it (handlers are idempotent)
                log.warning("could not record event %s; handling it anyway", body["event_id"])
                fresh = True
            if not fresh:
                log.info("event %s already handled; skipping the retry", body["event_id"])
                return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            view = home_view(services.health.latest(), services.command_list())
            messenger.publish_home(str(event["user"]), view)
        except Exception:
            # forget the event, so Slack's retry of it is handled rather than skipped
            with services.db.session() as session:
                release_event(session, str(body.get("event_id") or "")[:64])
            raise
