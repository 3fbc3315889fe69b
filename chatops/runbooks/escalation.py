"""Escalating a Chatwoot conversation from an SLA-breach alert (SOP-CX-003): the ladder names the
next level and who; the conversation gets the `escalation` label and an internal note with the
customer's expectation, through the outbox; Memory `ops` logs it; the alert's thread says so."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from sqlmodel import select

from chatops.health.sla import ESCALATION_LABELS
from chatops.memory.log import record
from chatops.memory.models import MemoryEntry
from chatops.outbox import enqueue
from chatops.outbox.chatwoot import ESCALATE
from storage.db import Database
from storage.repos import claim_event

from .catalog import Runbook, Rung

LABEL = "escalation"
FALLBACK = "order-status"  # the general ladder when a conversation's labels name no runbook


class EscalationViews(Protocol):
    def thread_note(self, plan: "Plan", actor: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Plan:
    conversation_id: str
    level: str  # L2 | L3
    rung: Rung
    runbook: Runbook
    customer: str | None = None
    before: tuple[str, ...] = ()  # levels it was escalated to already (Memory ops)


def next_level(labels: Sequence[str]) -> str:
    """L1 answered too late: L2 (CX Lead). Already labelled escalation: L3 (Operations Manager)."""
    return "L3" if ESCALATION_LABELS & {label.lower() for label in labels} else "L2"


def runbook_for(books: Sequence[Runbook], labels: Sequence[str]) -> Runbook:
    wanted = {label.lower() for label in labels} - ESCALATION_LABELS
    for book in books:
        if book.kind == "conversation" and wanted & set(book.labels):
            return book
    return next(b for b in books if b.id == FALLBACK)


class EscalationService:
    def __init__(self, db: Database, books: Sequence[Runbook], episode: Callable[[str], Any],
                 views: EscalationViews, *, live: bool):
        self.db = db
        self.books = books
        self.episode = episode  # health: the conversation's latest SLA episode
        self.views = views
        self.live = live  # Chatwoot connected: the outbox delivers the label and the note

    def plan(self, conversation_id: str) -> Plan | None:
        ep = self.episode(conversation_id)
        if ep is None:
            return None
        labels = [str(label) for label in (ep.details or {}).get("labels") or []]
        before = self._before(conversation_id)
        level = "L3" if before else next_level(labels)  # escalated once already: the top of the ladder
        book = runbook_for(self.books, labels)
        return Plan(conversation_id, level, getattr(book.ladder, level), book, (ep.details or {}).get("customer"),
                    before)

    def _before(self, conversation_id: str) -> tuple[str, ...]:
        with self.db.session() as session:
            entries = session.exec(select(MemoryEntry).where(MemoryEntry.action == "conversation.escalate")
                                   .where(MemoryEntry.external_ref == f"chatwoot:conversation:{conversation_id}")
                                   .order_by(MemoryEntry.id)).all()  # type: ignore[union-attr]
        return tuple(str((e.payload or {}).get("level") or "?") for e in entries)

    def escalate(self, plan: Plan, actor: str, expectation: str, note: str | None, once: str | None) -> bool:
        """Queue the label and the note, log it, tell the alert's thread. False: already done for
        this submission (`once`, the modal's view id)."""
        ep = self.episode(plan.conversation_id)
        text = (f"Escalated to {plan.level} ({plan.rung.who}) per SOP-CX-003 by Slack user {actor}.\n"
                f"Customer expects: {expectation}" + (f"\nNote: {note}" if note else "")
                + f"\nLadder: {plan.rung.when}; {plan.rung.does}.")
        with self.db.session() as session:
            if once is not None and not claim_event(session, f"view:{once}", "escalation"):
                return False
            marker = f"[occ escalation {once or plan.conversation_id}]"
            enqueue(session, target="chatwoot", kind=ESCALATE, channel=str(plan.conversation_id),
                    message={"conversation_id": plan.conversation_id, "label": LABEL, "note": text,
                             "marker": marker})
            record(session, scope="ops", actor=actor, action="conversation.escalate", rationale=expectation,
                   external_ref=f"chatwoot:conversation:{plan.conversation_id}",
                   payload={"level": plan.level, "who": plan.rung.who, "runbook": plan.runbook.id, "note": note})
            if ep is not None and ep.outbox_id is not None:
                enqueue(session, channel=ep.channel, parent_id=ep.outbox_id, message=self.views.thread_note(plan, actor))
        return True
