"""occ entry point: settings → storage → integrations → transport.

    python app.py                  # Socket Mode, HTTP or console, from the environment
    python app.py console|http|socket
"""
from __future__ import annotations

import logging
import signal
import sys
from typing import TYPE_CHECKING

from chatops.logs import setup_logging
from chatops.settings import ConfigError, Transport, load_settings, parse_database_url

if TYPE_CHECKING:
    from slack_bolt import App

    from chatops.services import Services

TRANSPORTS: tuple[Transport, ...] = ("console", "http", "socket")
log = logging.getLogger("occ")


def _fail(message: str) -> int:
    print(f"occ: {message}", file=sys.stderr)
    return 2


def _shown_database(url: str) -> str:
    """DATABASE_URL with its password masked; nothing of it when it does not even parse."""
    try:
        return parse_database_url(url).render_as_string(hide_password=True) + " (DATABASE_URL)"
    except Exception:  # noqa: BLE001 - settings validate it; this is only a second line of defence
        return "named by DATABASE_URL"


def bolt_app(services: Services) -> App:
    """The Bolt app for HTTP and Socket Mode. Bolt does not check signatures again: the HTTP
    transport has checked them on the raw bytes before any parsing (a fast 401, ssl_check included),
    and Socket Mode has none."""
    from chatops.slack_app import build_bolt_app

    app, _ = build_bolt_app(services, verify_requests=False)
    return app


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] not in TRANSPORTS):
        return _fail(f"usage: python app.py [{'|'.join(TRANSPORTS)}]")
    try:
        settings = load_settings()
        transport: Transport = args[0] if args else settings.choose_transport()  # type: ignore[assignment]
        settings.check_transport(transport)
    except ConfigError as exc:
        return _fail(str(exc))

    redactor = setup_logging("WARNING" if transport == "console" else None, settings.secret_values())

    from chatops.services import build_services
    from storage.db import StorageError

    try:
        services = build_services(settings)
    except ConfigError as exc:
        return _fail(str(exc))
    except StorageError as exc:  # one readable line, no traceback, no password
        return _fail(redactor.redact(f"cannot open the database {_shown_database(settings.database_url)}: {exc}"))

    try:
        if transport == "console":
            from chatops.transports import console

            console.serve(services)
        else:
            from chatops.background import Background
            from chatops.slack_app import outbox_messenger

            # SIGTERM unwinds like Ctrl-C, so the lease is released and a survivor takes over at once
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            app = bolt_app(services)
            background = Background(services, outbox_messenger(services)).start()
            try:
                if transport == "http":
                    from chatops.transports import http

                    http.serve(app, services)
                else:
                    from chatops.transports import socket

                    socket.serve(app, services)
            finally:
                background.close()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
