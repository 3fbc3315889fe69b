"""The Memory decision log: a leaf any feature writes to, in the transaction of the decision it
records (DOMAIN.md Memory). Reads: recent entries, and full-text search."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, select

from storage.fts import SearchSpec, search_ids

from .models import MemoryEntry, MemoryFact

SCOPES = ("ops", "build")
SEARCH = SearchSpec("memory_entry", ("action", "actor", "rationale", "external_ref"))


def record(session: Session, *, scope: str, actor: str, action: str, rationale: str | None = None,
           external_ref: str | None = None, evidence_url: str | None = None,
           payload: dict[str, Any] | None = None) -> MemoryEntry:
    if scope not in SCOPES:
        raise ValueError(f"unknown memory scope {scope!r}")
    entry = MemoryEntry(scope=scope, actor=actor[:64], action=action[:64],
                        rationale=(rationale or None) and rationale[:3000],
                        external_ref=external_ref[:128] if external_ref else None,
                        evidence_url=evidence_url[:500] if evidence_url else None, payload=dict(payload or {}))
    session.add(entry)
    session.flush()
    return entry


def set_fact(session: Session, topic: str, key: str, value: str) -> MemoryFact:
    fact = session.get(MemoryFact, (topic[:64], key[:128]))
    if fact is None:
        fact = MemoryFact(topic=topic[:64], key=key[:128], value=value[:3000])
    else:
        fact.value, fact.created_at = value[:3000], datetime.now(timezone.utc)
    session.add(fact)
    session.flush()
    return fact


def fact(session: Session, topic: str, key: str) -> MemoryFact | None:
    return session.get(MemoryFact, (topic[:64], key[:128]))


def recent(session: Session, scope: str, limit: int = 15) -> list[MemoryEntry]:
    return list(session.exec(select(MemoryEntry).where(MemoryEntry.scope == scope)
                             .order_by(MemoryEntry.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


def search(session: Session, scope: str, words: str, limit: int = 15) -> list[MemoryEntry]:
    """Entries of `scope` matching every word, best match first."""
    ids = search_ids(session, SEARCH, words, limit=limit, where="t.scope = :scope", params={"scope": scope})
    rows = {e.id: e for e in session.exec(select(MemoryEntry).where(MemoryEntry.id.in_(ids or [-1]))).all()}  # type: ignore[union-attr]
    return [rows[i] for i in ids if i in rows]


def between(session: Session, scope: str, since: datetime, until: datetime, *, action_prefix: str = "",
            limit: int = 50) -> list[MemoryEntry]:
    """Entries of `scope` written in [since, until), newest first (optionally of one family of actions)."""
    query = (select(MemoryEntry).where(MemoryEntry.scope == scope).where(MemoryEntry.created_at >= since)
             .where(MemoryEntry.created_at < until))
    if action_prefix:
        query = query.where(MemoryEntry.action.startswith(action_prefix))  # type: ignore[attr-defined]
    return list(session.exec(query.order_by(MemoryEntry.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
