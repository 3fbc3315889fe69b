"""Modal submissions: validate and store before the acknowledgement, then the follow-up work."""
from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import Ack, App

from chatops.commands import Ctx
from chatops.messenger import Messenger
from chatops.services import Services
from chatops.views import ViewHandler, submission_from_payload

log = logging.getLogger(__name__)


def register(app: App, services: Services, messenger: Messenger, work: Executor) -> None:
    ctx = Ctx(services=services, messenger=messenger)
    for handler in services.views.all():
        app.view(handler.callback_id)(_listener(handler, ctx, work))


def _listener(handler: ViewHandler, ctx: Ctx, work: Executor):  # noqa: ANN202 - a Bolt listener
    def on_submit(ack: Ack, body: dict) -> None:
        submission = submission_from_payload(body if isinstance(body, dict) else {})
        try:
            result = handler.submit(submission, ctx)
        except Exception:  # noqa: BLE001 - the modal stays open with a readable error
            log.exception("view %s could not be submitted", handler.callback_id)
            field = next(iter(submission.values), None)
            if field is None:
                ack()
                return
            ack(response_action="errors", errors={field: "Could not save this; please try again."})
            return
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        if result.view is not None:
            ack(response_action="update", view=result.view)
        else:
            ack()
        if result.after is not None:
            work.submit(_after, result.after)

    def _after(after) -> None:  # noqa: ANN001
        try:
            after()
        except Exception:  # noqa: BLE001
            log.exception("follow-up of %s failed", handler.callback_id)

    on_submit.__name__ = f"view_{handler.callback_id}"
    return on_submit
