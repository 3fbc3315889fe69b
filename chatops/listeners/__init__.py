"""Bolt wiring only: turn Slack payloads into Invocations / ViewSubmissions and hand them over."""
from __future__ import annotations

from slack_bolt import App

from chatops.messenger import Messenger
from chatops.services import Services

from . import actions, commands, events, views


def register(app: App, services: Services, messenger: Messenger) -> None:
    events.register(app, services, messenger)
    commands.register(app, services, messenger)
    views.register(app, services, messenger)
    actions.register(app, services, messenger)
