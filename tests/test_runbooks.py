"""Runbooks: the data files validated at start-up, matching (typos included), staleness at exactly
90 days, manager-only verification with a Memory entry, and the Runbook button through HTTP."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from chatops.memory.models import MemoryEntry
from chatops.runbooks.catalog import DATA, RunbookError, load, parse
from chatops.runbooks.match import best
from chatops.runbooks.service import STALE_AFTER, Entry, RunbookService
from storage.db import Database
from tests.conftest import ROOT
from tests.test_alerts_e2e import text
from tests.test_settings_and_startup import CLEAN

BOOKS = load()
UTC = timezone.utc


def test_every_conversation_type_and_integration_outage_has_a_runbook():
    ids = {b.id for b in BOOKS}
    assert {"shipping-delay", "refund-return", "order-status", "policy-exception", "legal-fraud-chargeback"} <= ids
    assert {b.integration for b in BOOKS if b.kind == "outage"} == {"shopify", "chatwoot", "google_analytics"}
    for book in BOOKS:
        assert book.ladder.L1.who and book.ladder.L2.who and book.ladder.L3.who
        assert book.steps and book.owner and book.last_verified


@pytest.mark.parametrize("query,expected", [
    ("refund", "refund-return"), ("refnud", "refund-return"), ("damaged item", "refund-return"),
    ("where is my order tracking", "shipping-delay"), ("chargeback", "legal-fraud-chargeback"),
    ("lawyr", "legal-fraud-chargeback"), ("vip", "policy-exception"), ("shopify", "outage-shopify"),
    ("order-status", "order-status"), ("ga4 quota", "outage-google-analytics"),
])
def test_the_best_match(query, expected):
    assert best(BOOKS, query).id == expected


@pytest.mark.parametrize("query", ["", "   ", "zzzz qqqq", "!!!"])
def test_nothing_matches_nonsense(query):
    assert best(BOOKS, query) is None


def test_a_word_of_three_letters_is_never_taken_for_a_typo():
    assert best(BOOKS, "rfn") is None


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = (DATA / "refund-return.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("change,field", [
    (lambda t: t.replace('sops = ["SOP-CX-001"', 'sops = ["SOP-1"'), "sops"),
    (lambda t: t.replace('[ladder.L3]', '[ladder.L9]'), "ladder"),
    (lambda t: t.replace('owner = "CX Lead"\n', ''), "owner"),
    (lambda t: t.replace('kind = "conversation"', 'kind = "chat"'), "kind"),
    (lambda t: t.replace('last_verified = 2026-11-20', 'last_verified = "soon"'), "last_verified"),
])
def test_a_broken_file_is_refused_naming_the_file_and_the_field(tmp_path, change, field):
    path = _write(tmp_path, "refund-return.md", change(GOOD))
    with pytest.raises(RunbookError) as err:
        parse(path)
    assert "refund-return.md" in str(err.value) and field in str(err.value)


def test_front_matter_that_is_not_toml_is_refused(tmp_path):
    with pytest.raises(RunbookError, match="not valid TOML"):
        parse(_write(tmp_path, "x.md", "+++\nid = \n+++\nsteps\n"))


def test_the_id_must_match_the_file_name(tmp_path):
    with pytest.raises(RunbookError, match="file name"):
        parse(_write(tmp_path, "other.md", GOOD))


def test_a_broken_runbook_stops_start_up_with_one_line(tmp_path):
    """The real start-up: a copy of the package with one broken data file."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "chatops", copy / "chatops")
    for name in ("blocks", "storage"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copy(ROOT / "app.py", copy / "app.py")
    broken = copy / "chatops" / "runbooks" / "data" / "order-status.md"
    broken.write_text(broken.read_text().replace('owner = "CX Lead"\n', ""), encoding="utf-8")
    result = subprocess.run([sys.executable, str(copy / "app.py"), "console"], input="", text=True,
                            capture_output=True, cwd=tmp_path, env={**CLEAN, "PYTHONPATH": str(copy)}, timeout=60)
    assert result.returncode == 2
    assert "order-status.md" in result.stderr and "owner" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_stale_after_exactly_ninety_days_not_before():
    book = BOOKS[0]
    verified = datetime(2026, 1, 1, tzinfo=UTC)
    entry = Entry(book, verified, None)
    assert STALE_AFTER == timedelta(days=90)
    assert not entry.stale(verified + timedelta(days=90))
    assert entry.stale(verified + timedelta(days=90, seconds=1))


def test_verification_overrides_the_files_date_and_is_logged(db):
    svc = RunbookService(db, BOOKS)
    before = svc.entry(svc.get("refund-return"))
    assert before.verified_by is None and before.verified_at.date() == date(2026, 11, 20)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    svc.verify("refund-return", "UBOSS", now)
    after = svc.entry(svc.get("refund-return"))
    assert (after.verified_at, after.verified_by) == (now, "UBOSS")
    with db.session() as s:
        logged = s.exec(select(MemoryEntry)).one()
    assert (logged.scope, logged.action, logged.external_ref) == ("ops", "runbook.verify", "runbook:refund-return")
    assert svc.verify("no-such-runbook", "UBOSS") is None


def _press(value: str, response_url: str) -> str:
    payload = {"type": "block_actions", "user": {"id": "U5"}, "team": {"id": "T1"}, "response_url": response_url,
               "channel": {"id": "C1"}, "container": {"type": "message", "message_ts": "1.1"}, "trigger_id": "t",
               "actions": [{"action_id": "runbook_show", "value": value, "type": "button"}]}
    return urlencode({"payload": json.dumps(payload)})


def test_runbook_commands_and_button_through_http(bot_factory, slack, tmp_path):
    bot = bot_factory({"SLACK_API_URL": slack.api_url, "DASHBOARD_USE_MOCK": "true", "OCC_MANAGERS": "UBOSS"})
    answer = bot.command("runbook refnud", slack.response_url("x"))
    body = json.dumps(answer.json())
    assert "Refund / return / damaged item" in body and "SOP-CX-003" in body
    assert all(level in body for level in ("*L1*", "*L2*", "*L3*"))

    refused = bot.command("runbook verify refund-return", slack.response_url("v1"))
    assert "Only managers can verify runbooks" in refused.text
    allowed = bot.post(urlencode({"command": "/occ", "text": "runbook verify refund-return", "user_id": "UBOSS",
                                  "channel_id": "C1", "team_id": "T1", "response_url": slack.response_url("v2"),
                                  "trigger_id": "t"}))
    assert "verified" in allowed.text and "UBOSS" in allowed.text
    with Database(f"sqlite:///{tmp_path}/occ.db").session() as s:
        assert [e.actor for e in s.exec(select(MemoryEntry)).all()] == ["UBOSS"]

    assert bot.post(_press("integration:chatwoot", slack.response_url("b"))).status_code == 200
    shown = slack.wait_for("/respond/b")[0]
    assert "Chatwoot outage" in text(shown) and shown.body["response_type"] == "ephemeral"


def test_the_list_flags_a_stale_runbook(db):
    from blocks.runbooks import list_message

    svc = RunbookService(db, BOOKS)
    later = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(days=91)
    rendered = json.dumps(list_message(svc.entries(), later))
    assert "not verified for over 90 days" in rendered
    fresh = json.dumps(list_message(svc.entries(), datetime(2026, 11, 21, tzinfo=UTC)))
    assert "not verified for over 90 days" not in fresh
