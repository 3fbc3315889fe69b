"""HTTP transport: a WSGI app on waitress (multi-threaded, production-grade).

POST /slack/events  signature checked first (401 otherwise), then Bolt; malformed bodies get 400.
GET  /healthz       200 with JSON once the database answers and takes writes; 503 otherwise.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from http import HTTPStatus
import logging
from typing import Callable, Iterable

from slack_bolt import App
from slack_bolt.request import BoltRequest

from chatops.core.dispatch import notice_view
from chatops.wiring import Application

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack never sends more than a few KB; anything larger is refused (413)

StartResponse = Callable[..., object]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _reply(start_response: StartResponse, status: str, body: object, ctype: str = "application/json") -> list[bytes]:
    data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data)))])
    return [data]


SIGNATURE_WINDOW_S = 5 * 60


def signature_ok(secret: bytes, raw: bytes, timestamp: str, signature: str, now: float | None = None) -> bool:
    """Slack's v0 scheme over the raw bytes: HMAC-SHA256 of `v0:{ts}:{body}`, within 5 minutes.

    The timestamp must be 1-12 ASCII digits (Unix seconds): no sign, space, fraction, underscore or
    other script's digits, and nothing so long that `int()` or the time arithmetic would blow up."""
    if not (0 < len(timestamp) <= 12 and timestamp.isascii() and timestamp.isdigit()):
        return False
    if not (signature and signature.isascii()):  # compare_digest refuses non-ASCII str
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_WINDOW_S:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class SlackWSGI:
    def __init__(self, app: App, application: Application, signing_secret: str):
        self.app = app
        self.db = application.db
        self.secret = signing_secret.encode()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self.route(environ, start_response)
        except Exception:  # noqa: BLE001 - nothing a request carries may produce a 5xx
            log.exception("request failed")
            return _reply(start_response, "400 Bad Request", {"error": "could not handle this request"})

    def route(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        if path == "/slack/events":
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed", {"error": "POST only"})
            return self.slack(environ, start_response)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    def healthz(self, start_response: StartResponse) -> list[bytes]:
        db = self.db
        if not db.ping():
            return _reply(start_response, "503 Service Unavailable", {"status": "starting", "database": "unreachable"})
        if not db.writable():
            return _reply(start_response, "503 Service Unavailable", {
                "status": "degraded", "database": "read-only",
                "detail": "the database answers but cannot be written (locked, read-only or out of space)"})
        return _reply(start_response, "200 OK", {"status": "ok", "database": db.dialect})

    def slack(self, environ: dict, start_response: StartResponse) -> list[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", {"error": "bad content length"})
        if length > MAX_BODY:
            return _reply(start_response, "413 Payload Too Large", {"error": "body too large"})
        raw: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not signature_ok(self.secret, raw, timestamp, signature):
            return _reply(start_response, "401 Unauthorized", {"error": "invalid signature"})
        try:
            body = raw.decode("utf-8")
            request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""),
                                  headers={k: [v] for k, v in headers.items()})
        except Exception:  # noqa: BLE001 - signed but unreadable: the sender's fault
            return _reply(start_response, "400 Bad Request", {"error": "unreadable body"})
        try:
            response = self.app.dispatch(request)
        except Exception:  # noqa: BLE001 - nothing a request carries may take the server down
            log.exception("could not dispatch a Slack request")
            return _reply(start_response, "400 Bad Request", {"error": "could not handle this request"})
        status = response.status if response.status < 500 else 200
        if response.status >= 500:
            log.warning("listener failed (status %s); answered 200 so Slack does not retry", response.status)
            body = request.body if isinstance(request.body, dict) else {}
            if body.get("type") == "view_submission":  # an empty 200 would close the modal as if it worked
                return _reply(start_response, "200 OK", {"response_action": "update", "view": notice_view(
                    "Something went wrong and nothing was saved; it has been logged. Please try again.")})
        ctype = (response.headers.get("content-type") or ["application/json"])[0]
        return _reply(start_response, f"{status} {_phrase(status)}", response.body or "", ctype)


def serve(app: App, application: Application) -> None:
    import waitress

    settings = application.settings
    assert settings.slack_signing_secret is not None
    wsgi = SlackWSGI(app, application, settings.slack_signing_secret.get_secret_value())
    server = waitress.create_server(
        wsgi, host=settings.host, port=settings.port, threads=settings.http_threads,
        max_request_body_size=MAX_BODY, channel_timeout=30, ident="occ",
        clear_untrusted_proxy_headers=True,
    )
    log.info("HTTP transport listening on %s:%s (POST /slack/events, GET /healthz)", settings.host, server.effective_port)
    try:
        server.run()
    finally:
        server.close()
