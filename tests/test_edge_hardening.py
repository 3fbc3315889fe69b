"""Issue 7, under faults and hostile input: DATABASE_URL at start-up, /healthz on a database that
cannot be written, hostile signature headers, one signature check, UTC times, bidi controls."""
from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from blocks.alerts import recovery_notice
from blocks.render import render_message
from blocks.text import clock, escape, unescape
from chatops.settings import ConfigError, load_settings
from chatops.transports.http import signature_ok
from tests.conftest import BOT_TOKEN, ROOT, SECRET, integration_env
from tests.fakes import sign

CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHATWOOT_", "SHOPIFY_", "GA_",
                                                                    "GOOGLE_", "LINEAR_", "OCC_", "DATABASE_"))}
SLACK_ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}

# --- a. DATABASE_URL at start-up -------------------------------------------------------------------
# The password is S3cr@3tPw; neither piece around its '@' may ever be printed.
SPLIT_PASSWORD = "postgresql+psycopg://occ:S3cr@3tPw@127.0.0.1:5432/x"


def _app(args: list[str], env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], env={**CLEAN, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=60, input="")


def _bad_urls(tmp_path) -> dict[str, str]:
    (tmp_path / "a-file").write_text("not a directory")
    return {
        "split-password": SPLIT_PASSWORD,
        "garbage": "notaurl",
        "bad-port": "postgresql+psycopg://host:notaport/db",
        "port-out-of-range": "postgresql+psycopg://occ:S3cr3tPw@127.0.0.1:99999/x",
        "other-database": "mysql://occ:S3cr3tPw@127.0.0.1/x",
        # root may create any directory, but not one below a regular file
        "uncreatable-sqlite-dir": f"sqlite:///{tmp_path}/a-file/x.db",
        "unreachable-encoded-password": "postgresql+psycopg://occ:S3cr%403tPw@127.0.0.1:1/x",
    }


@pytest.mark.parametrize("transport", ["console", "http"])
@pytest.mark.parametrize("case", ["split-password", "garbage", "bad-port", "port-out-of-range",
                                  "other-database", "uncreatable-sqlite-dir", "unreachable-encoded-password"])
def test_bad_database_url_is_one_line_naming_it_exit_2(tmp_path, transport, case):
    env = {"DATABASE_URL": _bad_urls(tmp_path)[case], **(SLACK_ENV if transport == "http" else {})}
    result = _app([transport], env, tmp_path)
    output = result.stderr + result.stdout
    assert result.returncode == 2, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("occ: "), output
    assert "DATABASE_URL" in lines[0] and "Traceback" not in output
    for piece in ("S3cr", "3tPw"):
        assert piece not in output, f"a piece of the password was printed: {output}"


def test_unparseable_database_url_is_not_printed(tmp_path):
    for url in ("notaurl", "postgresql+psycopg://host:notaport/db", SPLIT_PASSWORD):
        result = _app(["console"], {"DATABASE_URL": url}, tmp_path)
        assert url not in result.stderr and "notaport" not in result.stderr, result.stderr
        assert result.stderr.startswith("occ: DATABASE_URL is invalid: ")


def test_database_url_errors_in_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", SPLIT_PASSWORD)
    with pytest.raises(ConfigError, match="^DATABASE_URL is invalid: .*%40") as info:
        load_settings()
    assert "S3cr" not in str(info.value) and "3tPw" not in str(info.value)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://occ:S3cr%403tPw@db.internal:5432/occ")
    assert {"S3cr@3tPw", "S3cr%403tPw"} <= set(load_settings().secret_values())  # the log filter hides both


# --- b. /healthz checks a write ----------------------------------------------------------------------
def _lock(path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def test_writable_on_both_databases(db):
    assert db.writable()
    with db.session() as session:  # and the check left nothing behind: ordinary writes still work
        from storage.models import Counter
        session.add(Counter(name="after-check", value=1))


def test_writable_is_false_and_quick_while_sqlite_is_locked(tmp_path):
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path}/occ.db")
    db.migrate()
    try:
        locker = _lock(tmp_path / "occ.db")
        started = time.monotonic()
        assert db.writable() is False
        assert time.monotonic() - started < 1.5
        assert db.ping(), "reads still work; only writes are refused"
        locker.execute("ROLLBACK")
        assert db.writable() is True
        with db.engine.connect() as conn:  # the short busy timeout never leaks into the pool
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        db.dispose()


