"""Q&A capture through signed Slack requests against a real bot process, a fake Slack and a fake
Linear: both modal paths, the shortcuts, search with hostile words, and Linear tickets that are
filed exactly once through 502s, a timeout after creation, and a start without credentials."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from chatops.memory.models import MemoryEntry
from chatops.qa.models import QAEntry
from storage.db import Database
from storage.models import OutboxMessage
from tests.fake_linear import LINEAR_KEY, TEAM_ID, UUID_V4, FakeLinear, bad_gateway, ratelimited
from tests.fakes import PNG
from tests.test_alerts_e2e import text, wait_until

SUPPORT = "C0SUPPORT"


# --- payloads, the way Slack sends them ------------------------------------------------------------
def form(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def qa_submission(question: str, tile: str | None = "Inventory Heatmap", *, answer: str | None = None,
                  confusing: bool = False, files: list | None = None, owner: str | None = None,
                  due: str | None = None, metadata: str = "{}", view_id: str = "VQA1", user: str = "U900") -> str:
    tile_el = {"type": "static_select", "selected_option": None if tile is None else {
        "value": tile, "text": {"type": "plain_text", "text": tile}}}
    values = {
        "question": {"value": {"type": "plain_text_input", "value": question}},
        "answer": {"value": {"type": "plain_text_input", "value": answer}},
        "tile": {"value": tile_el},
        "confusing": {"value": {"type": "checkboxes", "selected_options": [
            {"value": "confusing", "text": {"type": "plain_text", "text": "confusing"}}] if confusing else []}},
        "screenshots": {"value": {"type": "file_input", "files": files or []}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "follow_up": {"value": {"type": "datepicker", "selected_date": due}},
    }
    return form({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user, "username": "ops"},
                 "api_app_id": "A1", "token": "x", "trigger_id": "tr",
                 "view": {"id": view_id, "type": "modal", "callback_id": "qa_capture", "private_metadata": metadata,
                          "state": {"values": values}, "hash": "h"}})


def message_action(message_text: str, *, author: str = "U456", channel: str = "C0OPS", ts: str = "1733000000.000100",
                   user: str = "U900") -> str:
    return form({"type": "message_action", "callback_id": "capture_qa", "trigger_id": "13345224609.738.qa",
                 "team": {"id": "T1", "domain": "hotrodan"}, "user": {"id": user, "username": "ops"},
                 "channel": {"id": channel, "name": "ops"}, "message_ts": ts, "response_url": "",
                 "message": {"type": "message", "user": author, "ts": ts, "text": message_text}, "token": "x",
                 "action_ts": "1733000001.0"})


def global_shortcut(user: str = "U900") -> str:
    return form({"type": "shortcut", "callback_id": "capture_qa_global", "trigger_id": "13345224609.738.g",
                 "team": {"id": "T1"}, "user": {"id": user, "username": "ops"}, "token": "x",
                 "action_ts": "1733000001.0"})


# --- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture
def linear():
    fake = FakeLinear()
    yield fake
    fake.close()


def linear_env(linear: FakeLinear, timeout_s: str = "5") -> dict[str, str]:
    return {"LINEAR_API_KEY": LINEAR_KEY, "LINEAR_TEAM_ID": TEAM_ID, "LINEAR_API_URL": linear.graphql_url,
            "OCC_LINEAR_TIMEOUT_S": timeout_s}


@pytest.fixture
def env(slack, tmp_path):
    return {"SLACK_API_URL": slack.api_url, "OCC_SUPPORT_CHANNEL": SUPPORT, "DASHBOARD_USE_MOCK": "false",
            "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db"}


def entries(tmp_path) -> list[QAEntry]:
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        return list(s.exec(select(QAEntry).order_by(QAEntry.id)).all())


def ack_text(response) -> str:
    assert response.status_code == 200, response.text
    return response.text


def dms(slack, user: str = "U900") -> list:
    return [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == user]


# --- the modal ----------------------------------------------------------------------------------------
def test_qa_opens_the_modal_a_plain_question_files_nothing_and_is_found(bot_factory, slack, linear, env, tmp_path):
    bot = bot_factory({**env, **linear_env(linear)})
    started = time.monotonic()
    assert bot.command("qa", slack.response_url("m")).status_code == 200
    assert time.monotonic() - started < 3
    view = slack.wait_for("views.open")[0].body["view"]
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == ["Question", "Answer", "Tile", "Confusing state", "Screenshot",
                                                   "Owner", "Follow-up due"]
    kinds = {b["block_id"]: b["element"]["type"] for b in inputs}
    assert kinds == {"question": "plain_text_input", "answer": "plain_text_input", "tile": "static_select",
                     "confusing": "checkboxes", "screenshots": "file_input", "owner": "users_select",
                     "follow_up": "datepicker"}
    tiles = [o["value"] for o in inputs[2]["element"]["options"]]
    assert tiles == ["Ops Pulse", "Sales Pulse", "Fulfillment Health", "Inventory Heatmap", "CX Escalations",
                     "SEO & Content Watch", "Other"]
    assert inputs[4]["element"]["max_files"] == 3 and inputs[4]["optional"] and not inputs[0]["optional"]
    assert len(view["title"]["text"]) <= 24

    # stored before the acknowledgement; the same view submitted twice is one entry
    body = qa_submission("Why is the <!channel> heatmap red for reserved stock?", answer="It counts reserved units",
                         owner="U777", due="2030-01-05")
    ack = bot.post(body)
    assert ack.json()["response_action"] == "update" and "Q-1" in ack.text
    assert bot.post(body).json()["response_action"] == "update"
    [entry] = entries(tmp_path)
    assert (entry.tile, entry.reporter, entry.owner, str(entry.follow_up_due), entry.confusing) == \
        ("Inventory Heatmap", "U900", "U777", "2030-01-05", False)
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        memory = s.exec(select(MemoryEntry)).all()
        assert [(m.scope, m.action, m.external_ref) for m in memory] == [("ops", "qa.capture", "qa:Q-1")]
        assert not s.exec(select(OutboxMessage).where(OutboxMessage.target == "linear")).all()

    # found by full-text search (stemmed: "reserve" finds "reserved"), answered in the acknowledgement
    found = bot.command("qa search heatmap reserve", slack.response_url("s"))
    shown = ack_text(found)
    assert "Q-1" in shown and "Inventory Heatmap" in shown and "It counts reserved units" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in json.loads(found.text)["blocks"][1]["text"]["text"]
    assert "ticket" not in json.loads(found.text)["blocks"][1]["text"]["text"]  # a plain question has none
    time.sleep(1.5)
    assert linear.calls == [], "a plain question files nothing in Linear"


@pytest.mark.parametrize("values, field", [
    ({"question": "   "}, "question"),
    ({"tile": None}, "tile"),
    ({"due": "30/02/2026"}, "follow_up"),
    ({"files": [{"id": f"F{n}", "name": f"s{n}.png", "mimetype": "image/png"} for n in range(4)]}, "screenshots"),
    ({"files": [{"id": "F9", "name": "notes.pdf", "mimetype": "application/pdf"}]}, "screenshots"),
])
def test_bad_fields_are_field_errors_and_nothing_is_stored(bot_factory, slack, env, tmp_path, values, field):
    bot = bot_factory(env)
    args = {"question": "Why?", "tile": "Ops Pulse"}
    args.update(values)
    body = qa_submission(args.pop("question"), args.pop("tile"), **args)
    ack = bot.post(body)
    assert ack.status_code == 200 and ack.json()["response_action"] == "errors"
    assert list(ack.json()["errors"]) == [field]
    assert entries(tmp_path) == []


def test_search_with_hostile_words_best_match_first(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    bot.post(qa_submission("Why does the refund tile lag? Other words dilute this one a lot, "
                           "many many words about the refund", "CX Escalations", view_id="V1"))
    bot.post(qa_submission("refund refund refund queue", "Sales Pulse", view_id="V2"))
    bot.post(qa_submission("Shipping ETA looks stale", "Fulfillment Health", view_id="V3"))
    assert len(entries(tmp_path)) == 3
    ranked = ack_text(bot.command("qa search refund", slack.response_url("a")))
    assert ranked.index("Q-2") < ranked.index("Q-1") and "Q-3" not in ranked, "best match first"
    recent = ack_text(bot.command("qa refund", slack.response_url("b")))
    assert recent.index("Q-2") < recent.index("Q-1") and "most recent" in recent
    for hostile in ['"refund', "refund*", "-refund", "refund OR 1=1", "refund'; DROP TABLE qa_entry; --",
                    "NEAR(refund", "refund AND", "(refund)", "refund \"queue\""]:
        response = bot.command(f"qa search {hostile}", slack.response_url("h"))
        assert response.status_code == 200, hostile
        shown = response.text
        assert "Q-2" in shown or "No captured Q&A matches" in shown, hostile
    assert "Q-2" in ack_text(bot.command('qa search "refund', slack.response_url("q")))
    for nothing in ["*", "\"\"", "-- ;"]:
        assert "Type some words" in ack_text(bot.command(f"qa search {nothing}", slack.response_url("n")))
    assert len(entries(tmp_path)) == 3


# --- shortcuts ------------------------------------------------------------------------------------
def test_message_shortcut_opens_a_prefilled_modal_with_author_and_permalink(bot_factory, slack, linear, env, tmp_path):
    bot = bot_factory({**env, **linear_env(linear)})
    assert bot.post(message_action("Why does Inventory Heatmap show <@U111> -3 units?")).status_code == 200
    opened = slack.wait_for("views.open")[0]
    assert opened.body["trigger_id"] == "13345224609.738.qa"
    view = opened.body["view"]
    question = next(b for b in view["blocks"] if b.get("block_id") == "question")
    assert question["element"]["initial_value"] == "Why does Inventory Heatmap show <@U111> -3 units?"
    assert "<@U456>" in json.dumps(view["blocks"][0])  # the author
    link = slack.wait_for("chat.getPermalink")[0].body
    assert (link["channel"], link["message_ts"]) == ("C0OPS", "1733000000.000100")
    updated = slack.wait_for("views.update")[0].body
    metadata = json.loads(updated["view"]["private_metadata"])
    assert metadata == {"author": "U456", "channel": "C0OPS", "ts": "1733000000.000100",
                        "permalink": "https://hotrodan.slack.com/archives/C0OPS/p1733000000000100"}

    ack = bot.post(qa_submission("Why does Inventory Heatmap show -3 units?", confusing=True,
                                 metadata=updated["view"]["private_metadata"]))
    assert "Q-1" in ack.text
    [entry] = entries(tmp_path)
    assert (entry.author, entry.reporter, entry.permalink) == ("U456", "U900", metadata["permalink"])
    wait_until(lambda: linear.issues, 10, "the issue")
    issue = wait_until(lambda: [i for i in linear.issues.values() if i["attachments"]], 10, "the attachment")[0]
    assert [a["url"] for a in issue["attachments"]] == [metadata["permalink"]]
    assert metadata["permalink"] in issue["description"] and "asked by U456" in issue["description"]


def test_global_shortcut_opens_an_empty_modal(bot_factory, slack, env):
    bot = bot_factory(env)
    assert bot.post(global_shortcut()).status_code == 200
    view = slack.wait_for("views.open")[0].body["view"]
    assert view["callback_id"] == "qa_capture"
    question = next(b for b in view["blocks"] if b.get("block_id") == "question")
    assert "initial_value" not in question["element"]
    time.sleep(0.5)
    assert not slack.calls_to("chat.getPermalink")


# --- Linear tickets ---------------------------------------------------------------------------------
def _capture_confusing(bot, slack, question: str = "Why is the <!here> Fulfillment tile blank?") -> str:
    slack.add_file("F0SHOT1")
    ack = bot.post(qa_submission(question, "Fulfillment Health", answer="Shopify was slow", confusing=True,
                                 files=[slack.files["F0SHOT1"]], owner="U777", due="2030-01-05"))
    assert "Q-1" in ack.text and "ticket" in ack.text
    return ack.text


def _assert_one_issue_with_screenshot(linear: FakeLinear) -> dict:
    assert len(linear.issues) == 1
    [issue] = linear.issues.values()
    [upload] = [u for u in linear.uploads.values() if "data" in u]
    assert upload["data"] == PNG and upload["put_headers"]["content-type"] == "image/png"
    assert "authorization" not in upload["put_headers"], "the API key never goes to the storage host"
    assert f"![shot.png]({upload['assetUrl']})" in issue["description"]
    return issue


def test_confusing_state_files_one_issue_with_screenshot_and_tells_the_reporter(bot_factory, slack, linear, env,
                                                                                tmp_path):
    bot = bot_factory({**env, **linear_env(linear)})
    assert "A Linear ticket" in _capture_confusing(bot, slack)
    wait_until(lambda: dms(slack), 15, "the reporter's DM")
    issue = _assert_one_issue_with_screenshot(linear)
    assert UUID_V4.match(issue["id"]) and issue["teamId"] == TEAM_ID
    assert issue["title"] == "Fulfillment Health: Why is the <!here> Fulfillment tile blank?"
    for fact in ("**Tile:** Fulfillment Health", "Slack user U900", "Shopify was slow", "2030-01-05", "UTC"):
        assert fact in issue["description"]
    [label] = linear.labels
    assert label["name"] == "support-feedback" and issue["labelIds"] == [label["id"]]
    assert {c.headers["Authorization"] for c in linear.operations()} == {LINEAR_KEY}  # no "Bearer"
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.target == "linear")).one()
        assert row.external_id == issue["id"] and row.status == "sent" and row.ts == "SUP-1"
    [entry] = entries(tmp_path)
    assert (entry.ticket_identifier, entry.ticket_url) == ("SUP-1", "https://linear.app/hot-rodan/issue/SUP-1")
    [dm] = dms(slack)
    assert "SUP-1" in text(dm) and "https://linear.app/hot-rodan/issue/SUP-1" in text(dm)
    assert "&lt;!here&gt;" in text(dm) and "<!here>" not in text(dm)
    shown = ack_text(bot.command("qa search fulfillment blank", slack.response_url("s")))
    assert "SUP-1" in shown and "Fulfillment Health" in shown


def test_linear_502_three_times_then_one_issue_with_the_screenshot(bot_factory, slack, linear, env, tmp_path):
    linear.failures["OccIssueCreate"] = [bad_gateway(), bad_gateway(), bad_gateway()]
    bot = bot_factory({**env, **linear_env(linear)})
    _capture_confusing(bot, slack)
    wait_until(lambda: dms(slack), 40, "the ticket after three 502s")
    issue = _assert_one_issue_with_screenshot(linear)
    creates = linear.operations("OccIssueCreate")
    assert len(creates) == 4 and {c.body["variables"]["input"]["id"] for c in creates} == {issue["id"]}
    assert len(linear.operations("OccFileUpload")) == 1, "the screenshot is uploaded once"
    assert len(linear.operations("OccIssue")) == 3, "each retry looks for the issue first"
    assert "server error (HTTP 502)" in bot.log()
    time.sleep(1.5)
    assert len(dms(slack)) == 1 and len(linear.issues) == 1


def test_a_timeout_after_linear_created_the_issue_still_one_issue(bot_factory, slack, linear, env, tmp_path):
    linear.create_delays = [3.0]
    bot = bot_factory({**env, **linear_env(linear, timeout_s="1")})
    _capture_confusing(bot, slack)
    wait_until(lambda: dms(slack), 20, "the ticket after a timeout")
    assert len(linear.operations("OccIssueCreate")) == 1, "found by its id, not filed again"
    assert len(linear.issues) == 1 and linear.operations("OccIssue")
    assert "may have gone through" in bot.log()
    assert entries(tmp_path)[0].ticket_identifier == "SUP-1"


def test_rate_limited_answer_400_waits_and_files_once(bot_factory, slack, linear, env):
    linear.failures["OccIssueCreate"] = [ratelimited(1.0)]
    bot = bot_factory({**env, **linear_env(linear)})
    _capture_confusing(bot, slack)
    wait_until(lambda: dms(slack), 20, "the ticket after a rate limit")
    assert len(linear.issues) == 1 and len(linear.operations("OccIssueCreate")) == 2
    assert "rate limited" in bot.log()


def test_without_credentials_the_ticket_is_pending_then_filed_when_they_appear(bot_factory, slack, linear, env,
                                                                               tmp_path):
    bot = bot_factory(env)
    assert "Linear is not configured yet" in _capture_confusing(bot, slack)
    shown = ack_text(bot.command("qa search fulfillment", slack.response_url("p")))
    assert "ticket pending" in shown and "Linear is not configured" in shown
    time.sleep(1.5)
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.target == "linear")).one()
    assert row.status == "pending" and row.attempts == 0 and UUID_V4.match(row.external_id or "")
    assert linear.calls == [] and not dms(slack)

    bot.proc.terminate()
    bot.proc.wait(timeout=10)
    bot = bot_factory({**env, **linear_env(linear)})
    wait_until(lambda: dms(slack), 15, "the ticket filed once credentials are set")
    [issue] = linear.issues.values()
    assert issue["id"] == row.external_id
    assert "SUP-1" in ack_text(bot.command("qa search fulfillment", slack.response_url("f")))
