"""Reply templates against storage: the library and its versions, reviews, publishing through the
outbox, and the daily reminder. Every change is one transaction with its Memory `ops` entry and
the `chatwoot_templates/<id>` fact, so what a person was told is durable. Syncing with Chatwoot
(drift) is chatops.templates.sync."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import func, update
from sqlmodel import Session, select

from chatops.memory import log as memory
from chatops.outbox import enqueue
from chatops.outbox.chatwoot import KIND as PUBLISH_KIND, LANE as PUBLISH_LANE
from storage.db import Database
from storage.models import OutboxMessage
from storage.repos import claim_event

from .diff import changed, readable, word_diff
from .lint import Flag, flags, normalize
from .models import Template, TemplateReview, TemplateVersion

log = logging.getLogger(__name__)
Message = dict[str, Any]

DECISIONS = {"approve": "approved", "request_changes": "changes requested", "reject": "rejected"}
APPROVED, CHANGES, REJECTED = DECISIONS["approve"], DECISIONS["request_changes"], DECISIONS["reject"]
NEVER, DUE = "never reviewed", "due"
FACT_TOPIC = "chatwoot_templates"


class TemplateViews(Protocol):
    """How templates read in Slack (blocks.templates), bound at install time."""

    def reminder(self, due: list["TemplateState"], now: datetime) -> Message: ...


@dataclass(frozen=True)
class TemplateState:
    key: str
    label: str
    version: int
    body: str
    author: str  # of the current version
    state: str  # approved | changes requested | rejected | never reviewed | due
    review: TemplateReview | None  # the latest review
    chatwoot_id: int | None = None
    seen_at: datetime | None = None
    published_version: int | None = None
    published_at: datetime | None = None
    published_by: str | None = None
    publishing: int | None = None  # a version on its way to Chatwoot
    publish_error: str | None = None  # the last publish failed for good


@dataclass(frozen=True)
class ReviewInput:
    key: str
    base_version: int  # the version the modal showed
    body: str
    decision: str
    tone: int
    accuracy: int
    policy: int
    reviewer: str
    note: str | None = None
    view_id: str | None = None


@dataclass(frozen=True)
class ReviewOutcome:
    key: str
    label: str
    review: TemplateReview
    body: str  # the body reviewed
    diff: list[tuple[str, str]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    already: bool = False  # a resubmission of a review stored before

    @property
    def new_version(self) -> bool:
        return self.review.version != self.review.previous_version


@dataclass(frozen=True)
class PublishOutcome:
    status: str  # queued | waiting (Chatwoot MOCK) | pending | live | not_found | no_version | not_approved
    key: str
    version: int | None = None
    approved: int | None = None  # the latest approved version, for a hint
    decision: str | None = None  # the version's latest review, when not approved


def external_ref(tpl: Template) -> str:
    return f"chatwoot:canned:{tpl.chatwoot_id if tpl.chatwoot_id is not None else tpl.key}"


def state_of(review: TemplateReview | None, current_version: int, today: Any) -> str:
    """The latest review decides: none → never reviewed; not of the current version, or not
    today (UTC) → due; else its decision."""
    if review is None:
        return NEVER
    if review.version != current_version or review.created_at.astimezone(timezone.utc).date() != today:
        return DUE
    return DECISIONS.get(review.decision, DUE)


class TemplateService:
    def __init__(self, db: Database, *, views: TemplateViews, channel: str | None, live: bool):
        self.db = db
        self.views = views
        self.channel = channel  # OCC_SUPPORT_CHANNEL: the daily reminder
        self.live = live  # Chatwoot is connected (not MOCK): publishes are delivered

    # --- reads --------------------------------------------------------------------------
    def states(self, now: datetime | None = None, key: str | None = None) -> list[TemplateState]:
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            query = select(Template).order_by(Template.key)
            if key is not None:
                query = query.where(Template.key == key)
            templates = list(session.exec(query).all())
            if not templates:
                return []
            ids = [t.id for t in templates]
            latest = select(func.max(TemplateReview.id)).where(TemplateReview.template_id.in_(ids)) \
                .group_by(TemplateReview.template_id)  # type: ignore[attr-defined]
            reviews = {r.template_id: r for r in session.exec(
                select(TemplateReview).where(TemplateReview.id.in_(latest))).all()}  # type: ignore[union-attr]
            versions = {(v.template_id, v.version): v for v in session.exec(
                select(TemplateVersion).join(Template, Template.id == TemplateVersion.template_id)
                .where(TemplateVersion.template_id.in_(ids))  # type: ignore[attr-defined]
                .where(TemplateVersion.version == Template.current_version)).all()}
            outbox_ids = [t.publish_outbox_id for t in templates if t.publish_outbox_id is not None]
            rows = {r.id: r for r in session.exec(
                select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids or [-1]))).all()}  # type: ignore[union-attr]
        today = now.astimezone(timezone.utc).date()
        out = []
        for t in templates:
            current = versions.get((t.id, t.current_version))
            row = rows.get(t.publish_outbox_id) if t.publish_outbox_id is not None else None
            out.append(TemplateState(
                key=t.key, label=t.label, version=t.current_version, body=current.body if current else "",
                author=current.author if current else "", state=state_of(reviews.get(t.id), t.current_version, today),
                review=reviews.get(t.id), chatwoot_id=t.chatwoot_id, seen_at=t.seen_at,
                published_version=t.published_version, published_at=t.published_at, published_by=t.published_by,
                publishing=t.publish_version if row is not None and row.status == "pending" else None,
                publish_error=row.last_error if row is not None and row.status == "failed" else None))
        return out

    def get(self, key: str, now: datetime | None = None) -> TemplateState | None:
        """A template by its id, exactly or else ignoring case."""
        found = self.states(now, key=key)
        if not found:
            with self.db.session() as session:
                match = session.exec(select(Template.key).where(func.lower(Template.key) == key.lower())).first()
            found = self.states(now, key=match) if match else []
        return found[0] if found else None

    def version(self, key: str, number: int) -> TemplateVersion | None:
        with self.db.session() as session:
            return session.exec(select(TemplateVersion).join(Template, Template.id == TemplateVersion.template_id)
                                .where(Template.key == key).where(TemplateVersion.version == number)).first()

    # --- reviews ------------------------------------------------------------------------
    def review(self, r: ReviewInput, now: datetime | None = None) -> ReviewOutcome | None:
        """Store a review (and the new version, when the body changed). None: no such template.
        A resubmission of the same modal (its view id) returns the review stored the first time."""
        now = now or datetime.now(timezone.utc)
        if r.decision not in DECISIONS:
            raise ValueError(r.decision)
        if r.view_id and (stored := self._by_view(r.view_id)) is not None:
            return stored
        with self.db.session() as session:
            tpl = self.locked(session, r.key)
            if tpl is None:
                return None
            if r.view_id and not claim_event(session, f"view:{r.view_id}", "view_submission"):
                session.rollback()
                return self._by_view(r.view_id)
            base = self.version_row(session, tpl, r.base_version) or self.version_row(session, tpl,
                                                                                      tpl.current_version)
            assert base is not None
            body = normalize(r.body)
            pieces = word_diff(base.body, body)
            reviewed = base.version
            if changed(pieces):
                tpl.current_version += 1
                reviewed = tpl.current_version
                session.add(TemplateVersion(template_id=tpl.id, version=reviewed, body=body, author=r.reviewer[:64],
                                            source="review", created_at=now))
            found = flags(body)
            diff_text = readable(pieces) if changed(pieces) else None
            review = TemplateReview(template_id=tpl.id, version=reviewed, previous_version=base.version,
                                    decision=r.decision, tone=r.tone, accuracy=r.accuracy, policy=r.policy,
                                    note=(r.note or "").strip()[:3000] or None, reviewer=r.reviewer[:64],
                                    flags=[{"kind": f.kind, "text": f.text} for f in found],
                                    diff=diff_text[:6000] if diff_text else None,
                                    view_id=r.view_id[:32] if r.view_id else None, created_at=now)
            session.add(tpl)
            session.add(review)
            session.flush()
            grades = f"tone {r.tone} · accuracy {r.accuracy} · policy {r.policy}"
            rationale = f"{tpl.key} v{reviewed} {DECISIONS[r.decision]} ({grades})"
            rationale += f": {review.note}" if review.note else ""
            rationale += f" — changed from v{base.version}: {diff_text}" if diff_text else ""
            memory.record(session, scope="ops", actor=r.reviewer, action=f"template.review.{r.decision}",
                          rationale=rationale, external_ref=external_ref(tpl),
                          payload={"template": tpl.key, "version": reviewed, "previous_version": base.version,
                                   "decision": r.decision, "grades": {"tone": r.tone, "accuracy": r.accuracy,
                                                                      "policy": r.policy},
                                   "note": review.note, "diff": diff_text, "body_changed": diff_text is not None,
                                   "flags": review.flags})
            self.record_fact(session, tpl, now)
            return ReviewOutcome(tpl.key, tpl.label, review, body, pieces if diff_text else [], found)

    def _by_view(self, view_id: str) -> ReviewOutcome | None:
        with self.db.session() as session:
            review = session.exec(select(TemplateReview).where(TemplateReview.view_id == view_id[:32])).first()
            if review is None:
                return None
            tpl = session.get(Template, review.template_id)
            reviewed = self.version_row(session, tpl, review.version)
            before = self.version_row(session, tpl, review.previous_version)
        assert tpl is not None and reviewed is not None and before is not None
        pieces = word_diff(before.body, reviewed.body) if review.diff else []
        return ReviewOutcome(tpl.key, tpl.label, review, reviewed.body, pieces, flags(reviewed.body), already=True)

    # --- publishing -----------------------------------------------------------------------
    def request_publish(self, key: str, version: int | None, manager: str,
                        now: datetime | None = None) -> PublishOutcome:
        """Queue an approved version for Chatwoot (the outbox's chatwoot target delivers it)."""
        now = now or datetime.now(timezone.utc)
        with self.db.session() as session:
            tpl = self.locked(session, key) or self.locked(session, self._key_ignoring_case(session, key))
            if tpl is None:
                return PublishOutcome("not_found", key)
            number = version or tpl.current_version
            chosen = self.version_row(session, tpl, number)
            if chosen is None:
                return PublishOutcome("no_version", tpl.key, number)
            latest = session.exec(select(TemplateReview).where(TemplateReview.template_id == tpl.id)
                                  .where(TemplateReview.version == number)
                                  .order_by(TemplateReview.id.desc())).first()  # type: ignore[union-attr]
            if latest is None or latest.decision != "approve":
                return PublishOutcome("not_approved", tpl.key, number, approved=self._latest_approved(session, tpl),
                                      decision=DECISIONS[latest.decision] if latest else NEVER)
            pending = session.get(OutboxMessage, tpl.publish_outbox_id) if tpl.publish_outbox_id else None
            if pending is not None and pending.status == "pending":
                return PublishOutcome("pending", tpl.key, tpl.publish_version)
            if tpl.published_version == number and tpl.seen_body == chosen.body:
                return PublishOutcome("live", tpl.key, number)
            row = enqueue(session, target="chatwoot", kind=PUBLISH_KIND, channel=PUBLISH_LANE,
                          message={"short_code": tpl.key, "content": chosen.body, "version": number,
                                   "by": manager[:64]})
            tpl.publish_outbox_id, tpl.publish_version, tpl.publish_by = row.id, number, manager[:64]
            session.add(tpl)
            return PublishOutcome("queued" if self.live else "waiting", tpl.key, number)

    def on_delivered(self, session: Session, row: OutboxMessage) -> None:
        """An on_delivered subscriber: a publish reached Chatwoot. Records it on the template,
        in Memory `ops` and in the fact, in the transaction that records the delivery."""
        if row.target != "chatwoot" or row.kind != PUBLISH_KIND:
            return
        tpl = session.exec(select(Template).where(Template.publish_outbox_id == row.id)).first()
        if tpl is None:
            return
        result = row.result or {}
        canned = result.get("canned_id")
        if isinstance(canned, int) and not isinstance(canned, bool):
            tpl.chatwoot_id = canned
        at = row.sent_at or datetime.now(timezone.utc)
        by = tpl.publish_by or str(row.payload.get("by") or "occ")
        tpl.published_version, tpl.published_at, tpl.published_by = tpl.publish_version, at, by
        tpl.seen_body = str(row.payload.get("content") or "") or tpl.seen_body
        session.add(tpl)
        session.flush()
        when = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        memory.record(session, scope="ops", actor=by, action="template.publish",
                      rationale=f"{tpl.key}: published v{tpl.published_version} by {by} at {when}",
                      external_ref=external_ref(tpl),
                      payload={"template": tpl.key, "version": tpl.published_version, "chatwoot_id": tpl.chatwoot_id,
                               "chatwoot_action": result.get("action"), "published_at": at.isoformat()})
        self.record_fact(session, tpl, at)

    # --- the daily reminder -------------------------------------------------------------------
    def remind_due(self, now: datetime | None = None) -> int:
        """The templates due for review, one message in OCC_SUPPORT_CHANNEL (through the outbox),
        at most one a day. Returns how many templates it named."""
        now = now or datetime.now(timezone.utc)
        if not self.channel:
            log.info("template review reminder: no OCC_SUPPORT_CHANNEL set; nothing posted")
            return 0
        due = [s for s in self.states(now) if s.state in (DUE, NEVER)]
        if not due:
            return 0
        key = f"template-review-reminder:{now.astimezone(timezone.utc).date().isoformat()}"
        with self.db.session() as session:
            if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first() is not None:
                return 0
            enqueue(session, channel=self.channel, message=self.views.reminder(due, now), dedupe_key=key)
        return len(due)

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def _key_ignoring_case(session: Session, key: str) -> str:
        return session.exec(select(Template.key).where(func.lower(Template.key) == key.lower())).first() or key

    @staticmethod
    def locked(session: Session, key: str) -> Template | None:
        """The template row, locked: a no-op write first takes SQLite's write lock (and
        PostgreSQL's row lock) before anything is read."""
        session.execute(update(Template).where(Template.key == key).values(key=Template.key))
        return session.exec(select(Template).where(Template.key == key).with_for_update()).first()

    @staticmethod
    def version_row(session: Session, tpl: Template | None, number: int) -> TemplateVersion | None:
        if tpl is None:
            return None
        return session.exec(select(TemplateVersion).where(TemplateVersion.template_id == tpl.id)
                            .where(TemplateVersion.version == number)).first()

    @staticmethod
    def _latest_approved(session: Session, tpl: Template) -> int | None:
        reviews = session.exec(select(TemplateReview).where(TemplateReview.template_id == tpl.id)
                               .order_by(TemplateReview.id.desc())).all()  # type: ignore[union-attr]
        latest: dict[int, str] = {}
        for r in reviews:
            latest.setdefault(r.version, r.decision)
        approved = [v for v, decision in latest.items() if decision == "approve"]
        return max(approved) if approved else None

    def record_fact(self, session: Session, tpl: Template, now: datetime) -> None:
        """chatwoot_templates/<id>: where the template stands now, as JSON."""
        review = session.exec(select(TemplateReview).where(TemplateReview.template_id == tpl.id)
                              .order_by(TemplateReview.id.desc())).first()  # type: ignore[union-attr]
        value = {"label": tpl.label, "version": tpl.current_version,
                 "state": state_of(review, tpl.current_version, now.astimezone(timezone.utc).date()),
                 "chatwoot_id": tpl.chatwoot_id, "published_version": tpl.published_version,
                 "published_at": tpl.published_at.isoformat() if tpl.published_at else None,
                 "published_by": tpl.published_by}
        if review is not None:
            value["last_review"] = {"version": review.version, "decision": review.decision, "by": review.reviewer,
                                    "at": review.created_at.isoformat(),
                                    "grades": {"tone": review.tone, "accuracy": review.accuracy,
                                               "policy": review.policy}}
        memory.set_fact(session, FACT_TOPIC, tpl.key, json.dumps(value, ensure_ascii=False))