def test_writable_is_false_when_the_disk_is_full(tmp_path, monkeypatch):
    import storage.db as storage_db

    db = storage_db.Database(f"sqlite:///{tmp_path}/occ.db")
    db.migrate()
    full = SimpleNamespace(f_bavail=0, f_frsize=4096)
    monkeypatch.setattr(storage_db.os, "statvfs", lambda _path: full)
    try:
        assert db.writable() is False
    finally:
        db.dispose()


def test_writable_is_false_on_read_only_and_locked_postgresql(pg_url):
    import psycopg

    from storage.db import Database

    db = Database(pg_url)
    db.migrate()
    plain = pg_url.replace("+psycopg", "")
    try:
        with psycopg.connect(plain) as locker:
            locker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            assert db.writable() is False
            assert time.monotonic() - started < 1.5
        assert db.writable() is True
        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        db.request_engine.dispose()  # new sessions pick the setting up
        assert db.ping() is True and db.writable() is False
    finally:
        db.dispose()


def test_healthz_is_503_while_the_database_cannot_be_written(bot_factory, tmp_path):
    bot = bot_factory({"DASHBOARD_USE_MOCK": "true"})
    assert httpx.get(f"{bot.url}/healthz").status_code == 200
    locker = _lock(tmp_path / "occ.db")
    try:
        started = time.monotonic()
        response = httpx.get(f"{bot.url}/healthz", timeout=10)
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "degraded" and body["database"] == "read-only"
        assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert httpx.get(f"{bot.url}/healthz").status_code == 200


# --- c. hostile timestamp headers --------------------------------------------------------------------
def _signed_with(ts: str, body: bytes = b"ssl_check=1") -> str:
    return "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


NOW = 1_700_000_000


@pytest.mark.parametrize("ts", [
    "9" * 400, "9" * 5000, "-" + "9" * 400, "١٧٠٠٠٠٠٠٠٠", "１７００００００００", "-1700000000", "+1700000000",
    " 1700000000", "1700000000 ", "1700000000.0", "1_700_000_000", "1e9", "", "0x6553f100",
])
def test_signature_ok_refuses_odd_timestamps_without_raising(ts):
    # each correctly signed over its own odd timestamp: only the form is wrong
    assert signature_ok(SECRET.encode(), b"ssl_check=1", ts, _signed_with(ts), now=NOW + 0.5) is False


def test_signature_ok_still_accepts_the_real_thing():
    ts = str(NOW)
    assert signature_ok(SECRET.encode(), b"ssl_check=1", ts, _signed_with(ts), now=NOW + 299)
    assert not signature_ok(SECRET.encode(), b"ssl_check=1", ts, _signed_with(ts), now=NOW + 301)
    assert not signature_ok(SECRET.encode(), b"ssl_check=1", ts, "v0=\xe9" + _signed_with(ts)[4:], now=NOW)


@pytest.fixture
def bot(bot_factory, slack, integrations):
    return bot_factory({"SLACK_API_URL": slack.api_url, **integration_env(integrations)})


def test_hostile_timestamp_headers_get_401_and_no_traceback(bot, slack):
    body = urlencode({"command": "/occ", "text": "health", "user_id": "U1", "channel_id": "C1",
                      "response_url": slack.response_url("ts"), "trigger_id": "t"})
    now = str(int(time.time()))
    odd: list[bytes] = [b"9" * 400, b"9" * 5000, "١٢٣".encode(), b"-5",
                        b"-" + now.encode(), b"1.5", now.encode() + b".5", b"1e9", b"+" + now.encode()]
    for ts in odd:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": _signed_with(ts.decode("latin-1"), body.encode()).encode()}
        response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 401, (ts[:20], response.text)
    # a current timestamp with a signature that is not ASCII
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": b"v0=\xe9\xff"}
    assert httpx.post(f"{bot.url}/slack/events", content=body, headers=headers).status_code == 401
    time.sleep(0.3)
    log = bot.log()
    assert "Traceback" not in log and "request failed" not in log, log
    assert slack.calls == []
    assert httpx.get(f"{bot.url}/healthz").status_code == 200


