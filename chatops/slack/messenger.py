"""How replies leave the bot through Slack (the console has its own Messenger).

SlackMessenger sends every Web API call to SLACK_API_URL through one WebClient that retries 429s
after `Retry-After`; replies to a command go to its `response_url` through one pooled keep-alive
client, with the same retry rule."""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Callable

import httpx
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 5
MAX_LOOKUP_PAGES = 10
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024  # file_input's own limit


class RefusedConnectionRetryHandler(ConnectionErrorRetryHandler):
    """Retries only when the connection was refused: then nothing reached Slack."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:  # noqa: ANN001
        reason = getattr(error, "reason", error)
        return response is None and isinstance(reason, ConnectionRefusedError)


def retry_handlers(*, rate_limits: bool = True) -> list:
    """429s are retried after Retry-After. Connection errors are retried only where nothing can
    have been sent (refused connections); a post whose answer was lost is the outbox's business."""
    handlers: list = [RefusedConnectionRetryHandler(max_retry_count=1)]
    if rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return handlers


def make_web_client(api_url: str, token: str | None, timeout_s: float = 10, *, rate_limits: bool = True) -> WebClient:
    """Interactive calls retry 429s in place; the outbox's client does not (it reschedules the row
    after Retry-After instead of holding its thread)."""
    return WebClient(token=token, base_url=api_url, timeout=int(max(1, timeout_s)),
                     retry_handlers=retry_handlers(rate_limits=rate_limits))


class SlackDeliveryError(Exception):
    """A reply that Slack did not accept (after the retries)."""


def make_hook_client(timeout_s: float = 10) -> httpx.Client:
    """One pooled, keep-alive client for every response_url answer (no new connection per reply)."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s, connect=3.0), follow_redirects=False,
                        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=30))


class SlackDownloadError(Exception):
    """A file that could not be downloaded (plain words, never the URL or the token)."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


class SlackMessenger:
    def __init__(self, client: WebClient, hooks: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.hooks = hooks or make_hook_client()
        self.sleep = sleep

    def respond(self, target: Any, message: dict[str, Any]) -> None:
        if target.response_url:
            self._to_response_url(target.response_url, message)
            return
        if target.channel_id:
            self.client.chat_postEphemeral(channel=target.channel_id, user=target.user_id, **_msg(message))
            return
        self.client.chat_postMessage(channel=target.user_id, **_msg(message))

    def _to_response_url(self, url: str, message: dict[str, Any]) -> None:
        """POST to a response_url: 429s wait out Retry-After; a refused connection (nothing was sent)
        is tried once more. The URL is a bearer secret for 30 minutes: never logged, never shown."""
        refused = 0
        for _ in range(RATE_LIMIT_RETRIES + 1):
            try:
                response = self.hooks.post(url, json=message)
            except httpx.ConnectError:
                refused += 1
                if refused > 1:
                    raise SlackDeliveryError("response_url refused the connection") from None
                continue
            if response.status_code == 429:
                self.sleep(min(30.0, _seconds(response.headers.get("Retry-After"))))
                continue
            if response.status_code >= 400:
                raise SlackDeliveryError(f"response_url answered HTTP {response.status_code}")
            return
        raise SlackDeliveryError("response_url kept answering 429")

    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str | None:
        response = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, **_msg(message))
        return response.get("ts")

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self.client.chat_update(channel=channel, ts=ts, **_msg(message))

    def open_modal(self, trigger_id: str | None, view: dict[str, Any]) -> str | None:
        if not trigger_id:
            raise SlackDeliveryError("no trigger_id to open a modal with")
        response = self.client.views_open(trigger_id=trigger_id, view=view)
        return (response.get("view") or {}).get("id")

    def update_modal(self, view_id: str, view: dict[str, Any], *, view_hash: str | None = None) -> None:
        self.client.views_update(view_id=view_id, view=view, hash=view_hash)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)

    def permalink(self, channel: str, ts: str) -> str | None:
        """chat.getPermalink: the message's permanent link."""
        return self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")

    def files_info(self, file_id: str) -> dict[str, Any]:
        """files.info: the file object (name, mimetype, size, url_private, permalink…)."""
        return dict(self.client.files_info(file=file_id).get("file") or {})

    def download(self, url: str, *, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        """A file's bytes from its `url_private`, with the bot token. httpx drops the token when
        a redirect leaves the origin; nothing past `max_bytes` is read."""
        token = self.client.token or ""
        try:
            with httpx.Client(timeout=httpx.Timeout(30, connect=5), follow_redirects=True) as http, \
                    http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
                if response.status_code != 200:
                    raise SlackDownloadError(f"the file download answered HTTP {response.status_code}",
                                             transient=response.status_code == 429 or response.status_code >= 500)
                if "text/html" in response.headers.get("Content-Type", ""):
                    # Slack answers a sign-in page, not the file, when the token may not read it
                    raise SlackDownloadError("the file download answered a sign-in page (files:read?)", transient=False)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise SlackDownloadError("the file is larger than 10 MB", transient=False)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise SlackDownloadError(f"the file download failed ({type(exc).__name__})", transient=True) from None

    def upload_file(self, channel: str, *, filename: str, content: str | bytes, title: str,
                    thread_ts: str | None = None, initial_comment: str | None = None) -> str | None:
        """files.uploadV2 (files.getUploadURLExternal, the bytes to its upload_url, then
        files.completeUploadExternal sharing it in the channel or thread). Returns the file id."""
        response = self.client.files_upload_v2(channel=channel, filename=filename, content=content, title=title,
                                               thread_ts=thread_ts, initial_comment=initial_comment)
        return (response.get("file") or {}).get("id")

    def find_file(self, channel: str, filename: str, *, oldest: datetime, thread_ts: str | None = None) -> str | None:
        """The id of a file named `filename` shared in the channel (or thread) since `oldest`."""
        cursor = None
        for _ in range(MAX_LOOKUP_PAGES):
            if thread_ts:
                response = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor)
            else:
                response = self.client.conversations_history(channel=channel, oldest=f"{oldest.timestamp():.6f}",
                                                             limit=200, cursor=cursor)
            for msg in response.get("messages") or []:
                for file in msg.get("files") or []:
                    if isinstance(file, dict) and file.get("name") == filename:
                        return file.get("id")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def find_by_metadata(self, channel: str, event_type: str, match: dict[str, Any], *,
                         oldest: datetime, thread_ts: str | None = None) -> str | None:
        """The ts of a message we posted whose `metadata.event_payload` holds every item of
        `match`, if any (every page since `oldest`, or of the thread)."""
        cursor = None
        for _ in range(MAX_LOOKUP_PAGES):
            if thread_ts:
                response = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor,
                                                             include_all_metadata=True)
            else:
                response = self.client.conversations_history(channel=channel, oldest=f"{oldest.timestamp():.6f}",
                                                             limit=200, cursor=cursor, include_all_metadata=True)
            for msg in response.get("messages") or []:
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == event_type and all(payload.get(k) == v for k, v in match.items()):
                    return msg.get("ts")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0


def _msg(message: dict[str, Any]) -> dict[str, Any]:
    """Web API arguments from a message payload (response_url-only keys dropped)."""
    return {k: v for k, v in message.items()
            if k in ("text", "blocks", "attachments", "unfurl_links", "metadata", "reply_broadcast")}
