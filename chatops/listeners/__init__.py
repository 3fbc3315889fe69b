"""Bolt wiring only: turn Slack payloads into Invocations / ViewSubmissions and hand them over.

Bolt calls each listener on its own thread pool and answers Slack once the listener calls ack();
the slow part (integration calls, modals, replies) is then handed to a separate pool, so a burst
of slow commands never keeps later requests from being acknowledged."""
from __future__ import annotations

from concurrent.futures import Executor

from slack_bolt import App

from chatops.messenger import Messenger
from chatops.services import Services

from . import actions, commands, events, views


def register(app: App, services: Services, messenger: Messenger, work: Executor) -> None:
    events.register(app, services, messenger)
    commands.register(app, services, messenger, work)
    views.register(app, services, messenger, work)
    actions.register(app, services, messenger, work)
