"""The Linear adapter (errors mapped the way Linear sends them) and the Linear deliverer (one issue
per row, whatever fails), against respx stubs and the loopback FakeLinear."""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest
import respx
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from chatops.integrations.base import AsyncRuntime
from chatops.integrations.errors import (IntegrationAuthError, IntegrationRateLimited, IntegrationServerError,
                                         IntegrationTimeout)
from chatops.integrations.linear import Linear, LinearGraphQLError, UploadStorageError, rate_limit_wait
from chatops.outbox.linear import CONFIG_RETRY_S, ConfigProblem, LinearDeliverer
from chatops.outbox.sender import Permanent
from storage.models import OutboxMessage
from tests.fake_linear import LINEAR_KEY, TEAM_ID, FakeLinear, error
from tests.fakes import PNG

API = "https://api.linear.test/graphql"


def run(coro):
    return asyncio.run(coro)


def adapter(url: str = API, key: str = LINEAR_KEY, timeout_s: float = 2) -> Linear:
    return Linear(api_url=url, api_key=key, timeout_s=timeout_s)


# --- the adapter --------------------------------------------------------------------------------------
@respx.mock
def test_the_personal_key_is_the_authorization_header_and_errors_on_200_are_errors():
    route = respx.post(API).respond(200, json=error("Argument Validation Error", "INPUT_ERROR", "invalid input", 400,
                                                    "title must be shorter"))
    with pytest.raises(LinearGraphQLError, match="title must be shorter") as caught:
        run(adapter().graphql("OccIssueCreate", "mutation { issueCreate }", {}))
    request = route.calls.last.request
    assert request.headers["Authorization"] == LINEAR_KEY  # no "Bearer" for a personal API key
    assert b'"operationName":"OccIssueCreate"' in request.content.replace(b" ", b"")
    assert caught.value.codes == ["INPUT_ERROR"] and caught.value.raw == ("Argument Validation Error",)


@respx.mock
@pytest.mark.parametrize("status, body, headers, kind, wait", [
    (400, error("Rate limit exceeded", "RATELIMITED", "ratelimited", 429), {"X-RateLimit-Requests-Reset": "RESET"},
     IntegrationRateLimited, 30.0),
    (429, {"errors": [{"message": "Too many requests"}]}, {"Retry-After": "7"}, IntegrationRateLimited, 7.0),
    (200, error("Rate limited", "RATELIMITED", "ratelimited", 429), {}, IntegrationRateLimited, 60.0),
    (400, error("Authentication required, not authenticated", "AUTHENTICATION_ERROR", "authentication error", 401),
     {}, IntegrationAuthError, None),
    (401, {}, {}, IntegrationAuthError, None),
    (502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}, IntegrationServerError, None),
    (500, error("Internal error", "INTERNAL_SERVER_ERROR", "internal error", 500), {}, IntegrationServerError, None),
])
def test_failures_are_mapped(status, body, headers, kind, wait):
    headers = {k: (str(int((time.time() + 30) * 1000)) if v == "RESET" else v) for k, v in headers.items()}
    content = body if isinstance(body, bytes) else None
    respx.post(API).respond(status, json=None if content else body, content=content, headers=headers)
    with pytest.raises(kind) as caught:
        run(adapter().graphql("OccIssue", "query { issue }", {}))
    if wait is not None:
        assert abs(caught.value.retry_after - wait) < 2
    assert LINEAR_KEY not in str(caught.value)


def test_rate_limit_wait_reads_the_reset_in_milliseconds():
    now = 1_700_000_000.0
    assert rate_limit_wait(httpx.Headers({"X-RateLimit-Requests-Reset": str(int((now + 12) * 1000))}), now) == 12
    assert rate_limit_wait(httpx.Headers({"X-RateLimit-Complexity-Reset": str(int((now - 5) * 1000))}), now) == 1
    assert rate_limit_wait(httpx.Headers({"Retry-After": "999999"}), now) == 3600
    assert rate_limit_wait(httpx.Headers({"Retry-After": "soon"}), now) == 60


