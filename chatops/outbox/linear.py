"""The Linear deliverer: a ticket (`target="linear"`, `kind="issue"`) filed in the team.

Never twice: the issue's UUID v4 is chosen when the row is written (its `external_id`), so every
retry first asks Linear for that issue and adopts it when it exists; an `issueCreate` refused
because the id is taken is found the same way. Payload: `title`, `description` (markdown),
`screenshots` (Slack files `{id, name, mimetype, permalink}`, or console `{path, name, mimetype}`)
and `message` (`{permalink, channel, ts}`: linked in the description and as an attachment).

Each screenshot is downloaded from Slack (files.info → url_private, with the bot token) and
uploaded to Linear's storage; one that cannot be (not an image, gone, refused) is linked by its
Slack permalink instead. While Linear or Slack are only struggling, the ticket waits for them."""
from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any, Awaitable, Protocol, TypeVar

from slack_sdk.errors import SlackApiError

from chatops.integrations.errors import (IntegrationAuthError, IntegrationError, IntegrationRateLimited,
                                         IntegrationServerError, IntegrationTimeout, IntegrationUnreachable)
from chatops.integrations.linear import Linear, LinearGraphQLError, UploadStorageError
from storage.models import OutboxMessage

from . import LINEAR
from .sender import Permanent, Sent

log = logging.getLogger(__name__)
T = TypeVar("T")

KIND_ISSUE = "issue"  # chatops.outbox.enqueue_ticket writes these
LABEL = "support-feedback"
PACE_S = 1.0
CONFIG_RETRY_S = 300.0  # credentials or team refused: someone must fix the settings; look again in 5 min
FALLBACK_AFTER = 4  # attempts after which a screenshot that keeps failing is linked instead of attached
MAX_FILE_BYTES = 10 * 1024 * 1024
LINEAR_DOWN = (IntegrationRateLimited, IntegrationServerError, IntegrationAuthError, IntegrationTimeout,
               IntegrationUnreachable)


class SlackFiles(Protocol):
    """What the deliverer needs of Slack (chatops.slack.messenger.SlackMessenger)."""

    def files_info(self, file_id: str) -> dict[str, Any]: ...

    def download(self, url: str, *, max_bytes: int = ...) -> bytes: ...

    def permalink(self, channel: str, ts: str) -> str | None: ...


class Runtime(Protocol):
    def run(self, coro: Awaitable[T], timeout: float | None = None) -> T: ...


class ConfigProblem(IntegrationError):
    """Linear refused the team: a settings problem, retried slowly until it is fixed."""


