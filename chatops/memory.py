"""Memory: the team's decision log (DOMAIN.md). Entries are written in the transaction of the
decision they record, and read back by `/occ memory [scope]`."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from blocks.memory import memory_message
from chatops.commands import Ctx, Invocation, Registry, Subcommand
from storage.models import MemoryEntry

SCOPES = ("ops", "build")


def record(session: Session, *, scope: str, actor: str, action: str, rationale: str | None = None,
           external_ref: str | None = None, evidence_url: str | None = None,
           payload: dict[str, Any] | None = None) -> MemoryEntry:
    if scope not in SCOPES:
        raise ValueError(f"unknown memory scope {scope!r}")
    entry = MemoryEntry(scope=scope, actor=actor[:64], action=action[:64],
                        rationale=(rationale or None) and rationale[:3000], external_ref=external_ref,
                        evidence_url=evidence_url, payload=dict(payload or {}))
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, scope: str, limit: int = 15) -> list[MemoryEntry]:
    return list(session.exec(select(MemoryEntry).where(MemoryEntry.scope == scope)
                             .order_by(MemoryEntry.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


def _run(inv: Invocation, ctx: Ctx) -> None:
    scope = (inv.args.split() or ["ops"])[0].lower()
    if scope not in SCOPES:
        ctx.messenger.respond(inv, memory_message(scope, [], unknown=True))
        return
    with ctx.services.db.session() as session:
        entries = recent(session, scope)
    ctx.messenger.respond(inv, memory_message(scope, entries))


def register(registry: Registry) -> None:
    registry.add(Subcommand(name="memory", usage="[ops|build]", summary="recent Memory decision-log entries",
                            run=_run))
