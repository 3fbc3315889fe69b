"""Loopback stand-ins: a fake Slack Web API (records what was sent) and a scriptable integration."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)
    raw: bytes = b""  # the body as sent (uploads are binary)


Route = Callable[[Call], "tuple[int, Any, dict[str, str]] | None"]


class FakeServer:
    """A threaded HTTP server on 127.0.0.1:<free port> that records every request and answers through
    `route(call)` → (status, json body, headers). Behaviour can be changed while it runs."""

    def __init__(self, route: Route):
        self.route = route
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                body: Any = raw.decode("utf-8", "replace")
                if "json" in ctype and raw:
                    body = json.loads(raw)
                elif "x-www-form-urlencoded" in ctype:
                    body = {k: v[0] for k, v in parse_qs(body).items()}
                    for key in ("blocks", "view", "attachments"):
                        if isinstance(body.get(key), str):
                            body[key] = json.loads(body[key])
                url = urlparse(self.path)
                call = Call(self.command, url.path, parse_qs(url.query), dict(self.headers.items()), body, raw=raw)
                with server._lock:
                    server.calls.append(call)
                answer = server.route(call) or (404, {"error": "not found"}, {})
                status, payload, headers = answer
                data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
                try:
                    self.send_response(status)
                    if not any(k.lower() == "content-type" for k in headers):
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def calls_to(self, path_part: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if path_part in c.path]

    def wait_for(self, path_part: str, count: int = 1, timeout: float = 10) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(path_part)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {path_part!r}, saw {[c.path for c in self.calls]}")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


BOT_TOKEN = "xoxb-0000-test-token"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24 + b"fake screenshot pixels"


class FakeSlack(FakeServer):
    """Web API methods answer ok (with a ts for posts); /respond/<id> stands for response_urls.
    `rate_limit[method] = n` answers the next n calls of that method with 429 Retry-After: 1.
    Posted messages are kept (with their metadata) and served by conversations.history/replies.
    Files: `add_file()` makes one files.info knows, downloadable from its url_private with the bot
    token only; files.uploadV2 (getUploadURLExternal → POST to upload_url → completeUploadExternal)
    keeps what was uploaded in `uploads` and shares it as a message with `files`."""

    def __init__(self) -> None:
        self.rate_limit: dict[str, int] = {}
        self._ts = 0
        self.messages: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # file id → {filename, length, data, title, channel, thread_ts}
        super().__init__(self._route)

    def add_file(self, file_id: str, name: str = "shot.png", mimetype: str = "image/png",
                 data: bytes = PNG) -> dict[str, Any]:
        """A file as a file_input submission and files.info carry it."""
        file = {"id": file_id, "name": name, "title": name, "mimetype": mimetype, "filetype": name.rsplit(".", 1)[-1],
                "size": len(data), "url_private": f"{self.url}/files-pri/T1-{file_id}/{name}",
                "url_private_download": f"{self.url}/files-pri/T1-{file_id}/download/{name}",
                "permalink": f"https://hotrodan.slack.com/files/U900/{file_id}/{name}"}
        self.files[file_id] = file
        self.file_bytes[file_id] = data
        return file

    @staticmethod
    def _args(call: Call) -> dict[str, Any]:
        args: dict[str, Any] = {k: v[0] for k, v in call.query.items()}
        if isinstance(call.body, dict):
            args.update(call.body)
        return args

    def _files_route(self, call: Call, method: str) -> tuple[int, Any, dict[str, str]] | None:
        if call.path.startswith("/files-pri/"):
            if call.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                return 200, b"<html>sign in to Slack</html>", {"Content-Type": "text/html"}
            file_id = call.path.split("/")[2].split("-", 1)[-1]
            data = self.file_bytes.get(file_id)
            return (200, data, {"Content-Type": self.files[file_id]["mimetype"]}) if data is not None else \
                (404, b"not found", {"Content-Type": "text/plain"})
        if call.path.startswith("/upload/v1/"):
            file_id = call.path.rsplit("/", 1)[-1]
            if file_id not in self.uploads:
                return 404, b"unknown upload", {"Content-Type": "text/plain"}
            self.uploads[file_id]["data"] = call.raw
            return 200, f"OK - {len(call.raw)}".encode(), {"Content-Type": "text/plain"}
        args = self._args(call)
        if method == "files.info":
            file = self.files.get(str(args.get("file")))
            return (200, {"ok": True, "file": file}, {}) if file else (200, {"ok": False, "error": "file_not_found"}, {})
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length") or "").isdigit():
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            file_id = f"F0UP{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = {"filename": args["filename"], "length": int(args["length"])}
            return 200, {"ok": True, "upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}, {}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            done = []
            for item in files:
                upload = self.uploads.get(item.get("id"))
                if upload is None or "data" not in upload:
                    return 200, {"ok": False, "error": "invalid_arguments"}, {}
                upload.update(title=item.get("title"), channel=args.get("channel_id"), thread_ts=args.get("thread_ts"))
                done.append({"id": item["id"], "name": upload["filename"], "title": item.get("title")})
            if args.get("channel_id"):
                self.messages.append({"channel": args["channel_id"], "ts": f"{time.time():.6f}",
                                      "thread_ts": args.get("thread_ts"), "text": args.get("initial_comment") or "",
                                      "files": done, "metadata": None})
            return 200, {"ok": True, "files": done}, {}
        return None

    def _history(self, call: Call, method: str) -> dict[str, Any]:
        args = {k: v[0] for k, v in call.query.items()}
        if isinstance(call.body, dict):
            args.update(call.body)
        channel = args.get("channel")
        if method == "conversations.replies":
            root = args.get("ts")
            found = [m for m in self.messages if m["channel"] == channel and root in (m["ts"], m.get("thread_ts"))]
        else:
            oldest = float(args.get("oldest") or 0)
            found = [m for m in self.messages if m["channel"] == channel and not m.get("thread_ts")
                     and float(m["ts"]) >= oldest]
        return {"messages": sorted(found, key=lambda m: m["ts"], reverse=True), "has_more": False}

    def _route(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.path.startswith("/respond/"):
            return 200, {"ok": True}, {}
        method = call.path.rsplit("/", 1)[-1]
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        files = self._files_route(call, method)
        if files is not None:
            return files
        self._ts += 1
        extra: dict[str, Any] = {}
        if method in ("conversations.history", "conversations.replies"):
            return 200, {"ok": True, **self._history(call, method)}, {}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            body = call.body if isinstance(call.body, dict) else {}
            ts = body.get("ts") if method == "chat.update" else f"{time.time():.6f}"
            extra = {"ts": ts, "channel": body.get("channel")}
            if method == "chat.postMessage":
                self.messages.append({"channel": body.get("channel"), "ts": ts, "thread_ts": body.get("thread_ts"),
                                      "text": body.get("text"), "metadata": body.get("metadata")})
        if method in ("views.open", "views.update", "views.publish"):
            extra = {"view": {"id": f"V{self._ts}", "hash": "h"}}
        if method == "auth.test":
            extra = {"user_id": "UBOT", "team_id": "T1", "bot_id": "BBOT"}
        if method == "chat.getPermalink":
            args = self._args(call)
            extra = {"channel": args.get("channel"),
                     "permalink": f"https://hotrodan.slack.com/archives/{args.get('channel')}/"
                                  f"p{str(args.get('message_ts', '')).replace('.', '')}"}
        return 200, {"ok": True, **extra}, {}

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/respond/{name}"

    def web_api_calls(self) -> list[Call]:
        return [c for c in self.calls if c.path.startswith("/api/")]


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with `body`: v0 HMAC-SHA256 of `v0:{ts}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