class Unavailable(Exception):
    """A screenshot that cannot be attached; `transient`: worth trying again later."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


def _https(url: Any) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) < 2000 else None


def _label(name: Any) -> str:
    text = "".join(ch for ch in str(name or "screenshot") if ch not in "[]()<>\n\r\t")[:100].strip()
    return text or "screenshot"


class LinearDeliverer:
    target = LINEAR

    def __init__(self, linear: Linear, runtime: Runtime, *, team_id: str, slack: SlackFiles | None,
                 local_files: bool = False, timeout_s: float = 15.0):
        self.linear = linear
        self.runtime = runtime
        self.team_id = team_id
        self.slack = slack
        self.local_files = local_files  # the console: screenshots are paths on this machine
        self.timeout_s = timeout_s
        self._label_id: str | None = None  # looked up (or created) once per process
        self._assets: dict[tuple[int | None, str], str] = {}  # uploaded already, for a retry of the same row

    def lane(self, row: OutboxMessage) -> str:
        return self.team_id

    def pace_s(self, row: OutboxMessage) -> float:
        return PACE_S

    def _run(self, coro: Awaitable[T]) -> T:
        return self.runtime.run(coro, timeout=self.timeout_s * 4 + 10)

    # --- one ticket ---------------------------------------------------------------------------
    def send(self, row: OutboxMessage, parent: OutboxMessage | None) -> Sent:
        if row.kind != KIND_ISSUE:
            raise Permanent(f"unknown Linear operation {row.kind!r}")
        issue_id = row.external_id
        if not issue_id:
            raise Permanent("no issue id was chosen for this ticket")
        payload = row.payload or {}
        issue = self._run(self.linear.issue(issue_id)) if (row.attempts or row.uncertain) else None
        message_url = self._message_link(payload)
        if issue is None:
            description = self._description(row, message_url)
            try:
                issue = self._run(self.linear.create_issue(
                    issue_id=issue_id, team_id=self.team_id, title=str(payload.get("title") or "Support feedback")[:250],
                    description=description, label_ids=self._labels()))
            except LinearGraphQLError as exc:  # the id already taken (a try that went through), or a refusal
                issue = self._run(self.linear.issue(issue_id))
                if issue is None:
                    raise self._refusal(exc) from None
            log.info("outbox %s: Linear issue %s filed", row.id, issue.identifier)
        if message_url and message_url not in issue.attachment_urls:
            try:
                self._run(self.linear.link_url(issue.id, message_url, "Slack message"))
            except LinearGraphQLError as exc:  # the description links it too
                log.warning("outbox %s: the Slack message was not attached to %s: %s", row.id, issue.identifier, exc)
        return Sent(issue.identifier, {"url": issue.url, "issue_id": issue.id})

    def _refusal(self, exc: LinearGraphQLError) -> Exception:
        if exc.mentions("team"):
            return ConfigProblem(self.linear.name, f"the team was refused ({exc.message}); check LINEAR_TEAM_ID")
        if exc.mentions("label"):  # deleted since it was looked up: look it up (or create it) again
            self._label_id = None
            return exc
        return Permanent(f"Linear refused the issue: {exc.message}")

    def _labels(self) -> list[str]:
        if self._label_id is None:
            try:
                self._label_id = (self._run(self.linear.find_label(LABEL, self.team_id))
                                  or self._run(self.linear.create_label(LABEL, self.team_id)))
            except LinearGraphQLError as exc:  # e.g. not allowed to create labels: file it without
                log.warning("the %s label could not be found or created: %s", LABEL, exc)
                return []
        return [self._label_id]

    def _message_link(self, payload: dict[str, Any]) -> str | None:
        message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
        url = _https(message.get("permalink"))
        if url or self.slack is None or not (message.get("channel") and message.get("ts")):
            return url
        try:
            return _https(self.slack.permalink(str(message["channel"]), str(message["ts"])))
        except Exception as exc:  # noqa: BLE001 - the ticket does not wait for a link
            log.warning("no permalink for the Slack message (%s)", type(exc).__name__)
            return None

    def _description(self, row: OutboxMessage, message_url: str | None) -> str:
        parts = [str(row.payload.get("description") or "")]
        if message_url:
            parts.append(f"**Slack message:** {message_url}")
        shots = [s for s in row.payload.get("screenshots") or [] if isinstance(s, dict)][:3]
        if shots:
            parts.append("**Screenshots**\n\n" + "\n\n".join(self._screenshot(row, shot) for shot in shots))
        return "\n\n".join(p for p in parts if p)[:60000]

    # --- screenshots ----------------------------------------------------------------------------
    def _screenshot(self, row: OutboxMessage, shot: dict[str, Any]) -> str:
        name = _label(shot.get("name"))
        key = (row.id, str(shot.get("id") or shot.get("path") or name))
        if key not in self._assets:
            try:
                data, mimetype = self._fetch(shot)
                self._assets[key] = self._run(self.linear.upload(filename=name, content_type=mimetype, data=data))
            except LINEAR_DOWN:
                raise  # Linear itself is struggling: the whole ticket waits
            except (Unavailable, IntegrationError) as exc:
                if isinstance(exc, (Unavailable, UploadStorageError)):
                    transient = exc.transient
                else:  # a refusal of fileUpload will not change; a garbled answer might
                    transient = not isinstance(exc, LinearGraphQLError)
                if transient and row.attempts < FALLBACK_AFTER:
                    raise
                log.warning("outbox %s: screenshot %s linked instead of attached: %s", row.id, name, exc)
                link = _https(shot.get("permalink"))
                return f"[{name}]({link})" if link else f"{name} (could not be attached)"
        return f"![{name}]({self._assets[key]})"

    def _fetch(self, shot: dict[str, Any]) -> tuple[bytes, str]:
        if shot.get("id") and self.slack is not None:
            try:
                info = self.slack.files_info(str(shot["id"]))
            except SlackApiError as exc:
                status = getattr(exc.response, "status_code", 0) or 0
                raise Unavailable(f"files.info: {exc.response.get('error') or status}",
                                  transient=status == 429 or status >= 500) from None
            mimetype = str(info.get("mimetype") or shot.get("mimetype") or "")
            url = _https(info.get("url_private_download") or info.get("url_private"))
            if not mimetype.startswith("image/") or url is None:
                raise Unavailable("not an image Slack can hand over", transient=False)
            try:
                return self.slack.download(url, max_bytes=MAX_FILE_BYTES), mimetype
            except Exception as exc:  # noqa: BLE001 - SlackDownloadError says whether to try again
                raise Unavailable(str(exc), transient=bool(getattr(exc, "transient", True))) from None
        if shot.get("path") and self.local_files:
            path = Path(str(shot["path"])).expanduser()
            mimetype = mimetypes.guess_type(path.name)[0] or ""
            if not mimetype.startswith("image/") or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                raise Unavailable("not a readable image of at most 10 MB", transient=False)
            return path.read_bytes(), mimetype
        raise Unavailable("no way to read this file here", transient=False)

    # --- what the sender asks ---------------------------------------------------------------------
    def is_uncertain(self, exc: BaseException) -> bool:
        return isinstance(exc, (IntegrationTimeout, IntegrationServerError, TimeoutError))

    def retry_after(self, exc: BaseException) -> float | None:
        if isinstance(exc, IntegrationRateLimited):
            return exc.retry_after
        if isinstance(exc, (IntegrationAuthError, ConfigProblem)):
            return CONFIG_RETRY_S
        return None

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, IntegrationError):
            return str(exc)
        if isinstance(exc, Unavailable):
            return f"screenshot: {exc}"
        return type(exc).__name__
