"""App Home sections: integration health and the commands people can type."""
from __future__ import annotations

from typing import Any, Iterable

from chatops.health.model import HealthReport

from .health import health_blocks
from .text import context, escape, header, section, sections


def health_section(report: HealthReport | None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [header("Operator Control Center"), section("*Integration health*")]
    if report is None:
        blocks.append(context("No probe has run yet. Type `/occ health` to check Shopify, Chatwoot and Google Analytics."))
    else:
        blocks.extend(health_blocks(report))
    return blocks


def commands_section(commands: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [section("*Commands*"), *sections([f"`{escape(s)}` — {escape(d)}" for s, d in commands], max_blocks=4)]
