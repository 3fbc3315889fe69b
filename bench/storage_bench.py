"""Benchmark: list and search latency as the tables grow to 1k, 10k and 100k rows, on SQLite and
PostgreSQL.

    .venv/bin/python bench/storage_bench.py [--sizes 1000,10000,100000] [--only sqlite|postgresql] [-r 200]

Fills the real tables (migrated by the project's own migrations) with Q&A-like rows: incidents
(a few dozen open, the rest resolved, each with a timeline entry) and Memory `ops` entries whose
text is a question and its answer drawn from a support vocabulary (word frequencies follow
Zipf's law, so the commonest is in a quarter of the rows and most are rare), 48 a day going back
from now, so that at every size the same 336 incidents fall in a 7-day window and only the table
grows. Then, at each size, times
what the acknowledgement runs, through the project's own functions on the bounded request path:

- `incidents`: IncidentService.open_incidents() (the `/occ incidents` query)
- `incident show`: IncidentService.get(n) for random n (the incident and its timeline)
- `memory recent`: chatops.memory.log.recent(session, "ops")
- `memory search common`: search(session, "ops", "refund") — the most frequent word, in a quarter of the rows
- `memory search rare`: search for a word in a handful of rows; `memory search 2 words`
- `stats 7d` and the whole `status` report, the other acknowledged reads whose cost grows with rows

PostgreSQL runs in a database of its own (created here, dropped after), at OCC_TEST_PG's server.
Targets at 100k: search p95 < 50 ms, listing p95 < 20 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import load, pct  # noqa: E402

COMMON = ["refund", "order", "shipping", "delay", "customer", "checkout", "payment", "chatwoot", "shopify",
          "address", "tracking", "invoice", "discount", "return", "escalate", "manager", "answer", "reply",
          "template", "status", "parcel", "courier", "warehouse", "stock", "cancel", "subscription", "card",
          "declined", "chargeback", "dispute", "vip", "sla", "breach", "ticket", "linear", "analytics",
          "dashboard", "tile", "confusing", "state", "outage", "incident", "sev1", "sev2", "latency", "error"]
FILLER = ["the", "a", "when", "how", "do", "we", "is", "it", "for", "with", "to", "after", "before", "if",
          "they", "their", "should", "can", "not", "on"]


def vocabulary(rng: random.Random, size: int = 20000) -> tuple[list[str], list[float]]:
    """Support words first (the most frequent), then rare made-up product and customer words;
    returns the words and their cumulative Zipf weights."""
    words = COMMON + [f"{rng.choice(['sku', 'zx', 'lot', 'ref', 'mx'])}{i}" for i in range(size - len(COMMON))]
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1 / (rank + 10) ** 1.1  # the most frequent word is in about a quarter of the entries
        cumulative.append(total)
    return words, cumulative


def qa_text(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    picked = rng.choices(words, cum_weights=cumulative, k=16)
    question = " ".join(rng.choice(FILLER) + " " + w for w in picked[:8])
    answer = " ".join(rng.choice(FILLER) + " " + w for w in picked[8:])
    return f"Q: {question}? A: {answer}."


def fill(db, start: int, stop: int, rng: random.Random, vocab: tuple[list[str], list[float]]) -> None:  # noqa: ANN001
    """Incidents and Memory entries numbered start+1..stop (bulk inserts, like a restore)."""
    from sqlalchemy import insert

    from chatops.incidents.models import Incident, IncidentEvent
    from chatops.memory.models import MemoryEntry
    from storage.models import Counter

    now = datetime.now(timezone.utc)
    batch = 5000
    for low in range(start, stop, batch):
        high = min(stop, low + batch)
        incidents, events, entries = [], [], []
        for n in range(low + 1, high + 1):
            # 48 a day, row n going back n half-hours from now (100k reach 5.7 years back): whatever the
            # size, the same rows fall in a 7-day window (336) or today, so only the table size grows
            detected = now - timedelta(minutes=n * 30)
            is_open = n % 2000 == 0 or n <= 20  # a few dozen open at any size
            incidents.append(dict(
                id=n, number=n, title=f"Checkout errors on {rng.choice(['Shopify', 'Chatwoot', 'GA'])} ({n})",
                severity=f"SEV{rng.randint(1, 4)}", integration=rng.choice(["shopify", "chatwoot", "ga"]),
                description=qa_text(rng, *vocab)[:300], reporter="U0BENCH",
                status="investigating" if is_open else "resolved", detected_at=detected, created_at=detected,
                acknowledged_at=detected + timedelta(minutes=5), acknowledged_by="U0BENCH",
                resolved_at=None if is_open else detected + timedelta(minutes=45),
                resolved_by=None if is_open else "U0BENCH", channel=None))
            events.append(dict(incident_id=n, at=detected, actor="U0BENCH", kind="created",
                               text="opened as SEV2 (investigating)"))
            entries.append(dict(scope="ops" if n % 10 else "build", actor="U0BENCH", action="qa.capture",
                                rationale=qa_text(rng, *vocab), external_ref=f"qa:{n}", payload={},
                                created_at=detected))
        with db.session() as session:
            session.execute(insert(Incident), incidents)
            session.execute(insert(IncidentEvent), events)
            session.execute(insert(MemoryEntry), entries)
    with db.session() as session:
        counter = session.get(Counter, "incident")
        counter.value = stop
        session.add(counter)
        if db.dialect == "postgresql":
            from sqlalchemy import text

            session.execute(text("SELECT setval(pg_get_serial_sequence('incident', 'id'), :n)"), {"n": stop})
            session.execute(text("ANALYZE"))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    from storage.db import request_path

    for _ in range(5):
        with request_path():
            fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        with request_path():
            fn()
        samples.append((time.perf_counter() - started) * 1000)
    return pct(samples, 50), pct(samples, 95)


def operations(app, size: int, rng: random.Random) -> dict[str, Callable[[], object]]:  # noqa: ANN001
    from chatops.memory import log as memory

    db, svc, status = app.db, app.deps.use("incidents"), app.deps.use("status_service")
    rare = f"sku{size // 3}" if size > 3 else "sku1"

    def in_session(fn: Callable) -> Callable[[], object]:  # noqa: ANN001
        def run() -> object:
            with db.session() as session:
                return fn(session)
        return run

    return {
        "incidents (list open)": svc.open_incidents,
        "incident show": lambda: svc.get(rng.randint(1, size)),
        "memory recent": in_session(lambda s: memory.recent(s, "ops")),
        "memory search common word": in_session(lambda s: memory.search(s, "ops", "refund")),
        "memory search 2 words": in_session(lambda s: memory.search(s, "ops", "refund courier")),
        "memory search rare word": in_session(lambda s: memory.search(s, "ops", rare)),
        "stats 7d (`/occ stats`)": lambda: svc.stats(7),
        "status report (`/occ status`)": status.report,
    }


def matches(db, word: str) -> int:  # noqa: ANN001
    from chatops.memory import log as memory
    from storage.fts import search_ids

    with db.session() as session:
        return len(search_ids(session, memory.SEARCH, word, limit=1_000_000, where="t.scope = 'ops'"))


def run(dialect: str, url: str, sizes: list[int], repeat: int) -> None:
    from chatops.settings import load_settings
    from chatops.wiring import build

    os.environ.update({"DATABASE_URL": url, "DASHBOARD_USE_MOCK": "true"})
    app = build(load_settings())  # migrates, seeds the built-in templates
    db = app.db
    rng = random.Random(12)
    vocab = vocabulary(rng)
    done = 0
    try:
        for size in sizes:
            started = time.monotonic()
            fill(db, done, size, rng, vocab)
            done = size
            print(f"\n### {dialect}, {size:,} incidents + {size:,} Memory entries "
                  f"(filled in {time.monotonic() - started:.1f} s; 'refund' in {matches(db, 'refund'):,} "
                  f"ops entries; {load()})\n", flush=True)
            print("| operation | p50 | p95 |\n|---|---|---|")
            for name, fn in operations(app, size, rng).items():
                p50, p95 = timed(fn, repeat)
                print(f"| {name} | {p50:.2f} ms | {p95:.2f} ms |", flush=True)
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("-r", "--repeat", type=int, default=200, help="timed runs per operation and size")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/occ.db", sizes, args.repeat)
    if args.only != "sqlite":
        from tests.conftest import PG_ADMIN, PG_SKIP_REASON

        if PG_SKIP_REASON:
            print(f"\nPostgreSQL skipped: {PG_SKIP_REASON}")
            return
        import psycopg

        name = f"occ_bench_{uuid.uuid4().hex[:8]}"
        admin = PG_ADMIN.replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run("PostgreSQL", f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", sizes, args.repeat)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