@respx.mock
def test_an_unknown_issue_is_none_and_a_timeout_is_a_timeout():
    respx.post(API).mock(side_effect=[
        httpx.Response(400, json=error("Entity not found: Issue", "INPUT_ERROR", "invalid input", 400,
                                       "Could not find referenced Issue.")),
        httpx.Response(200, json={"data": {"issue": {"id": "i", "identifier": "SUP-1", "url": "https://l/SUP-1",
                                                     "attachments": {"nodes": [{"url": "https://s/1"}]}}}}),
        httpx.ReadTimeout("slow"),
    ])
    linear = adapter()
    assert run(linear.issue("nope")) is None
    assert run(linear.issue("i")).attachment_urls == ("https://s/1",)
    with pytest.raises(IntegrationTimeout):
        run(linear.issue("i"))


@respx.mock
def test_upload_puts_the_bytes_with_the_returned_headers_and_never_the_key():
    respx.post(API).respond(200, json={"data": {"fileUpload": {"success": True, "uploadFile": {
        "uploadUrl": "https://storage.test/put/1?sig=abc", "assetUrl": "https://uploads.linear.app/a/1/shot.png",
        "headers": [{"key": "Content-Disposition", "value": "attachment"}, {"key": "x-goog-meta-x", "value": "1"}]}}}})
    put = respx.put("https://storage.test/put/1").mock(side_effect=[httpx.Response(200), httpx.Response(403)])
    linear = adapter()
    assert run(linear.upload(filename="shot.png", content_type="image/png", data=PNG)) == \
        "https://uploads.linear.app/a/1/shot.png"
    sent = put.calls.last.request
    assert sent.content == PNG and "authorization" not in sent.headers
    assert (sent.headers["content-type"], sent.headers["content-disposition"], sent.headers["x-goog-meta-x"],
            sent.headers["cache-control"]) == ("image/png", "attachment", "1", "public, max-age=31536000")
    with pytest.raises(UploadStorageError) as refused:
        run(linear.upload(filename="shot.png", content_type="image/png", data=PNG))
    assert not refused.value.transient


# --- the deliverer --------------------------------------------------------------------------------------
class SlackFilesStub:
    def __init__(self, error: str | None = None):
        self.error = error
        self.looked_up: list[str] = []

    def files_info(self, file_id):
        self.looked_up.append(file_id)
        if self.error:
            response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                                     data={"ok": False, "error": self.error}, headers={}, status_code=200)
            raise SlackApiError(self.error, response)
        return {"id": file_id, "mimetype": "image/png", "url_private": "https://files.slack.test/x/shot.png"}

    def download(self, url, *, max_bytes=0):
        return PNG

    def permalink(self, channel, ts):
        return f"https://hotrodan.slack.com/archives/{channel}/p{ts.replace('.', '')}"


@pytest.fixture
def fake():
    server = FakeLinear()
    yield server
    server.close()


@pytest.fixture
def runtime():
    rt = AsyncRuntime()
    yield rt
    rt.close()


def row(**payload) -> OutboxMessage:
    base = {"title": "Ops Pulse: why?", "description": "A confusing dashboard state.",
            "screenshots": [{"id": "F1", "name": "shot.png", "mimetype": "image/png",
                             "permalink": "https://hotrodan.slack.com/files/U1/F1/shot.png"}],
            "message": {"permalink": None, "channel": "C0OPS", "ts": "1.000200"}}
    base.update(payload)
    return OutboxMessage(id=1, target="linear", kind="issue", channel="linear", payload=base,
                         external_id=str(uuid.uuid4()), created_at=datetime.now(timezone.utc),
                         next_attempt_at=datetime.now(timezone.utc))