# --- d. one signature check, ours ---------------------------------------------------------------------
@pytest.mark.parametrize("case", ["bad", "missing", "stale"])
def test_ssl_check_needs_a_signature_too(bot, slack, case):
    body = "ssl_check=1&token=x&command=%2Focc&text=health&response_url=" + slack.response_url("ssl")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if case == "bad":
        headers |= {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=deadbeef"}
    elif case == "stale":
        headers |= sign(SECRET, body, int(time.time()) - 6 * 60)
    assert httpx.post(f"{bot.url}/slack/events", content=body, headers=headers).status_code == 401
    time.sleep(0.3)
    assert slack.calls == []
    assert bot.post(body).status_code == 200  # signed, it is answered


def test_bolt_does_not_verify_signatures_again(tmp_path):
    """The transport has already checked the signature on the raw bytes; Bolt checking again only
    costs time. An unsigned request handed straight to Bolt is therefore handled, not refused."""
    from chatops.settings import Settings
    from chatops.slack.app import build_bolt_app
    from chatops.wiring import build
    from slack_bolt.request import BoltRequest

    settings = Settings(database_url=f"sqlite:///{tmp_path}/occ.db", dashboard_use_mock=True,
                        slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    services = build(settings)
    try:
        bolt, _ = build_bolt_app(services)
        request = BoltRequest(body='{"type": "url_verification", "challenge": "c-42"}',
                              headers={"content-type": ["application/json"]})
        response = bolt.dispatch(request)
        assert response.status == 200 and "c-42" in response.body
    finally:
        services.close()


# --- e. times are shown in UTC -----------------------------------------------------------------------
def test_clock_converts_to_utc():
    plus_two = timezone(timedelta(hours=2))
    assert clock(datetime(2026, 11, 26, 14, 30, tzinfo=plus_two)) == "12:30 UTC"
    assert clock(datetime(2026, 11, 26, 1, 15, tzinfo=timezone(timedelta(hours=-5)))) == "06:15 UTC"
    assert clock(datetime(2026, 11, 26, 14, 30)) == "14:30 UTC"  # naive means UTC
    assert clock(datetime(2026, 11, 26, 14, 30, tzinfo=timezone.utc)) == "14:30 UTC"


def test_a_message_shows_an_offset_time_in_utc():
    plus_two = timezone(timedelta(hours=2))
    ep = SimpleNamespace(resolved_at=datetime(2026, 11, 26, 14, 30, tzinfo=plus_two),
                         opened_at=datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc), details={}, state="DOWN")
    assert "recovered at 12:30 UTC after 30 min" in render_message(recovery_notice("Shopify", ep))


# --- f. bidirectional controls -------------------------------------------------------------------------
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c" + "".join(map(chr, range(0x202A, 0x202F)))
                          + "".join(map(chr, range(0x2066, 0x206A))))
# a list joined, not st.text(alphabet=...): Hypothesis folds such an alphabet into one big character
# range, where the dozen interesting characters would almost never be drawn
HOSTILE = st.lists(st.one_of(
    st.characters(), st.sampled_from(sorted(BIDI_CONTROLS)), st.sampled_from(list("<>&!@#|\x00\x1b")),
    st.sampled_from(["<!channel>", "<@U123>", "\u200d", "\U0001F468", "\ud800"]))).map("".join)


@given(HOSTILE, st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
def test_escape_is_inert_bidi_free_and_within_limit(text, limit):
    out = escape(text, limit)
    assert "<" not in out and ">" not in out  # so no typed `<!…>` or `<@…>` survives
    assert not BIDI_CONTROLS & set(out)
    assert all(ch in "\n\t" or ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F for ch in out)
    if limit is not None:
        assert len(out) <= limit
        kept = out[:-1] if out.endswith("…") and out != escape(text) else out
        assert escape(text).startswith(kept), "truncation only ever cuts whole characters off the end"


def test_bidi_controls_are_dropped():
    assert escape("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert escape("\u2066<@U1>\u2069 \u200f\u061cok\u200e") == "&lt;@U1&gt; ok"
    assert unescape(escape("a\u202db")) == "ab"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert escape(family) == family  # joiners are not bidi controls


def test_escape_drops_lone_surrogates_and_handles_a_zero_limit():
    assert escape("a\ud800b\udfff") == "ab"
    assert escape("abc", 0) == "" and escape("", 0) == ""
    assert escape("&&&&", 6) == "&amp;…" and escape("a&b", 5) == "a…"
