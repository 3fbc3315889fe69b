"""The health view (CONTRACT.md §3): name, state word, latency, error in plain words, SLA breaches."""
from __future__ import annotations

from typing import Any

from chatops.health.model import HealthReport, IntegrationHealth, State

from .text import context, divider, escape, header, message, section, utc

EMOJI = {State.OK: ":large_green_circle:", State.DEGRADED: ":large_yellow_circle:",
         State.DOWN: ":red_circle:", State.MOCK: ":white_circle:"}


def latency_text(ms: float | None) -> str:
    if ms is None:
        return "no latency"
    return f"{ms:,.0f} ms" if ms >= 1 else "<1 ms"


def integration_line(item: IntegrationHealth) -> str:
    """`*Shopify* — OK · 120 ms`, in mrkdwn, every integration-supplied part escaped."""
    parts = [f"{EMOJI[item.state]} *{escape(item.name)}* — *{item.state.value}*"]
    if item.state != State.MOCK:
        parts.append(latency_text(item.latency_ms))
    return " · ".join(parts)


def _sentence(text: str) -> str:
    """First letter upper-cased, the rest as written (str.capitalize would lower `DASHBOARD_USE_MOCK`)."""
    return text[:1].upper() + text[1:]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def queue_lines(item: IntegrationHealth, sla_minutes: int) -> list[str]:
    """Chatwoot's queue: first-response breaches, with pending and next-response waits apart, and
    "at least" wherever not every conversation was read."""
    if item.breaching is None:
        return []
    sample = " (sample data)" if item.state == State.MOCK else ""
    at_least = "at least " if item.partial else ""
    total = item.open_reported if item.partial and item.open_reported is not None else item.open_conversations
    open_part = f" of {total} open" if total is not None else ""
    breaching = _plural(item.breaching, "conversation", "conversations")
    lines = [f"{at_least}{breaching}{open_part} breaching the {sla_minutes}-min SLA{sample}"]
    if item.partial:
        read = item.open_conversations or 0
        of = f" of {item.open_reported}" if item.open_reported is not None else ""
        lines.append(f"Partial count: first {read}{of} open conversations read (Chatwoot lists 25 a page)")
    if item.pending:
        lines.append(f"{at_least}{item.pending} pending (a bot is handling them; not counted as breaches)")
    if item.next_response_waits:
        waits = _plural(item.next_response_waits, "conversation", "conversations")
        lines.append(f"{at_least}{waits} answered, now waiting over {sla_minutes} min for a next reply")
    return [_sentence(line) for line in lines]


def integration_details(item: IntegrationHealth, sla_minutes: int) -> list[str]:
    lines: list[str] = []
    if item.error:
        lines.append(f"Last error: {escape(item.error, 400)}")
    if item.note:
        lines.append(_sentence(escape(item.note, 200)))
    lines.extend(queue_lines(item, sla_minutes))
    return lines


def summary_text(report: HealthReport) -> str:
    return "Integration health: " + ", ".join(f"{escape(i.name)} {i.state.value}" for i in report.items)


def health_blocks(report: HealthReport) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for item in report.items:
        details = integration_details(item, report.sla_minutes)
        text = integration_line(item) + ("\n" + "\n".join(details) if details else "")
        blocks.append(section(text))
    checked = utc(report.checked_at).strftime("%Y-%m-%d %H:%M:%S UTC")
    blocks.append(context(f"Checked {checked} · probe timeout {report.timeout_s:g} s"))
    return blocks


def health_message(report: HealthReport) -> dict[str, Any]:
    blocks = [header("Integration health"), *health_blocks(report)]
    return message(summary_text(report), blocks, response_type="ephemeral")


def checking_message(names: list[str]) -> dict[str, Any]:
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    return message(f"Checking {escape(listed)}…", response_type="ephemeral")


__all__ = ["health_message", "health_blocks", "checking_message", "summary_text", "divider"]
