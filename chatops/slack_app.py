"""The Bolt app for HTTP and Socket Mode: every Web API call to SLACK_API_URL, no auth.test on
the request path (authorization is local: one workspace, one bot token)."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from chatops import listeners
from chatops.messenger import SlackMessenger, make_web_client
from chatops.services import Services

log = logging.getLogger(__name__)


def build_bolt_app(services: Services, *, verify_requests: bool) -> tuple[App, SlackMessenger]:
    settings = services.settings
    assert settings.slack_bot_token is not None
    bot_token = settings.slack_bot_token.get_secret_value()

    def authorize(enterprise_id: str | None, team_id: str | None, **_: object) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token)

    bolt_logger = logging.getLogger("occ.bolt")
    # Bolt notices SLACK_BOT_TOKEN in the environment beside our token-less client; that is by design.
    bolt_logger.addFilter(lambda record: "will be unused" not in record.getMessage())
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = App(
        # token-less: Bolt builds each request's client from it (base_url, retries) + authorize()
        client=make_web_client(settings.api_url, None),
        signing_secret=secret,
        authorize=authorize,
        request_verification_enabled=verify_requests,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="occ-listener"),
        ignoring_self_events_enabled=False,
        logger=bolt_logger,
    )
    messenger = SlackMessenger(make_web_client(settings.api_url, bot_token))
    work = ThreadPoolExecutor(max_workers=128, thread_name_prefix="occ-work")
    listeners.register(app, services, messenger, work)
    return app, messenger


def outbox_messenger(services: Services) -> SlackMessenger:
    """The outbox's own client: a 429 reschedules the row instead of sleeping in the sender."""
    settings = services.settings
    assert settings.slack_bot_token is not None
    return SlackMessenger(make_web_client(settings.api_url, settings.slack_bot_token.get_secret_value(),
                                          rate_limits=False))
