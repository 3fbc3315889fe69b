"""occ entry point: settings → storage → integrations → transport.

    python app.py                  # Socket Mode, HTTP or console, from the environment
    python app.py console|http|socket
"""
from __future__ import annotations

import logging
import signal
import sys

from chatops.logs import setup_logging
from chatops.settings import ConfigError, Transport, load_settings, parse_database_url

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

    from chatops.wiring import build
    from storage.db import StorageError

    try:
        application = build(settings)
    except ConfigError as exc:
        return _fail(str(exc))
    except StorageError as exc:  # one readable line, no traceback, no password
        return _fail(redactor.redact(f"cannot open the database {_shown_database(settings.database_url)}: {exc}"))

    try:
        if transport == "console":
            from chatops.transports import console

            console.serve(application)
        else:
            serve_slack(application, transport)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        application.close()
    return 0


def serve_slack(application, transport: Transport) -> None:  # noqa: ANN001 - chatops.wiring.Application
    from chatops.background import Background
    from chatops.slack.app import build_bolt_app, outbox_messenger
    from chatops.wiring import lease

    # SIGTERM unwinds like Ctrl-C, so the lease is released and a survivor takes over at once
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app, _ = build_bolt_app(application)
    keeper = lease(application)
    sender = application.sender(outbox_messenger(application), holder=keeper.holder)
    background = Background(application.db, application.scheduler(), sender, keeper,
                            lease_ttl_s=application.settings.occ_lease_ttl_s)
    application.deps.leading = lambda: background.leading
    background.start()
    try:
        if transport == "http":
            from chatops.transports import http

            http.serve(app, application)
        else:
            from chatops.transports import socket

            socket.serve(app, application)
    finally:
        background.close()


if __name__ == "__main__":
    sys.exit(main())
