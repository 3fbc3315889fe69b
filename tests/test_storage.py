"""Storage on SQLite and on the PostgreSQL at 127.0.0.1:5432 (skipped with a reason without it)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import inspect, text
from sqlmodel import select

from storage.db import Database
from chatops.health.models import ProbeResult
from chatops.health.store import add_probe_results, latest_probe_results, recent_probe_results
from storage.repos import claim_event

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_migrations_create_the_tables_and_are_idempotent(db_url):
    db = Database(db_url)
    db.migrate()
    db.migrate()
    tables = set(inspect(db.engine).get_table_names())
    assert {"probe_result", "slack_event", "alembic_version"} <= tables
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() is not None
    assert db.ping()
    db.dispose()


def test_sqlite_pragmas_are_set_on_connect(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/x.db")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_probe_results_round_trip_and_latest(db_url):
    db = Database(db_url)
    db.migrate()
    with db.session() as s:
        add_probe_results(s, [
            ProbeResult(integration="chatwoot", checked_at=T0, state="OK", ok=True, latency_ms=12.5,
                        open_conversations=4, breaching=1),
            ProbeResult(integration="shopify", checked_at=T0, state="OK", ok=True, latency_ms=40),
        ])
    with db.session() as s:
        add_probe_results(s, [ProbeResult(integration="chatwoot", checked_at=T0 + timedelta(minutes=1),
                                          state="DOWN", ok=False, error_class="server_error",
                                          detail="server error (HTTP 500)")])
    with db.session() as s:
        latest = {r.integration: r for r in latest_probe_results(s)}
        recent = recent_probe_results(s, "chatwoot")
    assert latest["chatwoot"].state == "DOWN" and latest["chatwoot"].detail == "server error (HTTP 500)"
    assert latest["shopify"].latency_ms == 40
    assert [r.state for r in recent] == ["DOWN", "OK"]
    assert recent[1].breaching == 1 and recent[1].open_conversations == 4
    db.dispose()


def test_claim_event_once_even_when_raced(db_url):
    db = Database(db_url)
    db.migrate()
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        with db.session() as s:
            fresh = claim_event(s, "Ev1", "app_home_opened")
        with lock:
            results.append(fresh)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    db.dispose()


def test_concurrent_migrations_on_one_database(db_url):
    """Several replicas starting at once: the advisory lock (PostgreSQL) / busy timeout (SQLite)
    lets every one of them finish with the schema at head."""
    errors: list[BaseException] = []

    def start() -> None:
        try:
            d = Database(db_url)
            d.migrate()
            d.dispose()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_retention_keeps_recent_rows_and_announcements(db_url):
    from chatops.health.models import AlertEpisode
    from storage.models import OutboxMessage, SlackEvent
    from chatops.health.store import prune_probe_results
    from chatops.incidents.models import Incident
    from storage.repos import prune

    db = Database(db_url)
    db.migrate()
    old = T0 - timedelta(days=60)
    with db.session() as s:
        s.add(SlackEvent(event_id="old", event_type="x", received_at=old))
        s.add(SlackEvent(event_id="new", event_type="x", received_at=T0))
        s.add(ProbeResult(integration="shopify", checked_at=old, state="OK", ok=True))
        announced = OutboxMessage(kind="post", channel="C", payload={}, status="sent", created_at=old)
        plain = OutboxMessage(kind="post", channel="C", payload={}, status="sent", created_at=old)
        pending = OutboxMessage(kind="post", channel="C", payload={}, status="pending", created_at=old)
        s.add_all([announced, plain, pending])
        s.flush()
        announced_incident = OutboxMessage(kind="post", channel="C", payload={}, status="sent", created_at=old)
        s.add(announced_incident)
        s.flush()
        s.add(AlertEpisode(key="k", kind="integration", subject="shopify", state="DOWN", channel="C",
                           outbox_id=announced.id, details={}))
        s.add(Incident(number=1, title="t", severity="SEV1", integration="Shopify", reporter="U1", detected_at=old,
                       outbox_id=announced_incident.id))
    with db.session() as s:
        counts = prune(s, T0)
        probes = prune_probe_results(s, T0)
    assert counts == {"slack_event": 1, "outbox": 1}, "every table that points at an outbox row keeps it"
    assert probes == 1
    with db.session() as s:
        assert [e.event_id for e in s.exec(select(SlackEvent)).all()] == ["new"]
        assert sorted(r.status for r in s.exec(select(OutboxMessage)).all()) == ["pending", "sent", "sent"]
    db.dispose()
