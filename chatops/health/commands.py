"""`/occ health`: acknowledge at once, probe concurrently, answer through response_url."""
from __future__ import annotations

from blocks.health import checking_message, health_message
from chatops.commands import Ctx, Invocation, Registry, Subcommand


def _ack(inv: Invocation, services) -> dict:  # noqa: ANN001 - Services
    return checking_message([i.name for i in services.integrations.monitored()])


def _run(inv: Invocation, ctx: Ctx) -> None:
    report = ctx.services.health.check_now()
    ctx.messenger.respond(inv, health_message(report))


def register(registry: Registry) -> None:
    registry.add(Subcommand(
        name="health",
        summary="Shopify, Chatwoot and Google Analytics: state, latency, last error, SLA breaches",
        ack=_ack, run=_run,
    ))