def deliverer(fake, runtime, slack=None, team=TEAM_ID) -> LinearDeliverer:
    return LinearDeliverer(adapter(fake.graphql_url), runtime, team_id=team, slack=slack, timeout_s=2)


def test_a_screenshot_slack_no_longer_has_is_linked_and_the_message_link_looked_up(fake, runtime):
    slack = SlackFilesStub(error="file_not_found")
    sent = deliverer(fake, runtime, slack).send(row(), None)
    [issue] = fake.issues.values()
    assert sent.ref == "SUP-1" and sent.data["url"] == issue["url"]
    assert "[shot.png](https://hotrodan.slack.com/files/U1/F1/shot.png)" in issue["description"]
    assert "https://hotrodan.slack.com/archives/C0OPS/p1000200" in issue["description"]
    assert [a["url"] for a in issue["attachments"]] == ["https://hotrodan.slack.com/archives/C0OPS/p1000200"]
    assert not fake.operations("OccFileUpload")


def test_a_retry_adopts_the_issue_instead_of_filing_it_again(fake, runtime):
    d = deliverer(fake, runtime, SlackFilesStub())
    first = row()
    d.send(first, None)
    first.attempts, first.uncertain = 1, True
    again = d.send(first, None)
    assert again.ref == "SUP-1" and len(fake.issues) == 1 and len(fake.operations("OccIssueCreate")) == 1
    assert len(fake.operations("OccLinkURL")) == 1, "the attachment is not added twice either"
    # a lookup that missed it (the id already taken) is adopted after the refusal too
    fake.failures["OccIssue"] = [(400, error("Entity not found: Issue", "INPUT_ERROR", "invalid input", 400), {})]
    assert d.send(first, None).ref == "SUP-1" and len(fake.issues) == 1


def test_refusals(fake, runtime):
    with pytest.raises(ConfigProblem) as wrong_team:
        deliverer(fake, runtime, team="00000000-0000-4000-8000-000000000000").send(row(screenshots=[]), None)
    d = deliverer(fake, runtime)
    assert d.retry_after(wrong_team.value) == CONFIG_RETRY_S
    fake.failures["OccIssueCreate"] = [(400, error("Argument Validation Error", "INPUT_ERROR", "invalid input", 400,
                                                   "title is too long"), {})]
    with pytest.raises(Permanent, match="title is too long"):
        d.send(row(screenshots=[]), None)
    with pytest.raises(Permanent):
        d.send(OutboxMessage(id=9, target="linear", kind="issue", channel="linear", payload={}), None)
    assert fake.issues == {}
    # the label deleted in Linear since it was looked up: the ticket waits, the label is found again
    fake.failures["OccIssueCreate"] = [(400, error("Entity not found: IssueLabel: labelIds contained an entry that "
                                                   "could not be found.", "INPUT_ERROR", "invalid input", 400), {})]
    with pytest.raises(LinearGraphQLError):
        d.send(row(screenshots=[]), None)
    assert d._label_id is None
    looked_up = len(fake.operations("OccLabels"))
    assert d.send(row(screenshots=[]), None).ref == "SUP-1" and len(fake.operations("OccLabels")) == looked_up + 1


def test_console_screenshots_are_read_from_disk_only_when_allowed(fake, runtime, tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    payload = {"screenshots": [{"path": str(shot), "name": "shot.png"}], "message": {}}
    LinearDeliverer(adapter(fake.graphql_url), runtime, team_id=TEAM_ID, slack=None, local_files=True).send(
        row(**payload), None)
    [upload] = [u for u in fake.uploads.values() if "data" in u]
    assert upload["data"] == PNG
    sent = LinearDeliverer(adapter(fake.graphql_url), runtime, team_id=TEAM_ID, slack=None).send(
        row(**payload, title="second"), None)
    second = next(i for i in fake.issues.values() if i["identifier"] == sent.ref)
    assert "shot.png (could not be attached)" in second["description"]  # a Slack deployment never reads disk
