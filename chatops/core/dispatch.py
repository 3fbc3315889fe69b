"""How an interaction runs, the same for Slack and the console: what is answered in the
acknowledgement, what runs after it, role checks, and what a person is told when it fails."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable

from sqlalchemy.exc import OperationalError

from storage.db import request_path

from .interaction import Interaction
from .router import Command, Ctx, Final, Handler, Messenger, Reply, Router, SubmitResult

log = logging.getLogger(__name__)

SORRY = "Something went wrong while answering; it has been logged. Try again in a minute."
BUSY = "The database is busy right now, so nothing was saved. Please try again in a few seconds."
DID_NOT_TAKE = ":warning: That did not take (the database is busy or unavailable); nothing changed. Please try again."
ACTION_RETRIES = (0.5, 2.0, 5.0)  # waits between tries of a button press that failed to write


def ephemeral(text: str) -> Reply:
    return {"text": text, "response_type": "ephemeral", "replace_original": False,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


@dataclass(frozen=True)
class Acked:
    """The outcome of the acknowledgement phase of a slash command."""

    reply: Reply | None  # what the acknowledgement carries
    command: Command | None  # set when `run` is to follow
    ix: Interaction


def acknowledge_command(router: Router, ix: Interaction) -> Acked:
    """Resolve, check the role, and compute the acknowledgement. `answer` may read the database
    (bounded): if it fails, the command's `run` answers later instead, or the person is told."""
    command, args = router.resolve(ix.text)
    if command is None:
        return Acked(router.unknown(ix) if router.unknown else ephemeral("Unknown command."), None, ix)
    ix = replace(ix, args=args, name=command.name)
    if not router.permits(command.requires, ix.user_id):
        return Acked(router.refusal(command.requires, command.what or f"use /occ {command.name}"), None, ix)
    reply = None
    if command.answer is not None:
        try:
            with request_path():
                if command.shared:
                    reply = router.answers.answer((command.name, args), partial(command.answer, ix))
                else:
                    reply = command.answer(ix)
        except OperationalError:
            log.warning("/occ %s: the database was busy before the acknowledgement", command.name)
            if command.run is None:
                return Acked(ephemeral(BUSY), None, ix)
        except Exception:  # noqa: BLE001 - the person still gets an answer
            log.exception("/occ %s failed before the acknowledgement", command.name)
            return Acked(ephemeral(SORRY), None, ix)
    if isinstance(reply, Final):
        return Acked(reply.reply, None, ix)
    return Acked(reply, command if command.run is not None else None, ix)


def run_command(acked: Acked, out: Messenger) -> None:
    """The work after the acknowledgement; a failure is logged and the person told."""
    if acked.command is None or acked.command.run is None:
        return
    try:
        acked.command.run(Ctx(acked.ix, out))
    except Exception as exc:  # noqa: BLE001 - tell the person, log the detail
        log.exception("/occ %s failed", acked.command.name)
        _tell(out, acked.ix, BUSY if isinstance(exc, OperationalError) else SORRY)


def _tell(out: Messenger, ix: Interaction, text: str) -> None:
    try:
        out.respond(ix, ephemeral(text))
    except Exception:  # noqa: BLE001
        log.warning("could not tell the user about a failure")


def submit_modal(router: Router, ix: Interaction, out: Messenger) -> SubmitResult:
    """Validate and store before the acknowledgement. A busy database or a failure answers on
    the form, never with an empty 200 that would close the modal as if it had worked."""
    handler = router.handler("modal", ix.name)
    if handler is None:
        return SubmitResult(view=notice_view("This form is no longer handled; nothing was saved."))
    first_field = next(iter(ix.values), None)

    def on_form(text: str) -> SubmitResult:
        if first_field is None:
            return SubmitResult(view=notice_view(text))
        return SubmitResult(errors={first_field: text})

    if not router.permits(handler.requires, ix.user_id):
        return on_form(router.refusal(handler.requires, handler.what)["text"])
    if not ix.values:
        return SubmitResult(view=notice_view("This form arrived without its fields; nothing was saved. "
                                             "Please open it again."))
    try:
        with request_path():
            result = handler.run(Ctx(ix, out))
    except OperationalError:
        log.warning("view %s: the database was busy; nothing stored", ix.name)
        return on_form(BUSY)
    except Exception:  # noqa: BLE001 - the modal stays open with a readable error
        log.exception("view %s could not be submitted", ix.name)
        return on_form("Could not save this; please try again.")
    return result if isinstance(result, SubmitResult) else SubmitResult()


def run_after(what: str, work: Callable[[], Any] | None) -> None:
    if work is None:
        return
    try:
        work()
    except Exception:  # noqa: BLE001
        log.exception("follow-up of %s failed", what)


def run_handler(router: Router, kind: str, ix: Interaction, out: Messenger,
                sleep: Callable[[float], None] = time.sleep) -> None:
    """An action or a shortcut, after the acknowledgement. A write that fails for a passing
    reason (a locked database) is tried again; when it still fails, the person is told."""
    handler: Handler | None = router.handler(kind, ix.name)
    if handler is None:
        return
    if not router.permits(handler.requires, ix.user_id):
        _tell(out, ix, router.refusal(handler.requires, handler.what)["text"])
        return
    for attempt in range(len(ACTION_RETRIES) + 1):
        try:
            with request_path():  # a person is waiting: each try waits for a lock only briefly
                handler.run(Ctx(ix, out))
            return
        except OperationalError:
            if attempt == len(ACTION_RETRIES):
                break
            log.warning("%s %s: database busy; trying again", kind, ix.name)
            sleep(ACTION_RETRIES[attempt])
        except Exception:  # noqa: BLE001
            log.exception("%s %s failed", kind, ix.name)
            break
    _tell(out, ix, DID_NOT_TAKE)


def home_view(router: Router, user_id: str) -> Reply:
    """Every feature's Home section, in order, within Slack's 100 blocks."""
    blocks: list[dict[str, Any]] = []
    for section in router.home_sections:
        try:
            part = section.build(user_id)
        except Exception:  # noqa: BLE001 - one broken section must not blank the Home tab
            log.exception("home section %s failed", section.name)
            continue
        if blocks and part:
            blocks.append({"type": "divider"})
        blocks.extend(part)
    return {"type": "home", "blocks": blocks[:100]}


def notice_view(text: str) -> Reply:
    return {"type": "modal", "title": {"type": "plain_text", "text": "OCC"}, "close": {"type": "plain_text",
                                                                                      "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
