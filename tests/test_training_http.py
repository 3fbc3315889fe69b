"""Training through signed Slack requests against a real bot process: schedule, list, start, the
Q&A captured while it runs, end (Memory), the report with its CSV uploaded in the thread
(files.uploadV2), refusals, and the reminder posted once across restarts."""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import datetime, timedelta, timezone

from sqlmodel import delete, select

from chatops.memory.models import MemoryEntry
from chatops.training.models import TrainingSession
from storage.db import Database
from storage.models import ScheduledRun
from tests.test_alerts_e2e import text, wait_until
from tests.test_qa_http import SUPPORT, ack_text, entries, env, qa_submission  # noqa: F401 - env is a fixture


def db_of(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path}/occ.db")


def test_schedule_list_start_capture_end_and_report(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    day = (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()
    scheduled = ack_text(bot.command(f"training schedule {day} 15:00 Inventory <!channel> walkthrough",
                                     slack.response_url("s")))
    assert "Scheduled training *#1*" in scheduled and f"{day} 15:00 UTC" in scheduled and "90 minutes" in scheduled
    assert "&lt;!channel&gt;" in scheduled and "<!channel>" not in scheduled
    assert f"<#{SUPPORT}>" in scheduled  # where the reminder goes
    listed = ack_text(bot.command("training", slack.response_url("l")))
    assert "#1" in listed and f"{day} 15:00 UTC" in listed and "90 min" in listed

    assert "has started" in ack_text(bot.command("training start 1", slack.response_url("a")))
    bot.post(qa_submission("Why is the heatmap red?", answer="reserved stock", view_id="V1"))
    bot.post(qa_submission("=HYPERLINK(\"x\") what is this tile?", "Sales Pulse", owner="U777", due="2030-01-05",
                           view_id="V2", user="U901"))
    ended = ack_text(bot.command("training end 1", slack.response_url("e")))
    assert "2 Q&A item(s) logged to Memory `ops`" in ended
    bot.post(qa_submission("Asked after the session", view_id="V3"))
    assert [e.session_id for e in entries(tmp_path)] == [1, 1, None]

    report = ack_text(bot.command("training report 1", slack.response_url("r")))
    assert "Why is the heatmap red?" in report and "Asked after the session" not in report
    assert "<@U901>" in report and "Sales Pulse" in report and "2030-01-05" in report
    post = wait_until(lambda: [c for c in slack.calls_to("chat.postMessage")
                               if c.body["channel"] == SUPPORT and "Q&A log" in text(c)], 10, "the report post")[0]
    assert "Why is the heatmap red?" in text(post)
    done = wait_until(lambda: slack.calls_to("files.completeUploadExternal"), 10, "the CSV upload")[0]
    posted_ts = next(m["ts"] for m in slack.messages if m["channel"] == SUPPORT and not m.get("files"))
    [upload] = [u for u in slack.uploads.values() if "data" in u]
    assert (upload["channel"], upload["thread_ts"]) == (SUPPORT, posted_ts), "the CSV goes into the report's thread"
    assert upload["filename"].startswith("training-1-qa-log-") and upload["filename"].endswith(".csv")
    assert upload["length"] == len(upload["data"]) and json.loads(done.body["files"])[0]["title"].startswith("Training #1")
    rows = list(csv.reader(io.StringIO(upload["data"].decode())))
    assert rows[0] == ["timestamp", "participant", "question", "tile", "answer", "owner", "follow-up due"]
    assert [r[1:] for r in rows[1:]] == [
        ["U900", "Why is the heatmap red?", "Inventory Heatmap", "reserved stock", "", ""],
        ["U901", "'=HYPERLINK(\"x\") what is this tile?", "Sales Pulse", "", "U777", "2030-01-05"]]
    assert rows[1][0].endswith(" UTC")

    with db_of(tmp_path).session() as s:
        memory = s.exec(select(MemoryEntry).where(MemoryEntry.action.in_(["training.qa", "training.end"]))).all()
    assert sorted((m.action, m.actor) for m in memory) == [("training.end", "U123"), ("training.qa", "U900"),
                                                          ("training.qa", "U901")]
    assert {m.external_ref for m in memory} == {"training:#1"}
    assert "No training sessions" in ack_text(bot.command("training", slack.response_url("l2")))


def test_malformed_and_past_dates_are_refused_with_an_example(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    now = datetime.now(timezone.utc)
    ahead = now + timedelta(minutes=3)
    cases = {
        "training schedule 2020-01-01 10:00 Old news": "not in the future",
        f"training schedule {now.year + 1}-02-30 10:00 Leap": "not a real date",
        f"training schedule {now.year + 1}-01-01 24:00 Midnight": "not a real date",
        "training schedule tomorrow 10:00 Vague": "not a date written YYYY-MM-DD",
        f"training schedule {now.year + 1}-01-01 10am Vague": "not a time written HH:MM",
        f"training schedule {now.year + 1}-01-01 10:00": "Give a date, a time (UTC) and a topic",
    }
    for command, reason in cases.items():
        answer = ack_text(bot.command(command, slack.response_url("x")))
        assert reason in answer and "For example: `/occ training schedule " in answer and "Nothing was scheduled" in answer
    with db_of(tmp_path).session() as s:
        assert s.exec(select(TrainingSession)).all() == []
    accepted = ack_text(bot.command(f"training schedule {ahead:%Y-%m-%d %H:%M} Soon", slack.response_url("y")))
    assert "Scheduled training *#1*" in accepted
    assert "can't find training session `#7`" in ack_text(bot.command("training start 7", slack.response_url("z")))
    assert "Usage: `/occ training report &lt;id&gt;`" in ack_text(bot.command("training report", slack.response_url("u")))
    assert "has not started" in ack_text(bot.command("training end 1", slack.response_url("v")))
    assert "I don't know" in ack_text(bot.command("training nonsense", slack.response_url("w")))


def test_the_reminder_is_posted_once_an_hour_before_across_restarts(bot_factory, slack, env, tmp_path):
    db = db_of(tmp_path)
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.session() as s:
        s.add(TrainingSession(topic="Soon <!here> session", starts_at=now + timedelta(minutes=30), created_by="U1"))
        s.add(TrainingSession(topic="Later session", starts_at=now + timedelta(hours=3), created_by="U1"))
    bot = bot_factory(env)
    reminders = lambda: [c for c in slack.calls_to("chat.postMessage")  # noqa: E731
                         if c.body["channel"] == SUPPORT and "starts at" in text(c)]
    [reminder] = wait_until(reminders, 10, "the reminder")
    assert "#1" in text(reminder) and "&lt;!here&gt;" in text(reminder) and "Later session" not in text(reminder)
    bot.proc.terminate()
    bot.proc.wait(timeout=10)
    with db.session() as s:  # the job runs again at once on the next start
        s.exec(delete(ScheduledRun).where(ScheduledRun.name == "training reminders"))
    bot_factory(env)
    wait_until(lambda: db_ran(db), 10, "the reminder job on the restarted bot")
    time.sleep(1.5)  # a second reminder, were it enqueued, would be delivered by now
    assert len(reminders()) == 1, "claimed in the database: never posted twice"


def db_ran(db: Database) -> bool:
    with db.session() as s:
        return s.get(ScheduledRun, "training reminders") is not None
