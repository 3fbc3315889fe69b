"""Answers a burst shares. When many people ask the same thing at once (everyone types
`/occ status` in the worst minute of an outage), a command registered `shared=True` — its answer
depends only on the words typed and the stored data, never on who asks — is computed once and
handed to everyone asking within TTL_S, provided this process has written nothing since (storage.db
writes()). Concurrent requests for an answer being computed wait for it (single flight).

Outside a burst (fewer than BURST shared requests within a second) every answer is computed
afresh, exactly as before. Within one, an answer can miss a write made by another replica in the
last TTL_S at most; never one made by this process."""
from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, TimeoutError as FutureTimeout
from dataclasses import dataclass
from threading import Lock
from typing import Any, Callable, Hashable

from storage.db import writes

BURST = 5  # shared requests within WINDOW_S that make a burst
WINDOW_S = 1.0
TTL_S = 0.5  # how long a computed answer is handed out
FOLLOW_S = 2.0  # how long a request waits for another's computation before computing its own
MAX_KEPT = 256  # answers kept (people type all sorts of words)


@dataclass(frozen=True)
class _Kept:
    at: float
    writes: int
    value: Any


class SharedAnswers:
    def __init__(self, clock: Callable[[], float] = time.monotonic, generation: Callable[[], int] = writes):
        self.clock = clock
        self.generation = generation
        self._lock = Lock()
        self._recent: deque[float] = deque()
        self._kept: dict[Hashable, _Kept] = {}
        self._flights: dict[Hashable, Future] = {}

    def answer(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute(), or during a burst the answer another request computed for `key`."""
        now = self.clock()
        with self._lock:
            self._recent.append(now)
            while now - self._recent[0] > WINDOW_S:
                self._recent.popleft()
            burst = len(self._recent) >= BURST
            if burst:
                generation = self.generation()
                kept = self._kept.get(key)
                if kept is not None and now - kept.at <= TTL_S and kept.writes == generation:
                    return kept.value
                flight = self._flights.get(key)
                leader = flight is None
                if leader:
                    flight = self._flights[key] = Future()
        if not burst:
            return compute()
        if not leader:
            try:
                return flight.result(timeout=FOLLOW_S)  # the leader's failure is this request's too
            except FutureTimeout:
                return compute()
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                self._flights.pop(key, None)
            flight.set_exception(exc)
            raise
        with self._lock:
            self._flights.pop(key, None)
            if len(self._kept) >= MAX_KEPT:
                self._kept = {k: v for k, v in self._kept.items() if now - v.at <= TTL_S}
            self._kept[key] = _Kept(now, generation, value)  # as old as the moment it started
        flight.set_result(value)
        return value
