"""The Bolt app for HTTP and Socket Mode. Every Web API call goes to SLACK_API_URL; authorization
is local (one workspace, one bot token), so no auth.test sits on the request path. The HTTP
transport verifies request signatures itself on the raw bytes, so Bolt's verifier is off.

Each listener acknowledges first and hands the work after the acknowledgement to a separate pool,
so a burst of slow work never keeps later requests from being acknowledged. Listeners run on the
request's own thread (process_before_response): the acknowledgement is returned as soon as the
listener returns, with no hand-off to another thread and no polling for it (docs/performance.md)."""
from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, Callable

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from chatops.core import Interaction
from chatops.core import dispatch
from chatops.core.router import Router
from chatops.wiring import Application
from storage.repos import claim_event, release_event

from .messenger import SlackMessenger, make_web_client

log = logging.getLogger(__name__)


def build_bolt_app(application: Application) -> tuple[App, SlackMessenger]:
    settings = application.settings
    assert settings.slack_bot_token is not None
    bot_token = settings.slack_bot_token.get_secret_value()

    def authorize(enterprise_id: str | None, team_id: str | None, **_: object) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token)

    bolt_logger = logging.getLogger("occ.bolt")
    # Bolt notices SLACK_BOT_TOKEN in the environment beside our token-less client; that is by design.
    bolt_logger.addFilter(lambda record: "will be unused" not in record.getMessage())
    app = App(
        # token-less: Bolt builds each request's client from it (base_url, retries) + authorize()
        client=make_web_client(settings.api_url, None),
        authorize=authorize,
        request_verification_enabled=False,  # chatops.transports.http verifies every request first
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="occ-listener"),
        ignoring_self_events_enabled=False,
        logger=bolt_logger,
    )
    messenger = SlackMessenger(make_web_client(settings.api_url, bot_token))
    work = ThreadPoolExecutor(max_workers=128, thread_name_prefix="occ-work")
    register(app, application, messenger, work)
    bolt_dispatch = app.dispatch

    def dispatch(req: BoltRequest) -> BoltResponse:  # both transports hand every request to app.dispatch
        complete_views(req.body)
        return bolt_dispatch(req)

    app.dispatch = dispatch  # type: ignore[method-assign]
    return app, messenger


def complete_views(body: Any) -> None:
    """Bolt's own matchers and kwargs read `view["type"]` of every submission: a malformed one would
    fail there (a 500 answered as an empty 200, which closes the modal as if it had worked) before
    any listener could answer it. Give it the shape they read; our listener then answers it."""
    if isinstance(body, dict) and body.get("type") in ("view_submission", "view_closed"):
        if not isinstance(body.get("view"), dict):
            body["view"] = {}
        body["view"].setdefault("type", "modal")
        body["view"]["callback_id"] = str(body["view"].get("callback_id") or "")


def outbox_messenger(application: Application) -> SlackMessenger:
    """The outbox's own client: a 429 reschedules the row instead of sleeping in the sender."""
    token = application.settings.slack_bot_token
    assert token is not None
    return SlackMessenger(make_web_client(application.settings.api_url, token.get_secret_value(), rate_limits=False))


def _body(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


def register(app: App, application: Application, messenger: SlackMessenger, work: Executor) -> None:
    router: Router = application.router


    @app.command("/occ")
    def occ(ack: Ack, body: dict) -> None:
        try:
            acked = dispatch.acknowledge_command(router, Interaction.from_slash(_body(body)))
        except Exception:  # noqa: BLE001 - never leave Slack without an acknowledgement
            log.exception("could not read an /occ request")
            ack(text="Sorry, I could not read that command.")
            return
        ack(**_ack_args(acked.reply))
        if acked.command is not None:
            _submit(work, dispatch.run_command, acked, messenger)

    for callback_id in router.keys("modal"):
        app.view(callback_id)(_modal_listener(router, messenger, work))
    def after_action(ix: Interaction) -> None:
        dispatch.run_handler(router, "action", ix, messenger)
        if ix.surface == "home":  # what was pressed on the Home tab shows there at once
            try:
                application.home.publish(ix.user_id, messenger)
            except Exception:  # noqa: BLE001 - the next open publishes it
                log.warning("could not refresh the Home tab after an action")

    for action_id in router.keys("action"):
        app.action(action_id)(_later(work, Interaction.from_action, after_action))
    for callback_id in router.keys("shortcut"):
        app.shortcut(callback_id)(_later(work, Interaction.from_shortcut,
                                         lambda ix: dispatch.run_handler(router, "shortcut", ix, messenger)))

    def publish_home(event_id: str, user_id: str) -> None:
        """On the work pool, never on the request's thread (it acknowledges): a retry of an event
        already handled is skipped; one that failed is forgotten, so Slack's retry is handled."""
        if event_id and not _claim(application, event_id, "app_home_opened"):
            log.info("event %s already handled; skipping the retry", event_id)
            return
        try:
            application.home.publish(user_id, messenger)
        except Exception:
            log.exception("could not publish the Home tab")
            if event_id:
                try:
                    with application.db.session(bounded=True) as session:
                        release_event(session, event_id)
                except Exception:  # noqa: BLE001
                    log.warning("could not forget event %s", event_id)

    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        event, body = _body(event), _body(body)
        if event.get("tab", "home") == "home" and event.get("user"):
            _submit(work, publish_home, str(body.get("event_id") or ""), str(event["user"]))


ACK_KEYS = ("text", "blocks", "attachments", "unfurl_links", "unfurl_media", "response_type")


def _ack_args(reply: dict[str, Any] | None) -> dict[str, Any]:
    """What a slash command's acknowledgement can carry (Bolt's Ack takes no other keys)."""
    return {k: v for k, v in (reply or {}).items() if k in ACK_KEYS}


def _submit(work: Executor, fn: Callable[..., None], *args: Any) -> None:
    """Hand work to the pool after the acknowledgement; a failure here (the pool shutting down)
    must not turn the acknowledgement already given into an error response."""
    try:
        work.submit(fn, *args)
    except Exception:  # noqa: BLE001
        log.exception("could not start the work after an acknowledgement")


def _claim(application: Application, event_id: str, event_type: str) -> bool:
    try:
        with application.db.session(bounded=True) as session:
            return claim_event(session, event_id, event_type)
    except Exception:  # noqa: BLE001 - cannot tell: handle it (a Home publish is idempotent)
        log.warning("could not record event %s; handling it anyway", event_id)
        return True


def _modal_listener(router: Router, messenger: SlackMessenger, work: Executor):  # noqa: ANN202 - a Bolt listener
    def on_submit(ack: Ack, body: dict) -> None:
        ix = Interaction.from_view(_body(body))
        result = dispatch.submit_modal(router, ix, messenger)
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        if result.view is not None:
            ack(response_action="update", view=result.view)
        else:
            ack()
        if result.after is not None:
            _submit(work, dispatch.run_after, ix.name, result.after)

    on_submit.__name__ = "occ_modal_submission"
    return on_submit


def _later(work: Executor, parse: Callable[[dict], Interaction],
           run: Callable[[Interaction], None]) -> Callable[..., None]:
    """Acknowledge at once; parse, then run on the work pool."""
    def listener(ack: Ack, body: dict) -> None:
        ack()
        _submit(work, run, parse(_body(body)))

    listener.__name__ = "occ_after_ack"
    return listener

