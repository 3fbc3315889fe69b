"""Linear adapter: the GraphQL API (packages/sdk/src/schema.graphql in linear/linear) over httpx.

- A personal API key goes in the `Authorization` header as is (no `Bearer`; that is for OAuth).
- An `errors` array is an error even on HTTP 200. A rate limit answers HTTP 400 with
  `extensions.code: "RATELIMITED"` (or HTTP 429); its reset comes in `Retry-After` (seconds) or
  `X-RateLimit-Requests-Reset` / `X-RateLimit-Complexity-Reset` (Unix milliseconds).
- `issueCreate` takes a client-chosen UUID v4 `id`, so a retry can look the issue up by that id
  (`issue(id:)`, which answers "Entity not found" while it does not exist) instead of filing twice.
- Files: `fileUpload` answers a pre-signed `uploadUrl`, the permanent `assetUrl` and the headers the
  PUT must carry; the PUT goes to cloud storage, never with the API key."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import (IntegrationAuthError, IntegrationBadResponse, IntegrationError, IntegrationRateLimited,
                     IntegrationServerError)
from .http import USER_AGENT, exchange, make_client

NAME = "Linear"
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
MAX_RATE_LIMIT_WAIT_S = 3600.0
UPLOAD_CACHE_CONTROL = "public, max-age=31536000"  # what Linear's upload guide sets on the PUT

LABELS = """query OccLabels($name: String!) {
  issueLabels(first: 50, filter: { name: { eqIgnoreCase: $name } }) { nodes { id name team { id } } }
}"""
LABEL_CREATE = """mutation OccLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}"""
ISSUE = """query OccIssue($id: String!) {
  issue(id: $id) { id identifier url attachments { nodes { url } } }
}"""
ISSUE_CREATE = """mutation OccIssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
FILE_UPLOAD = """mutation OccFileUpload($contentType: String!, $filename: String!, $size: Int!) {
  fileUpload(contentType: $contentType, filename: $filename, size: $size) {
    success uploadFile { uploadUrl assetUrl headers { key value } }
  }
}"""
LINK_URL = """mutation OccLinkURL($issueId: String!, $url: String!, $title: String) {
  attachmentLinkURL(issueId: $issueId, url: $url, title: $title) { success attachment { id url } }
}"""


class LinearGraphQLError(IntegrationBadResponse):
    """Linear refused the request (an `errors` array that is neither a rate limit nor auth)."""

    def __init__(self, message: str, codes: list[str], status: int, raw: tuple[str, ...] = ()):
        super().__init__(NAME, message)
        self.codes = codes
        self.status = status
        self.raw = raw  # every error's `message` as Linear wrote it ("Entity not found: Issue")

    @property
    def not_found(self) -> bool:
        return any(m.lower().startswith("entity not found") for m in self.raw)

    def mentions(self, word: str) -> bool:
        return any(word.lower() in m.lower() for m in (*self.raw, self.message))


class UploadStorageError(IntegrationError):
    """The PUT of a file to the signed upload URL failed (storage, not the GraphQL API)."""

    kind = "upload"

    def __init__(self, message: str, *, transient: bool):
        super().__init__(NAME, message)
        self.transient = transient


@dataclass(frozen=True)
class Issue:
    id: str
    identifier: str
    url: str
    attachment_urls: tuple[str, ...] = ()


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _extensions(error: dict[str, Any]) -> dict[str, Any]:
    ext = error.get("extensions")
    return ext if isinstance(ext, dict) else {}


def _words(errors: list[dict[str, Any]]) -> str:
    for err in errors:
        text = _extensions(err).get("userPresentableMessage") or err.get("message")
        if isinstance(text, str) and text.strip():
            return " ".join(text.split())[:200]
    return "no message"


def rate_limit_wait(headers: httpx.Headers, now: float | None = None) -> float:
    """Seconds to wait: `Retry-After`, else the nearest reset header (Unix ms), else a minute."""
    value = headers.get("Retry-After")
    try:
        if value is not None:
            return min(MAX_RATE_LIMIT_WAIT_S, max(1.0, float(value)))
    except ValueError:
        pass
    now = time.time() if now is None else now
    waits = []
    for name in ("X-RateLimit-Requests-Reset", "X-RateLimit-Complexity-Reset"):
        try:
            reset_ms = float(headers.get(name, ""))
        except ValueError:
            continue
        waits.append(reset_ms / 1000 - now)
    if waits:
        return min(MAX_RATE_LIMIT_WAIT_S, max(1.0, max(waits)))
    return DEFAULT_RATE_LIMIT_WAIT_S


def _node(data: dict[str, Any], *path: str) -> Any:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _issue(node: Any) -> Issue:
    if not (isinstance(node, dict) and isinstance(node.get("id"), str) and isinstance(node.get("identifier"), str)):
        raise IntegrationBadResponse(NAME, "answered without the issue")
    nodes = _node(node, "attachments", "nodes") or []
    urls = tuple(str(a.get("url")) for a in nodes if isinstance(a, dict) and a.get("url"))
    return Issue(node["id"], node["identifier"], str(node.get("url") or ""), urls)


