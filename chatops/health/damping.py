"""Flap damping: the alerting state of an integration from its recent probe observations. Pure.

Observations are the per-probe states (OK / DEGRADED for slow or partial answers / DOWN / MOCK),
newest first. Rules, in order (DOMAIN.md alert hygiene, defaults configurable):
1. DOWN when the latest probe failed and either `down_after` probes in a row failed, or at least
   half of the window (of `min_window` or more probes) failed.
2. OK after `recover_after` healthy probes in a row.
3. DEGRADED after `degrade_after` slow probes in a row.
4. A state that is not yet recovered stays as it was.
5. DEGRADED when the latest probe failed and the window's error rate is `error_rate` or more.
6. Otherwise the previous state (OK when there is none).
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


def damp(prev: State | None, observed: Sequence[State], rules: Damping = Damping()) -> State:
    window = list(observed[: rules.window])
    if not window:
        return prev or State.OK
    latest = window[0]
    if latest == State.MOCK:
        return State.MOCK
    failures = sum(1 for s in window if s == State.DOWN)
    if latest == State.DOWN and (
        _lead(window, State.DOWN) >= rules.down_after
        or (len(window) >= max(rules.min_window, 2) and failures * 2 >= len(window))
    ):
        return State.DOWN
    if _lead(window, State.OK) >= rules.recover_after:
        return State.OK
    if _lead(window, State.DEGRADED) >= rules.degrade_after:
        return State.DEGRADED
    if prev in (State.DOWN, State.DEGRADED):
        return prev
    if latest == State.DOWN and len(window) >= rules.min_window and failures / len(window) >= rules.error_rate:
        return State.DEGRADED
    return prev if prev in (State.OK,) else State.OK


def error_rate(observed: Sequence[State]) -> float:
    real = [s for s in observed if s != State.MOCK]
    return sum(1 for s in real if s == State.DOWN) / len(real) if real else 0.0
