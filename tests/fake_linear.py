"""A loopback Linear: the GraphQL operations the bot sends, answered in the vendor's shapes.

Shapes (packages/sdk/src/schema.graphql in linear/linear; error bodies as Linear sends them):
- success: `{"data": {...}}`; a failure: `{"errors": [{"message", "extensions": {"code", "type",
  "statusCode", "userError", "userPresentableMessage"}}], "data": null}`.
- a personal API key is the whole `Authorization` header; anything else is AUTHENTICATION_ERROR.
- `issue(id:)` for an id that does not exist: "Entity not found: Issue" (INPUT_ERROR).
- a rate limit: HTTP 400 with `extensions.code: "RATELIMITED"` and `X-RateLimit-Requests-Reset` (Unix ms).
- `fileUpload` answers a signed `uploadUrl` (here: this server's /upload/<id>), an `assetUrl` and the
  `headers` the PUT must carry.

`failures[operation]` is a list of answers (status, body, headers) given, in order, before the
operation is served; `create_delays` are seconds slept *after* an issue was created (the answer
times out although the issue exists)."""
from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

from tests.fakes import Call, FakeServer

LINEAR_KEY = "lin_api_0000test0000key0000"
TEAM_ID = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OPERATIONS = {"OccLabels": "issueLabels", "OccLabelCreate": "issueLabelCreate", "OccIssue": "issue(",
              "OccIssueCreate": "issueCreate", "OccFileUpload": "fileUpload", "OccLinkURL": "attachmentLinkURL"}


def error(message: str, code: str, kind: str, status: int, user_message: str | None = None) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {
        "code": code, "type": kind, "statusCode": status, "userError": True,
        "userPresentableMessage": user_message or message}}], "data": None}


def ratelimited(reset_in_s: float = 1.0) -> tuple[int, Any, dict[str, str]]:
    reset_ms = int((time.time() + reset_in_s) * 1000)
    return 400, error("Rate limit exceeded", "RATELIMITED", "ratelimited", 429,
                      "You have exceeded the API request limit."), {
        "X-RateLimit-Requests-Limit": "5000", "X-RateLimit-Requests-Remaining": "0",
        "X-RateLimit-Requests-Reset": str(reset_ms)}


def bad_gateway() -> tuple[int, Any, dict[str, str]]:
    return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}


