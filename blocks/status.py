"""The support daily status as a Slack message: the team's sections, every figure escaped."""
from __future__ import annotations

from typing import Any

from chatops.status.service import Report

from .text import context, escape, header, message, section, sections

TAIL = (("Evidence links", "evidence"), ("Blockers / risks", "blockers"), ("Next actions", "next_actions"),
        ("Follow-ups", "follow_ups"))


def _bullets(items: list[str]) -> list[str]:
    return [f"• {escape(item, 600)}" for item in items] or ["• none"]


def status_message(report: Report, *, response_type: str | None = "ephemeral") -> dict[str, Any]:
    kind = "Weekly support report" if report.period.weekly else "Support daily status"
    # section titles are plain-text headers: the team's words exactly ("Incidents & resolution time")
    blocks: list[dict[str, Any]] = [header(f"{kind} — {report.day}"), header("Summary"),
                                    *sections(_bullets([p.summary for p in report.parts if p.summary]), max_blocks=2)]
    for part in report.parts:
        blocks += [header(part.title), *sections(_bullets(list(part.lines)), max_blocks=3)]
    for title, name in TAIL:
        blocks += [header(title), *sections(_bullets(report.gathered(name)), max_blocks=2)]
    generated = report.period.until.strftime("%Y-%m-%d %H:%M UTC")
    blocks.append(context(f"Live figures at {generated}"))
    extra = {"response_type": response_type} if response_type else {}
    titles = ", ".join(["Summary", *(p.title for p in report.parts), *(t for t, _ in TAIL)])
    return message(escape(f"{kind} {report.day}: {titles}"), blocks[:50], **extra)
