"""Keeping the library in step with Chatwoot's canned responses (short_code = template id).

A canned response the library lacks is added (version 1, by Chatwoot). One whose content differs
from what Chatwoot last held, and from the library's current version, was changed in Chatwoot by
hand: drift, recorded as a new version by Chatwoot, a Memory `ops` entry and the fact. A template
with a publish on its way is left alone: the publish will put its own body there."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from chatops.memory import log as memory
from storage.models import OutboxMessage

from .diff import readable, word_diff
from .lint import normalize
from .models import BODY_MAX, Template, TemplateVersion
from .service import TemplateService, external_ref

log = logging.getLogger(__name__)
CHATWOOT = "chatwoot"  # the author of what changed in Chatwoot


@dataclass(frozen=True)
class SyncOutcome:
    added: list[str] = field(default_factory=list)
    drifted: list[str] = field(default_factory=list)
    error: str | None = None  # Chatwoot could not be read
    skipped: bool = False  # Chatwoot is MOCK: the built-in templates stand

    @property
    def changed(self) -> bool:
        return bool(self.added or self.drifted)


def label_for(short_code: str) -> str:
    """A label for a canned response (Chatwoot keeps none): `order_status` → "Order status"."""
    words = short_code.replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:])[:100] or short_code[:100]


class TemplateSync:
    def __init__(self, svc: TemplateService, fetch: Callable[[], Sequence[Any]] | None):
        self.svc = svc
        self.fetch = fetch  # → Chatwoot's canned responses (id, short_code, content); None when MOCK

    def run(self, now: datetime | None = None) -> SyncOutcome:
        if self.fetch is None:
            return SyncOutcome(skipped=True)
        try:
            canned = list(self.fetch())
        except Exception as exc:  # noqa: BLE001 - an IntegrationError or a timeout: said in plain words
            message = getattr(exc, "message", None) or f"no answer ({type(exc).__name__})"
            log.warning("template sync: Chatwoot could not be read: %s", message)
            return SyncOutcome(error=message)
        return self.apply(canned, now)

    def apply(self, canned: Sequence[Any], now: datetime | None = None) -> SyncOutcome:
        now = now or datetime.now(timezone.utc)
        added: list[str] = []
        drifted: list[str] = []
        for item in canned:
            code = str(item.short_code)[:64]
            try:
                outcome = self._one(code, int(item.id), normalize(str(item.content or ""))[:BODY_MAX], now)
            except IntegrityError:  # another replica added it at the same moment
                continue
            (added if outcome == "added" else drifted if outcome == "drift" else []).append(code)
        if added or drifted:
            log.info("template sync: added %s, drift in %s", added or "none", drifted or "none")
        return SyncOutcome(added, drifted)

    def _one(self, code: str, canned_id: int, body: str, now: datetime) -> str | None:
        svc = self.svc
        with svc.db.session() as session:
            tpl = svc.locked(session, code)
            if tpl is None:
                return self._add(session, code, canned_id, body, now) if body else None
            tpl.chatwoot_id, tpl.seen_at = canned_id, now
            session.add(tpl)
            if not body or tpl.seen_body == body or self._publish_explains(session, tpl, body):
                return None
            current = svc.version_row(session, tpl, tpl.current_version)
            assert current is not None
            if current.body == body:  # Chatwoot holds the library's current body: nothing drifted
                tpl.seen_body = body
                return None
            pieces = word_diff(current.body, body)
            tpl.current_version += 1
            tpl.seen_body = body
            session.add(TemplateVersion(template_id=tpl.id, version=tpl.current_version, body=body, author=CHATWOOT,
                                        source=CHATWOOT, created_at=now))
            session.add(tpl)
            session.flush()
            diff_text = readable(pieces)
            memory.record(session, scope="ops", actor=CHATWOOT, action="template.drift",
                          rationale=f"{tpl.key} was changed in Chatwoot by hand: now v{tpl.current_version} "
                                    f"(was v{current.version}): {diff_text}",
                          external_ref=external_ref(tpl),
                          payload={"template": tpl.key, "version": tpl.current_version,
                                   "previous_version": current.version, "chatwoot_id": canned_id, "diff": diff_text})
            svc.record_fact(session, tpl, now)
            return "drift"

    def _add(self, session: Session, code: str, canned_id: int, body: str, now: datetime) -> str:
        with session.begin_nested():
            tpl = Template(key=code, label=label_for(code), current_version=1, chatwoot_id=canned_id, seen_body=body,
                           seen_at=now, created_at=now)
            session.add(tpl)
            session.flush()
            session.add(TemplateVersion(template_id=tpl.id, version=1, body=body, author=CHATWOOT, source=CHATWOOT,
                                        created_at=now))
            session.flush()
        self.svc.record_fact(session, tpl, now)
        return "added"

    @staticmethod
    def _publish_explains(session: Session, tpl: Template, body: str) -> bool:
        """A publish on its way will put its body there; one just delivered (its subscriber not
        yet run) put exactly this body there. Neither is drift."""
        row = session.get(OutboxMessage, tpl.publish_outbox_id) if tpl.publish_outbox_id else None
        if row is None:
            return False
        if row.status == "pending":
            return True
        if row.status == "sent" and normalize(str(row.payload.get("content") or "")) == body:
            tpl.seen_body = body
            return True
        return False
