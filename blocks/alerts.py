"""Alert messages for the reliability channel: integration episodes, SLA breaches, breach rate."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from chatops.health.sla import Breach

from .runbooks import button as runbook_button
from .runbooks import escalate_button
from .text import clock, context, duration, escape, message, section, sections

ACK, SNOOZE, OPEN_INCIDENT = "alert_ack", "alert_snooze", "alert_open_incident"
EMOJI = {"DOWN": ":red_circle:", "DEGRADED": ":large_yellow_circle:", "critical": ":red_circle:",
         "warning": ":large_yellow_circle:", "P1": ":rotating_light:", "P2": ":hourglass_flowing_sand:",
         "P3": ":eyes:"}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _status_lines(ep: Any, now: datetime) -> list[str]:
    lines = []
    if ep.acked_by:
        lines.append(f":eyes: Acknowledged by <@{escape(ep.acked_by)}> at {clock(ep.acked_at)}")
    if ep.snoozed_until and ep.snoozed_until > now and not ep.resolved_at:
        lines.append(f":zzz: Reminders snoozed until {clock(ep.snoozed_until)} by <@{escape(ep.snoozed_by)}>")
    return lines


def integration_alert(ep: Any, name: str, now: datetime) -> dict[str, Any]:
    """The episode's one message; edited in place as the state moves and when it recovers."""
    if ep.resolved_at:
        head = (f":white_check_mark: *{escape(name)} recovered* — was {escape(ep.details.get('worst', ep.state))} "
                f"for {duration(ep.resolved_at - ep.opened_at)}")
        text = f"{escape(name)} recovered (was {escape(ep.state)})"
    else:
        head = f"{EMOJI.get(ep.state, ':warning:')} *{escape(name)} is {escape(ep.state)}*"
        text = f"{escape(name)} is {escape(ep.state)}"
    latency = f"{ep.latency_ms:,.0f} ms" if ep.latency_ms is not None else "no answer"
    fields = [f"*State*\n{escape(ep.state)}", f"*Latency*\n{latency}",
              f"*Since*\n{clock(ep.opened_at)}", f"*Last error*\n{escape(ep.last_error or 'none', 300)}"]
    blocks = [section(head), {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]}]
    status = _status_lines(ep, now)
    if status:
        blocks.append(context(*status))
    if not ep.resolved_at:
        blocks.append({"type": "actions", "block_id": f"alert:{ep.id}", "elements": [
            _button("Acknowledge", ACK, str(ep.id), "primary"),
            _button("Snooze 1 h", SNOOZE, str(ep.id)),
            _button("Open incident", OPEN_INCIDENT, str(ep.id), "danger"),
            runbook_button(f"integration:{ep.subject}"),
        ]})
    blocks.append(context(f"Alert #{ep.id} · {escape(ep.key)}"))
    return message(text, blocks)


def recovery_notice(name: str, ep: Any) -> dict[str, Any]:
    text = (f":white_check_mark: {escape(name)} recovered at {clock(ep.resolved_at)} after "
            f"{duration(ep.resolved_at - ep.opened_at)} ({escape(ep.details.get('worst', ep.state))}).")
    return message(text, [section(text)])


def reminder(name: str, ep: Any, now: datetime) -> dict[str, Any]:
    text = f":bell: Still {escape(ep.state)}: {escape(name)}, for {duration(now - ep.opened_at)} now."
    return message(text, [section(text)])


def breach_line(b: Breach) -> str:
    c = b.conversation
    who = escape(c.customer or "unknown customer", 80)
    assignee = f" · assigned to {escape(c.assignee, 60)}" if c.assignee else " · unassigned"
    return (f"{EMOJI.get(b.priority, '')} *{b.priority}* conversation *#{escape(c.id)}* — {who} — waiting "
            f"{duration(b.waited)} (SLA breached at {clock(b.breached_at)}){assignee}")


def sla_breach_alert(breaches: Sequence[Breach], sla_minutes: int, episode_ids: Sequence[int]) -> dict[str, Any]:
    """One message per breach, or one grouped message when several arrive together."""
    if len(breaches) == 1:
        b = breaches[0]
        text = f"Chatwoot SLA breach: conversation #{escape(b.conversation.id)} ({b.priority})"
        head = f":hourglass: *Chatwoot SLA breach* — first response over {sla_minutes} min"
    else:
        text = f"Chatwoot SLA breaches: {len(breaches)} conversations (" + ", ".join(
            f"#{escape(b.conversation.id)}" for b in breaches[:20]) + ")"
        head = f":hourglass: *{len(breaches)} Chatwoot conversations breached the {sla_minutes}-min SLA*"
    buttons = [escalate_button(b.conversation.id, "Escalate" if len(breaches) == 1 else f"Escalate #{b.conversation.id}")
               for b in breaches[:24]]
    blocks = [section(head), *sections([breach_line(b) for b in breaches], max_blocks=20),
              {"type": "actions", "elements": buttons},
              context("SOP-CX-001: P1 respond now · P2 within 30 min · P3 review within 1 h"),
              context("Alert " + ", ".join(f"#{i}" for i in episode_ids[:20]))]
    return message(text, blocks)


def breach_rate_alert(ep: Any, rate: float, open_count: int, now: datetime) -> dict[str, Any]:
    if ep.resolved_at:
        text = f"Chatwoot SLA breach rate back to {rate:.0%} of {open_count} open conversations"
        return message(text, [section(f":white_check_mark: {escape(text)}"),
                              context(f"Alert #{ep.id} · {escape(ep.key)}")])
    text = f"Chatwoot SLA breach rate {rate:.0%} of {open_count} open conversations ({ep.state})"
    head = f"{EMOJI.get(ep.state, ':warning:')} *Chatwoot SLA breach rate {rate:.0%}* — {ep.state}"
    blocks = [section(head + f"\n{open_count} open conversations; warn above 20 %, critical above 40 %")]
    status = _status_lines(ep, now)
    if status:
        blocks.append(context(*status))
    blocks.append({"type": "actions", "block_id": f"alert:{ep.id}", "elements": [
        _button("Acknowledge", ACK, str(ep.id), "primary"), _button("Snooze 1 h", SNOOZE, str(ep.id))]})
    blocks.append(context(f"Alert #{ep.id} · {escape(ep.key)}"))
    return message(text, blocks)
