"""The support daily status (every section, live figures, posted once a day across a restart) and
the App Home dashboard (published once for a burst of opens and for Slack's retries; within Block
Kit's limits with 50 open incidents)."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from blocks.incidents import announcement
from chatops.core.report import Period, ReportPart
from chatops.incidents.service import NewIncident
from chatops.settings import Settings
from chatops.status.markdown import render
from chatops.status.service import Report, StatusService
from chatops.wiring import build
from storage.models import OutboxMessage
from tests.test_alerts_e2e import text, wait_until

UTC = timezone.utc
SECTIONS = ("Summary", "Templates", "Escalation playbooks", "Incidents & resolution time", "Integration health", "Evidence links",
            "Blockers / risks", "Next actions", "Follow-ups")


@pytest.fixture
def app(tmp_path):
    application = build(Settings(database_url=f"sqlite:///{tmp_path}/occ.db", occ_support_channel="CSUP",
                                 occ_incidents_channel="CINC", dashboard_use_mock=True))
    yield application
    application.close()


def test_status_has_every_section_with_live_figures(bot_factory, slack, tmp_path):
    from tests.test_incidents_http import submission

    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DASHBOARD_USE_MOCK": "true", "OCC_INCIDENTS_CHANNEL": "CINC"})
    bot.post(submission("Checkout <!here> down", severity="SEV1"))
    bot.post(submission("Refunds slow").replace("V1", "V2"))
    assert "INC-2 resolved" in bot.command("incident resolve INC-2 fixed", slack.response_url("r")).text
    answer = bot.command("status", slack.response_url("s"))
    body = json.dumps(answer.json(), ensure_ascii=False)
    for title in SECTIONS:
        assert f"\"text\": \"{title}\"" in body, title  # a plain-text header: the words exactly
    assert "Open: 1" in body and "INC-1 [SEV1] Checkout &lt;!here&gt; down" in body
    assert "Resolved today: 1 — INC-2 in" in body
    assert "INC-1 [SEV1] Checkout &lt;!here&gt; down is still investigating" in body, "a SEV1 open is a blocker"
    assert "<!here>" not in body
    assert len(answer.json()["blocks"]) <= 50


def test_a_broken_part_is_shown_as_such_and_the_rest_still_reads():
    class Section:
        def __init__(self, name, build):
            self.name, self.build = name, build

    def boom(period):
        raise RuntimeError("db away")

    svc = StatusService([Section("incidents", boom), Section("x", lambda p: ReportPart("Fine", ("1 thing",)))])
    report = svc.report(now=datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    assert [p.title for p in report.parts] == ["Incidents", "Fine"]
    assert "could not be read" in report.parts[0].lines[0]
    assert report.gathered("blockers") == ["the incidents part of this report could not be read"]


def test_markdown_has_the_teams_sections_and_makes_typed_text_inert():
    period = Period(datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 27, 17, tzinfo=UTC))
    report = Report(period, (ReportPart("Incidents & resolution time", ("INC-1 <script> [x](http://evil)",),
                                        "Incidents: 1 open", ("INC-1 open",), ("ack INC-1",), ("follow up",)),))
    md = render(report)
    assert md.startswith("# Support daily status — 2026-11-27")
    for title in ("## Summary", "## Incidents & resolution time", "## Evidence links", "## Blockers / risks",
                  "## Next actions", "## Follow-ups"):
        assert title in md
    assert "<script>" not in md and "\\[x\\](http://evil)" in md
    assert "## Evidence links\n\n- none" in md


def test_the_daily_status_is_posted_once_across_a_restart(app, tmp_path):
    class Clock:
        now = datetime(2026, 11, 27, 16, 59, tzinfo=UTC)

        def __call__(self):
            return self.now

    clock = Clock()
    app.scheduler(clock).tick()
    clock.now = datetime(2026, 11, 27, 17, 0, 30, tzinfo=UTC)
    app.scheduler(clock).tick()
    again = build(Settings(database_url=f"sqlite:///{tmp_path}/occ.db", occ_support_channel="CSUP",
                           dashboard_use_mock=True))
    try:
        again.scheduler(clock).tick()
    finally:
        again.close()
    with app.db.session() as s:
        posts = [r for r in s.exec(select(OutboxMessage)).all() if r.channel == "CSUP"]
    assert len(posts) == 1 and "Support daily status" in posts[0].payload["text"]


def _fifty_open(app):
    svc = app.deps.use("incidents")
    for n in range(50):
        svc.create(NewIncident(title=f"<!channel> incident {n} " + "x" * 140, severity="SEV2",
                               integration="Chatwoot", reporter="U1"))


def test_home_with_fifty_open_incidents_fits_block_kit(app):
    from chatops.core import dispatch

    _fifty_open(app)
    view = dispatch.home_view(app.router, "U1")
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    for block in view["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    rendered = json.dumps(view)
    assert "\\u2026and 40 more" in rendered and "<!channel>" not in rendered
    ids = [b.get("block_id") for b in view["blocks"] if b.get("block_id")]
    assert len(ids) == len(set(ids)), "block ids are unique"


class Recorder:
    def __init__(self, delay: float = 0.0):
        self.published: list[str] = []
        self.delay = delay

    def publish_home(self, user_id, view):
        time.sleep(self.delay)
        self.published.append(user_id)


def test_a_burst_of_opens_publishes_once_and_a_change_publishes_again(app):
    out = Recorder(delay=0.05)
    threads = [threading.Thread(target=app.home.publish, args=("U1", out)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out.published == ["U1"]
    app.deps.use("incidents").create(NewIncident(title="new", severity="SEV3", integration="Slack", reporter="U1"))
    assert app.home.publish("U1", out) is True and out.published == ["U1", "U1"]
    assert app.home.publish("U2", out) is True, "each user has their own Home"


def test_an_unchanged_home_is_refreshed_after_ten_minutes_not_before(app):
    from chatops.home import REFRESH_AFTER

    out = Recorder()
    t0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    app.home.publish("U1", out, now=t0)
    assert app.home.publish("U1", out, now=t0 + REFRESH_AFTER - timedelta(seconds=1)) is False
    assert app.home.publish("U1", out, now=t0 + REFRESH_AFTER) is True


def test_home_opened_twice_and_retried_publishes_once_over_http(bot_factory, slack):
    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DASHBOARD_USE_MOCK": "true"})

    def event(event_id: str, retry: str | None = None):
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
                "event_time": int(time.time()), "event": {"type": "app_home_opened", "user": "U77", "tab": "home"}}
        headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return bot.post(json.dumps(body), content_type="application/json", headers=headers)

    time.sleep(1.5)  # the monitor's first (MOCK) probe is stored: the Home's data stays put from here
    assert event("Ev1").status_code == 200
    wait_until(lambda: slack.calls_to("views.publish"), 5, "the first publish")
    event("Ev1", retry="1")
    event("Ev2")  # opened again, nothing changed
    time.sleep(1.5)
    published = slack.calls_to("views.publish")
    assert len(published) == 1
    blocks = published[0].body["view"]["blocks"]
    assert any("Open incidents" in text_of(b) for b in blocks) and any("Integration health" in text_of(b) for b in blocks)
    buttons = [e.get("action_id") for b in blocks for e in ([b.get("accessory")] + b.get("elements", [])) if e]
    assert "home_new_incident" in buttons


def text_of(block) -> str:
    return json.dumps(block)


def test_new_incident_button_on_home_opens_the_modal(bot_factory, slack):
    from urllib.parse import urlencode

    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DASHBOARD_USE_MOCK": "true"})
    payload = {"type": "block_actions", "user": {"id": "U5"}, "team": {"id": "T1"}, "trigger_id": "trg-home",
               "container": {"type": "view", "view_id": "VH"}, "view": {"id": "VH", "type": "home", "hash": "h"},
               "actions": [{"action_id": "home_new_incident", "value": "new", "type": "button"}]}
    assert bot.post(urlencode({"payload": json.dumps(payload)})).status_code == 200
    opened = slack.wait_for("views.open")[0]
    assert opened.body["trigger_id"] == "trg-home" and opened.body["view"]["callback_id"] == "incident_new"
    wait_until(lambda: slack.calls_to("views.publish"), 5, "the Home refreshed after the press")


def test_sla_adherence_counts_conversations_seen_and_those_that_breached(db):
    from chatops.health.sla import Conversation
    from chatops.health.store import adherence, breaches_by_day, record_seen

    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    convs = [Conversation(1, "open", monday), Conversation(2, "open", monday, ("escalation",)),
             Conversation(3, "open", monday + timedelta(days=1))]
    with db.session() as s:
        assert record_seen(s, convs, set(), monday + timedelta(minutes=5)) == 3
    with db.session() as s:  # later, 1 breaches; seeing it again changes nothing else
        assert record_seen(s, convs, {1}, monday + timedelta(minutes=45)) == 0
    with db.session() as s:
        record_seen(s, convs, {1}, monday + timedelta(minutes=50))
        assert adherence(s, monday, monday + timedelta(days=7)) == (3, 1, 1)
        assert adherence(s, monday + timedelta(days=1), monday + timedelta(days=7)) == (1, 0, 0)
        assert breaches_by_day(s, monday, 7) == [1.0, 0, 0, 0, 0, 0, 0]


def test_the_weekly_chart_is_a_png():
    from chatops.status.chart import weekly_png

    png = weekly_png(datetime(2026, 11, 21, tzinfo=UTC), {"SLA breaches": [1, 0, 3, 2, 0, 0, 5], "Incidents": [0] * 7})
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_the_weekly_report_adds_adherence_escalations_and_severities(app):
    report = app.deps.use("status_service").report(weekly=True, now=datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    lines = [line for p in report.parts for line in p.lines]
    assert any(line.startswith("SLA adherence this week") for line in lines)
    assert any(line.startswith("Escalations this week") for line in lines)
    assert any(line.startswith("By severity (7 days): SEV1 0") for line in lines)
    charts = {name: values for p in report.parts for name, values in p.chart.items()}
    assert set(charts) == {"SLA breaches", "Incidents"} and all(len(v) == 7 for v in charts.values())


def test_status_md_and_weekly_upload_their_files(bot_factory, slack):
    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DASHBOARD_USE_MOCK": "true"})
    ack = bot.command("status md", slack.response_url("md"))
    assert ack.status_code == 200 and "markdown" in ack.text
    wait_until(lambda: [u for u in slack.uploads.values() if u.get("data")], 10, "the markdown upload")
    md = next(u for u in slack.uploads.values() if u["filename"].endswith(".md"))
    text_md = md["data"].decode()
    assert text_md.startswith("# Support daily status — ") and "## Q&A / confusing states" in text_md
    assert md["channel"] == "C123"

    weekly = bot.command("status weekly", slack.response_url("wk"))
    body = json.dumps(weekly.json(), ensure_ascii=False)
    assert "Weekly support report" in body and "SLA adherence this week" in body and "By severity (7 days)" in body
    chart = wait_until(lambda: [u for u in slack.uploads.values() if u["filename"].endswith(".png") and u.get("data")],
                       10, "the chart upload")[0]
    assert chart["data"][:8] == b"\x89PNG\r\n\x1a\n"
