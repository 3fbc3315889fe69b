"""Alert episodes: open one per outage (or SLA slip), edit it as the state moves, resolve it with
a threaded notice, remind at most every few hours. Every change is written with its outbox rows in
the caller's transaction, and the partial unique index on open episodes keeps one per key even
when two replicas race."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, Sequence

from sqlmodel import Session, select

from chatops.health.model import IntegrationHealth, State
from chatops.health.sla import Breach
from chatops.outbox import enqueue

from .models import AlertEpisode

Message = dict[str, Any]


class AlertViews(Protocol):
    """How alerts read in Slack (blocks.alerts): bound at install time, so this module stays pure domain."""

    def integration_alert(self, ep: AlertEpisode, name: str, now: datetime) -> Message: ...

    def recovery_notice(self, name: str, ep: AlertEpisode) -> Message: ...

    def reminder(self, name: str, ep: AlertEpisode, now: datetime) -> Message: ...

    def sla_breach_alert(self, breaches: Sequence[Breach], sla_minutes: int, episode_ids: Sequence[int]) -> Message: ...

    def breach_rate_alert(self, ep: AlertEpisode, rate: float, open_count: int, now: datetime) -> Message: ...

GROUP_ABOVE = 5  # more new breaches than this in one probe: one grouped message


@dataclass(frozen=True)
class AlertRules:
    channel: str
    reminder_every: timedelta = timedelta(hours=4)
    snooze_for: timedelta = timedelta(hours=1)
    rate_warn: float = 0.20
    rate_critical: float = 0.40


def open_episode(session: Session, key: str) -> AlertEpisode | None:
    """The open episode for `key`, locked (PostgreSQL) until the transaction ends, so two
    replicas at a hand-over cannot both move it."""
    return session.exec(select(AlertEpisode).where(AlertEpisode.key == key)
                        .where(AlertEpisode.resolved_at.is_(None)).with_for_update()).first()  # type: ignore[union-attr]


def _edit(session: Session, ep: AlertEpisode, message: Message) -> None:
    if ep.outbox_id is not None:
        enqueue(session, channel=ep.channel, message=message, kind="update", parent_id=ep.outbox_id)


class Alerts:
    def __init__(self, rules: AlertRules, names: dict[str, str], views: AlertViews):
        self.rules = rules
        self.names = names  # integration key → display name
        self.views = views

    # --- integrations ----------------------------------------------------------------------
    def integration_state(self, session: Session, item: IntegrationHealth, state: State, now: datetime) -> None:
        key = f"integration:{item.key}"
        ep = open_episode(session, key)
        name = self.names.get(item.key, item.key)
        if state in (State.DOWN, State.DEGRADED):
            if ep is None:
                ep = AlertEpisode(key=key, kind="integration", subject=item.key, state=state.value, opened_at=now,
                                  changed_at=now, channel=self.rules.channel, last_error=item.error,
                                  latency_ms=item.latency_ms, details={"worst": state.value})
                session.add(ep)
                session.flush()  # the unique open-episode index answers here if another replica won
                row = enqueue(session, channel=ep.channel, message=self.views.integration_alert(ep, name, now))
                ep.outbox_id = row.id
                session.add(ep)
                return
            ep.last_error = item.error or ep.last_error
            ep.latency_ms = item.latency_ms
            if ep.state != state.value:
                ep.state, ep.changed_at = state.value, now
                if state == State.DOWN:
                    ep.details = {**ep.details, "worst": State.DOWN.value}
                _edit(session, ep, self.views.integration_alert(ep, name, now))
            session.add(ep)
        elif state == State.OK and ep is not None:
            ep.resolved_at = ep.changed_at = now
            ep.latency_ms = item.latency_ms
            session.add(ep)
            _edit(session, ep, self.views.integration_alert(ep, name, now))
            if ep.outbox_id is not None:
                enqueue(session, channel=ep.channel, message=self.views.recovery_notice(name, ep), parent_id=ep.outbox_id)

    # --- Chatwoot SLA ----------------------------------------------------------------------
    def conversation_breaches(self, session: Session, breaches: Sequence[Breach], sla_minutes: int,
                              now: datetime, *, complete: bool = True) -> list[AlertEpisode]:
        """Alert each newly breaching conversation once; resolve those no longer breaching. From a
        partial listing (`complete` False: Chatwoot had more than was read) a conversation that is
        missing may simply not have been read, so its episode stays open."""
        current = {f"sla:conversation:{b.conversation.id}": b for b in breaches}
        open_eps = session.exec(select(AlertEpisode).where(AlertEpisode.kind == "sla_conversation")
                                .where(AlertEpisode.resolved_at.is_(None))).all()  # type: ignore[union-attr]
        for ep in open_eps:
            if ep.key not in current and not complete:
                continue
            if ep.key not in current:
                ep.resolved_at = ep.changed_at = now
                session.add(ep)
            elif ep.state != current[ep.key].priority:  # P2 → P1 as the wait grows
                ep.state, ep.changed_at = current[ep.key].priority, now
                session.add(ep)
        known = {ep.key for ep in open_eps}
        fresh = [b for k, b in current.items() if k not in known]
        if not fresh:
            return []
        created = []
        for b in fresh:
            c = b.conversation
            ep = AlertEpisode(key=f"sla:conversation:{c.id}", kind="sla_conversation", subject=str(c.id)[:64],
                              state=b.priority, opened_at=now, changed_at=now, channel=self.rules.channel,
                              details={"customer": c.customer, "created_at": c.created_at.isoformat(),
                                       "assignee": c.assignee, "labels": list(c.labels)[:20]})
            session.add(ep)
            created.append(ep)
        session.flush()
        groups = [fresh] if len(fresh) > GROUP_ABOVE else [[b] for b in fresh]
        by_key = {ep.key: ep for ep in created}
        for group in groups:
            eps = [by_key[f"sla:conversation:{b.conversation.id}"] for b in group]
            row = enqueue(session, channel=self.rules.channel,
                          message=self.views.sla_breach_alert(group, sla_minutes, [e.id for e in eps]))
            for ep in eps:
                ep.outbox_id = row.id
                session.add(ep)
        return created

    def breach_rate(self, session: Session, rate: float, open_count: int, now: datetime) -> None:
        key = "sla_rate:chatwoot"
        level = ("critical" if rate > self.rules.rate_critical else "warning" if rate > self.rules.rate_warn else None)
        ep = open_episode(session, key)
        if level and ep is None:
            ep = AlertEpisode(key=key, kind="sla_rate", subject="chatwoot", state=level, opened_at=now,
                              changed_at=now, channel=self.rules.channel, details={"rate": rate, "open": open_count})
            session.add(ep)
            session.flush()
            ep.outbox_id = enqueue(session, channel=ep.channel,
                                   message=self.views.breach_rate_alert(ep, rate, open_count, now)).id
            session.add(ep)
        elif level and ep is not None and ep.state != level:
            ep.state, ep.changed_at, ep.details = level, now, {"rate": rate, "open": open_count}
            session.add(ep)
            _edit(session, ep, self.views.breach_rate_alert(ep, rate, open_count, now))
        elif level is None and ep is not None:
            ep.resolved_at = ep.changed_at = now
            session.add(ep)
            _edit(session, ep, self.views.breach_rate_alert(ep, rate, open_count, now))

    # --- reminders and buttons -----------------------------------------------------------
    def remind(self, session: Session, now: datetime, subject: str | None = None) -> int:
        """At most one threaded reminder per reminder period for each open, unacknowledged,
        unsnoozed integration episode (of `subject`, when given)."""
        count = 0
        query = (select(AlertEpisode).where(AlertEpisode.kind == "integration")
                 .where(AlertEpisode.resolved_at.is_(None)).with_for_update())  # type: ignore[union-attr]
        if subject is not None:
            query = query.where(AlertEpisode.subject == subject)
        eps = session.exec(query).all()
        for ep in eps:
            last = ep.last_reminder_at or ep.opened_at
            if ep.acked_by or (ep.snoozed_until and ep.snoozed_until > now) or ep.outbox_id is None:
                continue
            if now - last >= self.rules.reminder_every:
                enqueue(session, channel=ep.channel, parent_id=ep.outbox_id,
                        message=self.views.reminder(self.names.get(ep.subject, ep.subject), ep, now))
                ep.last_reminder_at = now
                session.add(ep)
                count += 1
        return count

    def acknowledge(self, session: Session, episode_id: int, user_id: str, now: datetime) -> AlertEpisode | None:
        ep = session.get(AlertEpisode, episode_id)
        if ep is None:
            return None
        if not ep.acked_by:
            ep.acked_by, ep.acked_at = user_id[:32], now
            session.add(ep)
            self._rerender(session, ep, now)
        return ep

    def snooze(self, session: Session, episode_id: int, user_id: str, now: datetime) -> AlertEpisode | None:
        ep = session.get(AlertEpisode, episode_id)
        if ep is None:
            return None
        ep.snoozed_until, ep.snoozed_by = now + self.rules.snooze_for, user_id[:32]
        session.add(ep)
        self._rerender(session, ep, now)
        return ep

    def _rerender(self, session: Session, ep: AlertEpisode, now: datetime) -> None:
        if ep.kind == "integration":
            _edit(session, ep, self.views.integration_alert(ep, self.names.get(ep.subject, ep.subject), now))
        elif ep.kind == "sla_rate":
            details = ep.details or {}
            _edit(session, ep, self.views.breach_rate_alert(ep, float(details.get("rate", 0)),
                                                       int(details.get("open", 0)), now))


def conversation_episode(session: Session, conversation_id: str) -> AlertEpisode | None:
    """The latest SLA episode of a Chatwoot conversation (open or not)."""
    return session.exec(select(AlertEpisode).where(AlertEpisode.key == f"sla:conversation:{conversation_id}")
                        .order_by(AlertEpisode.id.desc())).first()  # type: ignore[union-attr]


def find_episode(session: Session, episode_id: int) -> AlertEpisode | None:
    """An episode by id (for a feature acting on an alert: "Open incident")."""
    return session.get(AlertEpisode, episode_id)
