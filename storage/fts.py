"""Full-text search, one implementation per database: SQLite FTS5 (an external-content table kept
by triggers) and PostgreSQL `tsvector` (a generated column with a GIN index). Whatever a person
types is split into words and each word is quoted, so quotes, `*`, `-`, `OR` or SQL are just words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

MAX_WORDS = 16
# Ranking reads every candidate: a word in a quarter of 100,000 rows made a search cost 40-75 ms.
# The best matches are taken from the CANDIDATES most recent rows matching every word (all of them,
# the same answer as before, whenever fewer match): a bounded read, ~2 ms at any size.
CANDIDATES = 1000
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchSpec:
    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"


def words(query: str) -> list[str]:
    """The words of what a person typed (at most MAX_WORDS, each at most 64 characters)."""
    return [w[:64] for w in _WORD.findall(query or "")][:MAX_WORDS]


def sqlite_match(query: str) -> str:
    """An FTS5 MATCH expression: every word quoted (a phrase of one word), all of them required."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words(query))


def create_statements(spec: SearchSpec, dialect: str) -> list[str]:
    """DDL for a migration: the index and whatever keeps it current, filled from existing rows."""
    cols = ", ".join(spec.columns)
    if dialect == "sqlite":
        new = ", ".join(f"new.{c}" for c in spec.columns)
        old = ", ".join(f"old.{c}" for c in spec.columns)
        t, f = spec.table, spec.fts
        return [
            f"CREATE VIRTUAL TABLE {f} USING fts5({cols}, content='{t}', content_rowid='id', "
            f"tokenize='porter unicode61')",
            f"CREATE TRIGGER {f}_ai AFTER INSERT ON {t} BEGIN "
            f"INSERT INTO {f}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER {f}_ad AFTER DELETE ON {t} BEGIN "
            f"INSERT INTO {f}({f}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER {f}_au AFTER UPDATE ON {t} BEGIN "
            f"INSERT INTO {f}({f}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {f}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"INSERT INTO {f}({f}) VALUES ('rebuild')",
        ]
    doc = " || ' ' || ".join(f"coalesce({c}, '')" for c in spec.columns)
    return [
        f"ALTER TABLE {spec.table} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('english', {doc})) STORED",
        f"CREATE INDEX ix_{spec.table}_search ON {spec.table} USING GIN (search_vector)",
    ]


def drop_statements(spec: SearchSpec, dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {spec.fts}_{s}" for s in ("ai", "ad", "au")] + [
            f"DROP TABLE IF EXISTS {spec.fts}"]
    return [f"DROP INDEX IF EXISTS ix_{spec.table}_search",
            f"ALTER TABLE {spec.table} DROP COLUMN IF EXISTS search_vector"]


def search_ids(session: Session, spec: SearchSpec, query: str, *, limit: int = 50,
               where: str = "", params: dict[str, Any] | None = None, candidates: int = CANDIDATES) -> list[int]:
    """Ids of the rows matching every word, best match first (among the `candidates` most recent
    matches). `where` is an extra SQL condition on the table (aliased `t`) written by the caller,
    with its own bound `params`."""
    if not words(query):
        return []
    bound: dict[str, Any] = {"limit": limit, "candidates": max(limit, candidates), **(params or {})}
    extra = f" AND ({where})" if where else ""
    if session.get_bind().dialect.name == "sqlite":
        bound["q"] = sqlite_match(query)
        sql = (f"SELECT id FROM (SELECT t.id AS id, bm25({spec.fts}) AS score FROM {spec.fts} "
               f"JOIN {spec.table} t ON t.id = {spec.fts}.rowid WHERE {spec.fts} MATCH :q{extra} "
               f"ORDER BY {spec.fts}.rowid DESC LIMIT :candidates) ORDER BY score, id DESC LIMIT :limit")
    else:
        bound["q"] = " ".join(words(query))
        sql = (f"SELECT c.id FROM (SELECT t.id, t.search_vector FROM {spec.table} t "
               f"WHERE t.search_vector @@ plainto_tsquery('english', :q){extra} "
               f"ORDER BY t.id DESC LIMIT :candidates) c "
               f"ORDER BY ts_rank(c.search_vector, plainto_tsquery('english', :q)) DESC, c.id DESC LIMIT :limit")
    return [int(row[0]) for row in session.execute(text(sql), bound).all()]
