from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import httpx
import pytest

from tests import chatwoot_samples, vendor_samples
from tests.fakes import BOT_TOKEN, Call, FakeServer, FakeSlack, sign

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("OCC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), connect_timeout=2):
            return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {PG_ADMIN} is not reachable ({type(exc).__name__}); storage tests run on SQLite only"


PG_SKIP_REASON = _pg_available()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    if PG_SKIP_REASON:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    name = f"occ_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/occ.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Any]:
    """A migrated database, on SQLite and on PostgreSQL."""
    from storage.db import Database

    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


@dataclass
class Behaviour:
    """How a fake integration answers: status code, delay, and body."""

    status: int = 200
    delay_s: float = 0.0
    body: Any = None


@dataclass
class FakeIntegrations:
    chatwoot: FakeServer
    shopify: FakeServer
    ga: FakeServer
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    conversations: list[dict] = field(default_factory=list)  # chatwoot_samples.conversation(...) each
    shopify_answer: dict | None = None  # the GraphQL body (default: the shop, a full cost bucket)
    ga_quota: dict | None = None  # propertyQuota (default: vendor_samples.ga_property_quota())
    canned: chatwoot_samples.CannedStore = field(default_factory=chatwoot_samples.CannedStore)
    # scripted answers to canned-response requests, first match first: (method or "*", status,
    # headers, apply) — `apply`: the request takes effect, then the answer is the error anyway
    canned_faults: list[tuple[str, int, dict, bool]] = field(default_factory=list)
    # conversation members (labels, messages): the account's labels, notes posted, scripted faults
    # (method, path suffix, status, apply) like canned_faults
    account_labels: set[str] = field(default_factory=lambda: {"escalation", "shipping", "refund", "vip"})
    notes: dict[str, list[dict]] = field(default_factory=dict)
    member_faults: list[tuple[str, str, int, bool]] = field(default_factory=list)


CHATWOOT_TOKEN, SHOPIFY_TOKEN, GA_TOKEN = "cw-secret-token", "shopify-secret-token", "ga-secret-token"
CHATWOOT_ACCOUNT = str(chatwoot_samples.ACCOUNT_ID)
SHOPIFY_VERSION = "2025-10"


def _chatwoot(call: Call, fakes: FakeIntegrations) -> tuple[int, Any, dict]:
    """Only Chatwoot's real routes (config/routes.rb): the profile outside the account scope."""
    if call.headers.get("api_access_token") != CHATWOOT_TOKEN:
        return 401, {"errors": ["You need to sign in or sign up before continuing."]}, {}
    if call.method == "GET" and call.path == "/api/v1/profile":
        return 200, chatwoot_samples.PROFILE, {}
    if call.method == "GET" and call.path == f"/api/v1/accounts/{CHATWOOT_ACCOUNT}/conversations":
        page = int((call.query.get("page") or ["1"])[0])
        status = (call.query.get("status") or ["open"])[0]
        return 200, chatwoot_samples.conversations_page(fakes.conversations, status=status, page=page), {}
    canned = f"/api/v1/accounts/{CHATWOOT_ACCOUNT}/canned_responses"
    if call.path == canned or call.path.startswith(canned + "/"):
        return _canned(call, fakes, call.path[len(canned):].strip("/"))
    member = f"/api/v1/accounts/{CHATWOOT_ACCOUNT}/conversations/"
    if call.path.startswith(member) and call.path.count("/") == 7:
        conv_id, _, what = call.path[len(member):].partition("/")
        return _conversation_member(call, fakes, conv_id, what)
    return 404, {"error": "not found"}, {}  # e.g. /api/v1/accounts/{id}/profile does not exist


def _conversation_member(call: Call, fakes: FakeIntegrations, conv_id: str, what: str) -> tuple[int, Any, dict]:
    """labels (LabelConcern: a POST replaces the list with the titles that exist in the account)
    and messages (a private note is an outgoing message with private: true)."""
    conv = next((c for c in fakes.conversations if str(c.get("id")) == conv_id), None)
    if conv is None or what not in ("labels", "messages"):
        return 404, {"error": "Resource could not be found"}, {}
    fault = next((f for f in fakes.member_faults if f[0] == call.method and f[1] == what), None)
    if fault is not None:
        fakes.member_faults.remove(fault)
        if not fault[3]:
            return fault[2], {"error": "scripted fault"}, {}
    if what == "labels":
        if call.method == "POST":
            posted = call.body.get("labels") if isinstance(call.body, dict) else []
            conv["labels"] = [t for t in posted or [] if t in fakes.account_labels]
        answer = (200, {"payload": list(conv.get("labels") or [])}, {})
    elif call.method == "POST":
        body = call.body if isinstance(call.body, dict) else {}
        note = {"id": 1000 + len(fakes.notes.get(conv_id, [])), "content": body.get("content"),
                "message_type": 1 if body.get("message_type") == "outgoing" else 0, "private": bool(body.get("private"))}
        fakes.notes.setdefault(conv_id, []).append(note)
        answer = (200, note, {})
    else:
        answer = (200, {"meta": {}, "payload": list(fakes.notes.get(conv_id, []))}, {})
    return (fault[2], {"error": "scripted fault after the change"}, {}) if fault else answer


def _canned(call: Call, fakes: FakeIntegrations, member: str) -> tuple[int, Any, dict]:
    fault = next((f for f in fakes.canned_faults if f[0] in ("*", call.method)), None)
    if fault is not None:
        fakes.canned_faults.remove(fault)
        if not fault[3]:
            return fault[1], {"error": "scripted fault"}, fault[2]
    store = fakes.canned
    if call.method == "GET" and not member:
        status, body = 200, store.index((call.query.get("search") or [None])[0])
    elif call.method == "POST" and not member:
        status, body = store.create(call.body)
    elif call.method in ("PATCH", "PUT") and member.isdigit():
        status, body = store.update(int(member), call.body)
    else:
        status, body = 404, {"error": "not found"}
    return (fault[1], {"error": "scripted fault after the change"}, fault[2]) if fault else (status, body, {})


def _shopify(call: Call, fakes: FakeIntegrations) -> tuple[int, Any, dict]:
    """The GraphQL Admin API only; the legacy REST shop.json is not served (404)."""
    if call.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
        return 401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, {}
    if call.method == "POST" and call.path == f"/admin/api/{SHOPIFY_VERSION}/graphql.json":
        query = call.body.get("query", "") if isinstance(call.body, dict) else ""
        if "shop" not in query:
            return 200, vendor_samples.shopify_error("Field 'x' doesn't exist", "undefinedField"), {}
        return 200, fakes.shopify_answer or vendor_samples.shopify_shop(), {}
    return 404, {"errors": "Not Found"}, {}


def _ga(call: Call, fakes: FakeIntegrations) -> tuple[int, Any, dict]:
    if call.headers.get("Authorization") != f"Bearer {GA_TOKEN}":
        return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}, {}
    if call.method == "POST" and call.path.endswith(":runReport"):
        wants_quota = isinstance(call.body, dict) and call.body.get("returnPropertyQuota") is True
        quota = (fakes.ga_quota or vendor_samples.ga_property_quota()) if wants_quota else None
        return 200, vendor_samples.ga_report(quota), {}
    return 404, {"error": {"code": 404, "status": "NOT_FOUND"}}, {}


