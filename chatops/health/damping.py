"""Flap damping: the alerting state of an integration from its recent probe observations. Pure.

Observations are the monitor's per-probe states (OK / DEGRADED for slow or partial answers / DOWN /
MOCK), newest first. Failures in a run of `down_after` or more are an outage; shorter runs are
sporadic errors, and those make the error rate. Rules, in order (defaults from DOMAIN.md):
1. DOWN when the latest probe failed and either `down_after` probes in a row failed, or at least
   half of the window (of `min_window` or more probes) failed.
2. After `recover_after` healthy probes in a row: OK, or DEGRADED while the error rate is high.
3. DEGRADED after `degrade_after` slow probes in a row.
4. A state that is not yet recovered stays as it was.
5. DEGRADED when the error rate is high: at least two sporadic failures, and `error_rate` or more
   of a window of `min_window` or more probes.
6. Otherwise OK.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .model import State


@dataclass(frozen=True)
class Damping:
    down_after: int = 2
    recover_after: int = 2
    degrade_after: int = 2
    error_rate: float = 0.10
    min_window: int = 5
    window: int = 20


def _lead(observed: Sequence[State], state: State) -> int:
    n = 0
    for s in observed:
        if s != state:
            break
        n += 1
    return n


def sporadic_failures(window: Sequence[State], down_after: int) -> int:
    """Failures outside outage runs (runs of `down_after` or more failures). A run that reaches
    the oldest end of the window may be the tail of an outage, so it does not count."""
    count, run = 0, 0
    for s in window:
        if s == State.DOWN:
            run += 1
            continue
        if 0 < run < down_after:
            count += run
        run = 0
    return count


def damp(prev: State | None, observed: Sequence[State], rules: Damping = Damping()) -> State:
    window = list(observed[: rules.window])
    if not window:
        return prev or State.OK
    latest = window[0]
    if latest == State.MOCK:
        return State.MOCK
    n = len(window)
    failures = sum(1 for s in window if s == State.DOWN)
    if latest == State.DOWN and (
        _lead(window, State.DOWN) >= rules.down_after or (n >= max(rules.min_window, 2) and failures * 2 >= n)
    ):
        return State.DOWN
    sporadic = sporadic_failures(window, rules.down_after)
    erratic = n >= rules.min_window and sporadic >= 2 and sporadic / n >= rules.error_rate
    if _lead(window, State.OK) >= rules.recover_after:
        return State.DEGRADED if erratic else State.OK
    if _lead(window, State.DEGRADED) >= rules.degrade_after:
        return State.DEGRADED
    if prev in (State.DOWN, State.DEGRADED):
        return prev
    return State.DEGRADED if erratic else State.OK
