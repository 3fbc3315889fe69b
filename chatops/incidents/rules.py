"""The team's incident facts (DOMAIN.md) and the pure parts of the lifecycle."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence


@dataclass(frozen=True)
class Severity:
    name: str
    meaning: str
    respond_within: timedelta
    updates_every: timedelta | None

    @property
    def label(self) -> str:
        minutes = int(self.respond_within.total_seconds() // 60)
        target = f"respond within {minutes // 60} h" if minutes % 60 == 0 else f"respond within {minutes} min"
        return f"{self.name} — {self.meaning} · {target}"


SEVERITIES: dict[str, Severity] = {s.name: s for s in (
    Severity("SEV1", "outage, data loss, errors > 50 %", timedelta(minutes=5), timedelta(minutes=15)),
    Severity("SEV2", "errors 10–50 % or p95 > 2 s", timedelta(minutes=15), timedelta(minutes=30)),
    Severity("SEV3", "errors 5–10 %", timedelta(minutes=30), None),
    Severity("SEV4", "minor", timedelta(hours=4), None),
)}
REMINDED = ("SEV1", "SEV2")  # unacknowledged ones remind the channel at their response target
INTEGRATIONS = ("Shopify", "Chatwoot", "Google Analytics", "Slack", "Other")
INTEGRATION_BY_KEY = {"shopify": "Shopify", "chatwoot": "Chatwoot", "google_analytics": "Google Analytics"}
STATUSES = ("investigating", "identified", "monitoring", "resolved")
OPEN_STATUSES = STATUSES[:-1]

_REF = re.compile(r"^(?:inc-?|#)?(\d{1,9})$", re.IGNORECASE)


def parse_ref(text: str) -> int | None:
    """`INC-7`, `inc7`, `#7` or `7` → 7."""
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0–100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n·p/100), at least 1
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def parse_window(text: str) -> int | None:
    """`7d`, `30d` (or `7`, `30`) → days; blank → 7; anything else → None."""
    raw = text.strip().lower()
    if not raw:
        return 7
    match = re.fullmatch(r"(\d{1,3})d?", raw)
    if not match or not 1 <= int(match.group(1)) <= 365:
        return None
    return int(match.group(1))
