"""Buttons on alert messages: Acknowledge and Snooze 1 h (the change goes out as an edit)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from slack_bolt import Ack, App

from blocks import alerts as views
from chatops.messenger import Messenger
from chatops.services import Services

log = logging.getLogger(__name__)


def _episode_id(body: dict) -> int | None:
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    value = actions[0].get("value") if actions and isinstance(actions[0], dict) else None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _user(body: dict) -> str:
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    return str(user.get("id") or "unknown")


def register(app: App, services: Services, messenger: Messenger) -> None:
    alerts = services.alerts

    @app.action(views.ACK)
    def acknowledge(ack: Ack, body: dict) -> None:
        ack()
        episode_id = _episode_id(body)
        if alerts is None or episode_id is None:
            return
        with services.db.session() as session:
            alerts.acknowledge(session, episode_id, _user(body), datetime.now(timezone.utc))

    @app.action(views.SNOOZE)
    def snooze(ack: Ack, body: dict) -> None:
        ack()
        episode_id = _episode_id(body)
        if alerts is None or episode_id is None:
            return
        with services.db.session() as session:
            alerts.snooze(session, episode_id, _user(body), datetime.now(timezone.utc))
