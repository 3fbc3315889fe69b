"""What every integration adapter offers, and the event loop thread they live on."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Awaitable, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ProbeOutcome:
    """What one successful probe learned. A failed probe raises an IntegrationError instead.
    Adapters only report what the vendor said; the health layer judges it (chatops.health.model)."""

    latency_ms: float | None = None
    partial_error: str | None = None  # answered, but part of the check failed
    warning: str | None = None  # answered correctly, but a limit is (nearly) reached: DEGRADED
    warning_class: str | None = None  # e.g. "quota", "rate_limited"
    note: str | None = None  # worth showing, not worth a state change
    # Chatwoot only: the open and pending conversations read (chatops.health.sla.Conversation)
    conversations: tuple | None = None
    conversations_reported: int | None = None  # open ones the server says exist (meta.all_count)
    conversations_partial: bool = False  # more exist than were read (page cap, or the count says so)


class Integration(Protocol):
    key: str  # stable id used in storage: "shopify", "chatwoot", "google_analytics"
    name: str  # what people read: "Shopify", "Chatwoot", "Google Analytics"
    mock: bool

    async def probe(self) -> ProbeOutcome: ...

    async def aclose(self) -> None: ...


class AsyncRuntime:
    """One event loop on a daemon thread. The adapters' long-lived httpx clients live here, and sync
    code (Bolt listeners, the console, the monitor) submits coroutines to it with a deadline."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="occ-integrations", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Awaitable[T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]

    def run(self, coro: Awaitable[T], timeout: float | None = None) -> T:
        return self.submit(coro).result(timeout=timeout)

    def close(self, *closers: Any) -> None:
        if self.loop.is_closed():
            return
        for closer in closers:
            try:
                self.run(closer(), timeout=2)
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=2)
