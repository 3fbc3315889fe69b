"""Pure rules and block builders of Q&A and training: date parsing at its boundaries, the form
checks, the CSV, the ticket text, and Slack's limits and escaping in every view."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from blocks import qa as qa_views
from blocks import training as training_views
from chatops.qa.rules import TILES, Source, check_form, source_of, ticket_description, ticket_title
from chatops.qa.service import Ticket
from chatops.training.models import LogRow
from chatops.training.rules import (Refusal, Schedule, example, is_running, log_csv, parse_id, parse_schedule,
                                    reminder_due)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


# --- dates ------------------------------------------------------------------------------------------
def test_a_time_exactly_now_is_refused_and_one_minute_ahead_is_accepted():
    assert isinstance(parse_schedule("2026-12-01 10:00 Walkthrough", NOW), Refusal)
    ahead = parse_schedule("2026-12-01 10:01 Walkthrough", NOW)
    assert ahead == Schedule(NOW + timedelta(minutes=1), "Walkthrough")
    late = NOW + timedelta(seconds=30)  # 10:00:30: 10:00 has passed, 10:01 has not
    assert isinstance(parse_schedule("2026-12-01 10:00 Walkthrough", late), Refusal)
    assert isinstance(parse_schedule("2026-12-01 10:01 Walkthrough", late), Schedule)
    assert isinstance(parse_schedule("2026-12-01 09:59 Walkthrough", NOW), Refusal)


@pytest.mark.parametrize("day, clock, why", [
    ("2027-02-30", "10:00", "not a real date"),
    ("2027-02-29", "10:00", "not a real date"),  # 2027 is not a leap year
    ("2027-13-01", "10:00", "not a real date"),
    ("2027-01-01", "24:00", "not a real date"),
    ("2027-01-01", "10:60", "not a real date"),
    ("2027-1-05", "10:00", "not a date written YYYY-MM-DD"),
    ("2027/01/05", "10:00", "not a date written YYYY-MM-DD"),
    ("05-01-2027", "10:00", "not a date written YYYY-MM-DD"),
    ("2027-01-05", "10", "not a time written HH:MM"),
    ("2027-01-05", "10:00:00", "not a time written HH:MM"),
    ("2027-01-05", "１０:００", "not a time written HH:MM"),  # other scripts' digits
])
def test_malformed_dates_and_times_are_refused_with_a_working_example(day, clock, why):
    refusal = parse_schedule(f"{day} {clock} Topic", NOW)
    assert isinstance(refusal, Refusal) and why in refusal.reason
    suggested = refusal.example.removeprefix("/occ training schedule ")
    assert isinstance(parse_schedule(suggested, NOW), Schedule), "the example always works"


def test_leap_day_and_topic_rules():
    assert parse_schedule("2028-02-29 09:00 Leap day", NOW).starts_at == datetime(2028, 2, 29, 9, tzinfo=timezone.utc)
    assert parse_schedule("2027-01-05 9:05   Spaced    topic ", NOW).topic == "Spaced topic"
    assert "topic" in parse_schedule("2027-01-05 09:00", NOW).reason
    assert "200 characters" in parse_schedule("2027-01-05 09:00 " + "x" * 201, NOW).reason
    assert example(NOW) == "/occ training schedule 2026-12-02 15:00 Inventory Heatmap walkthrough"


def test_session_ids():
    assert [parse_id(t) for t in ("3", "#3", " 12 more", "x", "", "-1", "0", "3.5", str(2**31), "３")] == \
        [3, 3, 12, None, None, None, None, None, None, None]


def _session(**kw):
    base = {"starts_at": NOW + timedelta(hours=1), "started_at": None, "ended_at": None, "reminder_claimed_at": None,
            "duration_min": 90}
    base.update(kw)
    return SimpleNamespace(**base)


def test_reminder_is_due_within_the_hour_before_only():
    assert reminder_due(_session(), NOW)  # exactly an hour before
    assert not reminder_due(_session(), NOW - timedelta(seconds=1))
    assert reminder_due(_session(), NOW + timedelta(minutes=59))
    assert not reminder_due(_session(), NOW + timedelta(hours=1))  # it has started by its schedule
    assert not reminder_due(_session(reminder_claimed_at=NOW), NOW)
    assert not reminder_due(_session(started_at=NOW), NOW)


def test_a_session_started_and_never_ended_stops_running_after_twelve_hours():
    running = _session(started_at=NOW)
    assert is_running(running, NOW + timedelta(hours=11, minutes=59))
    assert not is_running(running, NOW + timedelta(hours=12))
    assert not is_running(_session(started_at=NOW, ended_at=NOW), NOW)


# --- the CSV ----------------------------------------------------------------------------------------
def test_log_csv_has_the_team_columns_and_keeps_formulas_as_text():
    rows = [LogRow(NOW, "U1", 'Why "red",\nand late?', "Ops Pulse", "=cmd|' /C calc'!A0", "U2", date(2026, 12, 5)),
            LogRow(NOW, "@U3", "+1 question", "Other", None, None, None)]
    parsed = list(csv.reader(io.StringIO(log_csv(rows))))
    assert parsed[0] == ["timestamp", "participant", "question", "tile", "answer", "owner", "follow-up due"]
    assert parsed[1] == ["2026-12-01 10:00:00 UTC", "U1", 'Why "red",\nand late?', "Ops Pulse",
                         "'=cmd|' /C calc'!A0", "U2", "2026-12-05"]
    assert parsed[2][1:3] == ["'@U3", "'+1 question"]


# --- the form -----------------------------------------------------------------------------------------
def test_form_checks():
    ok = check_form({"question": "  Why?  ", "tile": "Ops Pulse", "answer": "", "confusing": ["confusing"],
                     "screenshots": [{"id": "F1", "name": "a.png", "mimetype": "image/png", "size": "9",
                                      "url_private": "https://files.slack.com/x"}],
                     "owner": "U7", "follow_up": "2026-12-05"})
    assert (ok.question, ok.answer, ok.confusing, ok.owner, ok.follow_up_due) == ("Why?", None, True, "U7",
                                                                                   date(2026, 12, 5))
    assert ok.screenshots == [{"id": "F1", "name": "a.png", "mimetype": "image/png"}]  # no URLs kept
    plain = check_form({"question": "Why?", "tile": "Other", "confusing": []})
    assert not plain.errors and not plain.confusing and plain.screenshots == []
    assert check_form({"question": "", "tile": "Nope"}).errors == {"question": "Write the question.",
                                                                   "tile": "Pick the dashboard tile (or Other)."}
    assert "owner" in check_form({"question": "q", "tile": "Other", "owner": "U" * 40}).errors
    assert "follow_up" in check_form({"question": "q", "tile": "Other", "follow_up": "2026-02-30"}).errors
    assert "screenshots" in check_form({"question": "q", "tile": "Other", "screenshots": [{"id": "F1", "name": "x.exe"}]}).errors


def test_source_metadata_round_trip_and_hostile_values():
    source = Source(author="U1", channel="C1", ts="1.2", permalink="https://x.slack.com/archives/C1/p12")
    assert source_of(json.loads(source.metadata())) == source
    hostile = source_of({"author": "U" * 99, "channel": ["C1"], "ts": 3, "permalink": "javascript:alert(1)"})
    assert hostile == Source()


def test_ticket_title_and_description():
    assert ticket_title("Ops Pulse", "Why red?\nsecond line") == "Ops Pulse: Why red?"
    assert ticket_title("Other", "Why red?") == "Why red?"
    assert len(ticket_title("Sales Pulse", "x" * 500)) == 120
    text = ticket_description(tile="Ops Pulse", at=NOW, reporter="U1", question="Q1\nQ2", answer=None, author="U2",
                              owner="U3", follow_up_due=date(2026, 12, 5), session="#1 Intro")
    for part in ("**Tile:** Ops Pulse", "2026-12-01 10:00 UTC", "Slack user U1 (asked by U2)", "#1 Intro",
                 "Slack user U3", "2026-12-05", "> Q1\n> Q2", "_none yet_"):
        assert part in text
    embedded = ticket_description(tile="Other", at=NOW, reporter="U1", question="see ![x](https://evil.test/t.png)",
                                  answer=None)
    assert "![x]" not in embedded and "!\\[x](https://evil.test/t.png)" in embedded  # Linear would fetch it


# --- views --------------------------------------------------------------------------------------------
def _walk_texts(obj):
    if isinstance(obj, dict):
        if obj.get("type") in ("plain_text", "mrkdwn"):
            yield obj
        for value in obj.values():
            yield from _walk_texts(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk_texts(value)


def test_capture_modal_fits_slack_limits_and_keeps_untrusted_text_inert():
    source = Source(author="U<!channel>", channel="C1", ts="1.2", permalink="https://x.slack.com/a?b=1&c=<2>")
    view = qa_views.capture_modal(question="q" * 5000, source=source)
    assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100
    options = [o for b in view["blocks"] if b["type"] == "input" for o in b["element"].get("options", [])]
    assert all(len(o["text"]["text"]) <= 75 for o in options) and len(options) == len(TILES) + 1
    assert len(view["blocks"][1]["element"]["initial_value"]) == 3000
    context = json.dumps(view["blocks"][0])
    assert "<!channel>" not in context and "&lt;!channel&gt;" in context
    assert "<2>" not in context


def _entry(n: int, question: str = "Why <!here> & red?"):
    return SimpleNamespace(ref=f"Q-{n}", tile="Ops Pulse", created_at=NOW, participant="U1", question=question,
                           answer="because <@U2>", confusing=True)


def test_entries_message_escapes_and_fits_fifty_blocks():
    shown = [SimpleNamespace(entry=_entry(n, "x" * 2000), ticket=Ticket("filed", "SUP-1", "https://linear.app/i/SUP-1"))
             for n in range(300)]
    msg = qa_views.entries_message(shown, words="red", ranked=True)
    assert len(msg["blocks"]) <= 50 and all(len(t["text"]) <= 3000 for t in _walk_texts(msg["blocks"]))
    one = qa_views.entries_message([SimpleNamespace(entry=_entry(1), ticket=Ticket("pending", detail="Linear <down>"))],
                                   words="<!channel>", ranked=False)
    body = json.dumps(one)
    assert "<!here>" not in body and "<@U2>" not in body and "<!channel>" not in body and "&lt;down&gt;" in body
    filed = qa_views.entry_text(_entry(1), Ticket("filed", "SUP-9", "https://linear.app/x/SUP-9"))
    assert "<https://linear.app/x/SUP-9|SUP-9>" in filed
    assert "<javascript" not in qa_views.entry_text(_entry(1), Ticket("filed", "SUP-9", "javascript:x"))


def test_report_message_fits_and_escapes():
    rows = [LogRow(NOW, "U1", f"<!channel> question {n} " + "x" * 280, "Ops Pulse", "a & b", "U2", date(2026, 12, 5))
            for n in range(500)]
    session = SimpleNamespace(ref="#1", id=1, topic="Intro <@U9>", starts_at=NOW, duration_min=90)
    msg = training_views.report_message(session, rows)
    assert len(msg["blocks"]) <= 50 and "<!channel>" not in json.dumps(msg) and "<@U9>" not in json.dumps(msg)
    assert "more" in json.dumps(msg["blocks"][-2])  # the rest is counted, not cut silently
    reply = training_views.report_reply(SimpleNamespace(session=session, rows=rows, channel="C0S", filename="f.csv"))
    assert len(reply["blocks"]) <= 50 and "<#C0S>" in json.dumps(reply)
