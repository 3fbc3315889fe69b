"""Socket Mode transport: Bolt's built-in websocket client (apps.connections.open via SLACK_API_URL)."""
from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from chatops.wiring import Application

log = logging.getLogger(__name__)


def serve(app: App, application: Application) -> None:
    settings = application.settings
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, app_token=settings.slack_app_token.get_secret_value(), web_client=app.client)
    log.info("Socket Mode transport connecting")
    handler.start()