class Linear:
    name = NAME

    def __init__(self, *, api_url: str, api_key: str, timeout_s: float):
        parts = urlsplit(api_url)
        self._path = parts.path or "/graphql"
        self._client = make_client(f"{parts.scheme}://{parts.netloc}", {"Authorization": api_key}, timeout_s)
        # the signed upload URL is another host: a client that never carries the API key
        self._storage = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, follow_redirects=False,
                                          timeout=httpx.Timeout(timeout_s * 2, connect=min(timeout_s, 3.0)))

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._storage.aclose()

    async def graphql(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """`data` of a successful answer; otherwise an IntegrationError saying why in plain words."""
        answer = await exchange(self._client, NAME, "POST", self._path,
                                json={"query": query, "variables": variables, "operationName": operation})
        errors = _errors(answer.body)
        codes = [str(_extensions(e).get("code") or "").upper() for e in errors]
        kinds = [str(_extensions(e).get("type") or "").lower() for e in errors]
        if answer.status == 429 or "RATELIMITED" in codes or "ratelimited" in kinds:
            raise IntegrationRateLimited(NAME, "rate limited", rate_limit_wait(answer.headers))
        if answer.status in (401, 403) or "AUTHENTICATION_ERROR" in codes or "FORBIDDEN" in codes \
                or "authentication error" in kinds or "forbidden" in kinds:
            raise IntegrationAuthError(NAME, f"credentials rejected ({_words(errors) if errors else answer.status})")
        if answer.status >= 500:
            raise IntegrationServerError(NAME, f"server error (HTTP {answer.status})")
        if errors:
            raw = tuple(str(e.get("message"))[:200] for e in errors if isinstance(e.get("message"), str))
            raise LinearGraphQLError(_words(errors), codes, answer.status, raw)
        if answer.status >= 400:
            raise IntegrationBadResponse(NAME, f"request refused (HTTP {answer.status})")
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        if not isinstance(data, dict):
            raise IntegrationBadResponse(NAME, f"answered HTTP {answer.status} without data")
        return data

    # --- labels -----------------------------------------------------------------------------
    async def find_label(self, name: str, team_id: str) -> str | None:
        """The label usable on the team's issues: the team's own, else a workspace label."""
        data = await self.graphql("OccLabels", LABELS, {"name": name})
        nodes = [n for n in _node(data, "issueLabels", "nodes") or [] if isinstance(n, dict) and n.get("id")]
        own = [n for n in nodes if _node(n, "team", "id") == team_id]
        workspace = [n for n in nodes if not n.get("team")]
        found = (own or workspace or [None])[0]
        return str(found["id"]) if found else None

    async def create_label(self, name: str, team_id: str) -> str:
        data = await self.graphql("OccLabelCreate", LABEL_CREATE, {"input": {
            "name": name, "teamId": team_id, "color": "#f2994a",
            "description": "Confusing dashboard states reported by support and operators"}})
        label_id = _node(data, "issueLabelCreate", "issueLabel", "id")
        if not isinstance(label_id, str):
            raise IntegrationBadResponse(NAME, "answered without the new label")
        return label_id

    # --- issues -----------------------------------------------------------------------------
    async def issue(self, issue_id: str) -> Issue | None:
        """The issue with this id, or None when Linear says it does not exist."""
        try:
            data = await self.graphql("OccIssue", ISSUE, {"id": issue_id})
        except LinearGraphQLError as exc:
            if exc.not_found:
                return None
            raise
        return _issue(data.get("issue")) if data.get("issue") is not None else None

    async def create_issue(self, *, issue_id: str, team_id: str, title: str, description: str,
                           label_ids: list[str]) -> Issue:
        data = await self.graphql("OccIssueCreate", ISSUE_CREATE, {"input": {
            "id": issue_id, "teamId": team_id, "title": title, "description": description,
            **({"labelIds": label_ids} if label_ids else {})}})
        if _node(data, "issueCreate", "success") is False:
            raise IntegrationBadResponse(NAME, "issueCreate answered success: false")
        return _issue(_node(data, "issueCreate", "issue"))

    async def link_url(self, issue_id: str, url: str, title: str) -> None:
        data = await self.graphql("OccLinkURL", LINK_URL, {"issueId": issue_id, "url": url, "title": title})
        if _node(data, "attachmentLinkURL", "success") is False:
            raise IntegrationBadResponse(NAME, "attachmentLinkURL answered success: false")

    # --- files ------------------------------------------------------------------------------
    async def upload(self, *, filename: str, content_type: str, data: bytes) -> str:
        """Store a file in Linear's storage and return its asset URL (for markdown)."""
        answer = await self.graphql("OccFileUpload", FILE_UPLOAD,
                                    {"contentType": content_type, "filename": filename, "size": len(data)})
        upload = _node(answer, "fileUpload", "uploadFile")
        if not isinstance(upload, dict) or not all(isinstance(upload.get(k), str) for k in ("uploadUrl", "assetUrl")):
            raise IntegrationBadResponse(NAME, "fileUpload answered without an upload URL")
        if urlsplit(upload["uploadUrl"]).scheme not in ("https", "http"):
            raise IntegrationBadResponse(NAME, "fileUpload answered an upload URL that is not HTTP")
        headers = {str(h["key"]): str(h["value"]) for h in upload.get("headers") or []
                   if isinstance(h, dict) and h.get("key") and h.get("value") is not None}
        headers.update({"Content-Type": content_type, "Cache-Control": UPLOAD_CACHE_CONTROL})
        try:
            response = await self._storage.put(upload["uploadUrl"], content=data, headers=headers)
        except httpx.TransportError as exc:  # timeouts included
            raise UploadStorageError(f"cannot reach the upload storage ({type(exc).__name__})", transient=True) from None
        if not 200 <= response.status_code < 300:
            status = response.status_code
            raise UploadStorageError(f"the upload storage refused the file (HTTP {status})",
                                     transient=status == 429 or status >= 500)
        return upload["assetUrl"]