class FakeLinear(FakeServer):
    def __init__(self) -> None:
        self.issues: dict[str, dict[str, Any]] = {}
        self.labels: list[dict[str, Any]] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}
        self.create_delays: list[float] = []
        self._lock = threading.Lock()
        super().__init__(self._route)

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def operations(self, name: str | None = None) -> list[Call]:
        calls = [c for c in self.calls if c.path == "/graphql" and isinstance(c.body, dict)]
        return [c for c in calls if name is None or c.body.get("operationName") == name]

    def _route(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.method == "PUT" and call.path.startswith("/upload/"):
            return self._put(call)
        if call.method != "POST" or call.path != "/graphql" or not isinstance(call.body, dict):
            return 404, {"errors": [{"message": "Not found"}]}, {}
        if call.headers.get("Authorization") != LINEAR_KEY:
            return 401, error("Authentication required, not authenticated", "AUTHENTICATION_ERROR",
                              "authentication error", 401, "You need to authenticate to access this operation."), {}
        op = str(call.body.get("operationName") or "")
        query = str(call.body.get("query") or "")
        if op not in OPERATIONS or OPERATIONS[op] not in query:
            return 400, error(f"Unknown operation {op}", "GRAPHQL_VALIDATION_FAILED", "graphql error", 400), {}
        with self._lock:
            scripted = self.failures.get(op) or []
            if scripted:
                return scripted.pop(0)
        variables = call.body.get("variables") or {}
        return getattr(self, "_" + op)(variables)

    def _OccLabels(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        name = str(v.get("name", "")).lower()
        nodes = [label for label in self.labels if label["name"].lower() == name]
        return 200, {"data": {"issueLabels": {"nodes": nodes}}}, {}

    def _OccLabelCreate(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        data = v.get("input") or {}
        label = {"id": str(uuid.uuid4()), "name": data.get("name"),
                 "team": {"id": data["teamId"]} if data.get("teamId") else None}
        self.labels.append(label)
        return 200, {"data": {"issueLabelCreate": {"success": True, "lastSyncId": 1,
                                                   "issueLabel": {"id": label["id"], "name": label["name"]}}}}, {}

    def _issue_node(self, issue: dict[str, Any]) -> dict[str, Any]:
        return {"id": issue["id"], "identifier": issue["identifier"], "url": issue["url"],
                "attachments": {"nodes": [{"url": a["url"]} for a in issue["attachments"]]}}

    def _OccIssue(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        issue = self.issues.get(str(v.get("id")))
        if issue is None:
            return 400, error("Entity not found: Issue", "INPUT_ERROR", "invalid input", 400,
                              "Could not find referenced Issue."), {}
        return 200, {"data": {"issue": self._issue_node(issue)}}, {}

    def _OccIssueCreate(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        data = v.get("input") or {}
        if data.get("teamId") != TEAM_ID:
            return 400, error("Entity not found: Team", "INPUT_ERROR", "invalid input", 400,
                              "Could not find referenced Team."), {}
        issue_id = str(data.get("id") or uuid.uuid4())
        with self._lock:
            if not UUID_V4.match(issue_id):
                return 400, error("Argument Validation Error", "INPUT_ERROR", "invalid input", 400,
                                  "id must be a UUID v4"), {}
            if issue_id in self.issues:
                return 400, error("Entity already exists", "INPUT_ERROR", "invalid input", 400,
                                  "An issue with this id already exists."), {}
            number = len(self.issues) + 1
            issue = {"id": issue_id, "identifier": f"SUP-{number}", "url": f"https://linear.app/hot-rodan/issue/SUP-{number}",
                     "title": data.get("title"), "description": data.get("description") or "", "teamId": data["teamId"],
                     "labelIds": list(data.get("labelIds") or []), "attachments": []}
            self.issues[issue_id] = issue
            delay = self.create_delays.pop(0) if self.create_delays else 0.0
        if delay:
            time.sleep(delay)  # the issue exists; the answer comes too late
        return 200, {"data": {"issueCreate": {"success": True, "lastSyncId": 2, "issue": {
            "id": issue["id"], "identifier": issue["identifier"], "url": issue["url"]}}}}, {}

    def _OccFileUpload(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        upload_id = uuid.uuid4().hex
        filename = str(v.get("filename"))
        headers = [{"key": "Content-Disposition", "value": f'attachment; filename="{filename}"'}]
        self.uploads[upload_id] = {"filename": filename, "contentType": v.get("contentType"), "size": v.get("size"),
                                   "headers": headers}
        asset = f"https://uploads.linear.app/{TEAM_ID}/{upload_id}/{filename}"
        self.uploads[upload_id]["assetUrl"] = asset
        return 200, {"data": {"fileUpload": {"success": True, "lastSyncId": 3, "uploadFile": {
            "uploadUrl": f"{self.url}/upload/{upload_id}", "assetUrl": asset, "headers": headers,
            "contentType": v.get("contentType"), "filename": filename, "size": v.get("size")}}}}, {}

    def _put(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        upload = self.uploads.get(call.path.rsplit("/", 1)[-1])
        if upload is None:
            return 404, b"<Error><Code>NoSuchUpload</Code></Error>", {"Content-Type": "application/xml"}
        wanted = {h["key"]: h["value"] for h in upload["headers"]}
        got = {k.lower(): v for k, v in call.headers.items()}
        if any(got.get(k.lower()) != v for k, v in wanted.items()) or got.get("content-type") != upload["contentType"] \
                or len(call.raw) != upload["size"]:
            return 403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", {"Content-Type": "application/xml"}
        upload["data"] = call.raw
        upload["put_headers"] = got
        return 200, b"", {"Content-Type": "text/plain"}

    def _OccLinkURL(self, v: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        issue = self.issues.get(str(v.get("issueId")))
        if issue is None:
            return 400, error("Entity not found: Issue", "INPUT_ERROR", "invalid input", 400,
                              "Could not find referenced Issue."), {}
        attachment = {"id": str(uuid.uuid4()), "url": v.get("url"), "title": v.get("title")}
        issue["attachments"].append(attachment)
        return 200, {"data": {"attachmentLinkURL": {"success": True, "lastSyncId": 4, "attachment": {
            "id": attachment["id"], "url": attachment["url"]}}}}, {}
