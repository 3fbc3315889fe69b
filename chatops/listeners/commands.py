"""The /occ slash command: acknowledge first (no I/O), then run the subcommand's work."""
from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import Ack, App

from blocks.text import message
from chatops.commands import Ctx, Invocation
from chatops.messenger import Messenger
from chatops.services import Services, answer_command

log = logging.getLogger(__name__)

SORRY = "Something went wrong while answering; it has been logged. Try again in a minute."


def register(app: App, services: Services, messenger: Messenger, work: Executor) -> None:
    ctx = Ctx(services=services, messenger=messenger)

    @app.command("/occ")
    def occ(ack: Ack, body: dict) -> None:
        try:
            inv = Invocation.from_slash(body if isinstance(body, dict) else {})
            command, inv, reply = answer_command(services, inv)
        except Exception:  # noqa: BLE001 - never leave Slack without an acknowledgement
            log.exception("could not parse /occ request")
            ack(text="Sorry, I could not read that command.")
            return
        ack(**(reply or {}))
        if command is not None and command.run is not None:
            work.submit(_run, command, inv)

    def _run(command, inv: Invocation) -> None:  # noqa: ANN001
        try:
            command.run(inv, ctx)
        except Exception:  # noqa: BLE001 - tell the person, log the detail
            log.exception("/occ %s failed", command.name)
            try:
                messenger.respond(inv, message(SORRY, response_type="ephemeral"))
            except Exception:  # noqa: BLE001
                log.warning("could not tell the user about the failure")
