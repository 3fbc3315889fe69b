"""The App Home dashboard: latest stored health and the commands people can type."""
from __future__ import annotations

from typing import Any, Iterable

from chatops.health.model import HealthReport

from .health import health_blocks
from .text import context, divider, escape, header, section


def home_view(report: HealthReport | None, commands: Iterable[tuple[str, str]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Operator Control Center")]
    blocks.append(section("*Integration health*"))
    if report is None:
        blocks.append(context("No probe has run yet. Type `/occ health` to check Shopify, Chatwoot and Google Analytics."))
    else:
        blocks.extend(health_blocks(report))
    blocks.append(divider())
    blocks.append(section("*Commands*\n" + "\n".join(f"`{escape(s)}` — {escape(d)}" for s, d in commands)))
    return {"type": "home", "blocks": blocks[:100]}