ROUTES = {"chatwoot": _chatwoot, "shopify": _shopify, "ga": _ga}


def _integration_route(name: str, fakes_ref: list) -> Any:
    def route(call: Call) -> tuple[int, Any, dict]:
        fakes: FakeIntegrations = fakes_ref[0]
        b = fakes.behaviour.get(name, Behaviour())
        if b.delay_s:
            time.sleep(b.delay_s)
        if b.status != 200:
            return b.status, b.body if b.body is not None else {"error": "boom"}, {}
        if b.body is not None:
            return 200, b.body, {}
        return ROUTES[name](call, fakes)

    return route


@pytest.fixture
def integrations() -> Iterator[FakeIntegrations]:
    ref: list = []
    fakes = FakeIntegrations(
        chatwoot=FakeServer(_integration_route("chatwoot", ref)),
        shopify=FakeServer(_integration_route("shopify", ref)),
        ga=FakeServer(_integration_route("ga", ref)),
    )
    ref.append(fakes)
    yield fakes
    for server in (fakes.chatwoot, fakes.shopify, fakes.ga):
        server.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECRET = "test-signing-secret-0123456789"


def integration_env(fakes: FakeIntegrations) -> dict[str, str]:
    return {
        "CHATWOOT_BASE_URL": fakes.chatwoot.url, "CHATWOOT_API_TOKEN": CHATWOOT_TOKEN,
        "CHATWOOT_ACCOUNT_ID": CHATWOOT_ACCOUNT,
        "SHOPIFY_SHOP_DOMAIN": "hot-rodan.myshopify.com", "SHOPIFY_BASE_URL": fakes.shopify.url,
        "SHOPIFY_ADMIN_TOKEN": SHOPIFY_TOKEN,
        "GA_PROPERTY_ID": "123456", "GA_BASE_URL": fakes.ga.url, "GA_ACCESS_TOKEN": GA_TOKEN,
    }


@dataclass
class Bot:
    url: str
    proc: subprocess.Popen
    log_path: Path
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    def post(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
             headers: dict[str, str] | None = None, timestamp: int | None = None) -> httpx.Response:
        signed = sign(SECRET, body, timestamp)
        return self.http.post(f"{self.url}/slack/events", content=body.encode(),
                              headers={"Content-Type": content_type, **signed, **(headers or {})})

    def command(self, text: str, response_url: str, **extra: str) -> httpx.Response:
        form = {"command": "/occ", "text": text, "user_id": "U123", "user_name": "dana",
                "channel_id": "C123", "team_id": "T1", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "response_url": response_url, **extra}
        return self.post(urlencode(form))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_bot(tmp_path: Path, env: dict[str, str], transport: str = "http") -> Bot:
    port = free_port()
    log_path = tmp_path / f"bot-{port}.log"
    full_env = {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
        "PORT": str(port), "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/occ.db", "OCC_PROBE_TIMEOUT_S": "2",
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, **env,
    }
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), transport], cwd=tmp_path, env=full_env,
                            stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"bot exited {proc.returncode}: {log_path.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Bot(url, proc, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"bot did not start: {log_path.read_text()}")


@pytest.fixture
def bot_factory(tmp_path: Path) -> Iterator[Any]:
    bots: list[Bot] = []

    def make(env: dict[str, str], transport: str = "http") -> Bot:
        bot = start_bot(tmp_path, env, transport)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        if bot.proc.poll() is None:
            bot.proc.terminate()
            try:
                bot.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                bot.proc.kill()


@pytest.fixture
def tokyo(monkeypatch):
    """The machine's own zone is not UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
