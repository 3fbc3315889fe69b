"""Issue 7's faults through the real HTTP process: a locked database, resubmitted modals, button
presses that cannot write, malformed modal payloads, 40 kB of words, NUL bytes on PostgreSQL."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from chatops.incidents.models import Incident, IncidentEvent
from storage.db import Database
from tests.test_alerts_e2e import text, wait_until
from tests.test_incidents_http import INC, env, press, submission  # noqa: F401 - env is a fixture


@contextmanager
def locked(path, seconds: float | None = None):
    """Hold SQLite's write lock (as a long migration or a stuck writer would)."""
    conn = sqlite3.connect(str(path), timeout=5, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def with_view_id(body: str, view_id: str) -> str:
    from urllib.parse import parse_qs

    payload = json.loads(parse_qs(body)["payload"][0])
    payload["view"]["id"] = view_id
    return urlencode({"payload": json.dumps(payload)})


def note_submission(number: int, note: str, view_id: str) -> str:
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U900"}, "api_app_id": "A1",
               "view": {"id": view_id, "type": "modal", "callback_id": "incident_note",
                        "private_metadata": json.dumps({"number": number}), "hash": "h",
                        "state": {"values": {"note": {"value": {"type": "plain_text_input", "value": note}}}}}}
    return urlencode({"payload": json.dumps(payload)})


def incidents(tmp_path) -> list[Incident]:
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        return list(s.exec(select(Incident)).all())


def test_a_locked_database_answers_the_modal_in_time_and_stores_nothing(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    with locked(tmp_path / "occ.db"):
        started = time.monotonic()
        answer = bot.post(with_view_id(submission("Checkout down"), "VLOCK"))
        took = time.monotonic() - started
    assert answer.status_code == 200 and took < 2.5, f"answered in {took:.1f} s"
    assert answer.json()["response_action"] == "errors"
    assert "nothing was saved" in json.dumps(answer.json())
    assert incidents(tmp_path) == []
    # the person submits again once the database is free: stored once, whatever the retries
    for _ in range(3):
        again = bot.post(with_view_id(submission("Checkout down"), "VLOCK"))
        assert again.json()["response_action"] == "update" and "INC-1" in json.dumps(again.json())
    assert [i.number for i in incidents(tmp_path)] == [1]
    time.sleep(1.5)
    assert len([c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == INC]) == 1


def test_a_resubmitted_note_is_stored_and_posted_once(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    bot.post(with_view_id(submission("Refunds failing"), "VNEW"))
    wait_until(lambda: slack.calls_to("chat.postMessage"), 5, "the announcement")
    for _ in range(3):
        assert bot.post(note_submission(1, "rolled back", "VNOTE")).status_code == 200
    time.sleep(2)
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        notes = [e.text for e in s.exec(select(IncidentEvent).where(IncidentEvent.kind == "note")).all()]
    assert notes == ["rolled back"]
    assert len([c for c in slack.calls_to("chat.postMessage") if "rolled back" in text(c)]) == 1


def test_help_is_answered_at_once_while_home_opens_pile_up_on_a_locked_database(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)

    def home_open(n: int) -> None:
        event = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": f"Ev{n}",
                 "event_time": int(time.time()), "event": {"type": "app_home_opened", "user": f"U{n}", "tab": "home"}}
        bot.post(json.dumps(event), content_type="application/json")

    with locked(tmp_path / "occ.db"):
        threads = [threading.Thread(target=home_open, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        started = time.monotonic()
        answer = bot.command("help", slack.response_url("h"))
        took = time.monotonic() - started
        for t in threads:
            t.join()
    assert answer.status_code == 200 and "/occ health" in answer.text
    assert took < 1.0, f"help waited {took:.1f} s behind the event de-duplication"


def test_a_button_press_that_cannot_write_is_retried(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    bot.post(with_view_id(submission("Checkout down"), "VB1"))
    with locked(tmp_path / "occ.db"):
        assert bot.post(press("incident_ack", 1, response_url=slack.response_url("b1"))).status_code == 200
        time.sleep(1.5)  # the first try meets the lock
    wait_until(lambda: incidents(tmp_path)[0].acknowledged_by == "U901", 10, "the retried acknowledgement")
    assert not slack.calls_to("/respond/b1"), "it took: nobody is told otherwise"


def test_a_button_press_that_never_takes_is_reported_to_the_person(bot_factory, slack, env, tmp_path):
    bot = bot_factory(env)
    bot.post(with_view_id(submission("Checkout down"), "VB2"))
    with locked(tmp_path / "occ.db"):
        bot.post(press("incident_ack", 1, response_url=slack.response_url("b2")))
        told = slack.wait_for("/respond/b2", timeout=20)[0]
    assert "did not take" in text(told) and told.body.get("response_type") == "ephemeral"
    assert incidents(tmp_path)[0].acknowledged_by is None


@pytest.mark.parametrize("view", [
    {"id": "VX", "callback_id": "incident_new"},  # no state at all
    {"id": "VX", "callback_id": "incident_new", "state": {"values": "nonsense"}},
    {"id": "VX", "callback_id": "incident_note", "state": {"values": {}}},
])
def test_a_malformed_modal_payload_gets_a_clear_answer_not_an_empty_200(bot_factory, slack, env, tmp_path, view):
    bot = bot_factory(env)
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U900"}, "view": view}
    answer = bot.post(urlencode({"payload": json.dumps(payload)}))
    assert answer.status_code == 200 and answer.text.strip(), "an empty 200 closes the modal as if it worked"
    body = answer.json()
    assert body["response_action"] in ("errors", "update")
    assert "nothing was saved" in json.dumps(body)
    assert incidents(tmp_path) == []


def test_forty_kilobytes_of_words_is_acknowledged_at_once(bot_factory, slack, env):
    bot = bot_factory(env)
    started = time.monotonic()
    answer = bot.command("incident " + "a " * 20000, slack.response_url("w"))
    assert answer.status_code == 200 and time.monotonic() - started < 1.0


def test_a_nul_byte_on_postgresql_is_stripped_not_retried_forever(bot_factory, slack, env, pg_url):
    bot = bot_factory({**env, "DATABASE_URL": pg_url})
    answer = bot.post(with_view_id(submission("Checkout\x00 down", description="p95\x00 4 s"), "VNUL"))
    assert answer.json()["response_action"] == "update" and "INC-1" in json.dumps(answer.json())
    with Database(pg_url).session() as s:
        inc = s.exec(select(Incident)).one()
    assert (inc.title, inc.description) == ("Checkout down", "p95 4 s")
