"""The application's parts, built once from settings and shared by every transport."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from blocks.help import help_message
from chatops.commands import Invocation, Registry, Subcommand
from chatops.health import commands as health_commands
from chatops.health.service import HealthService
from chatops.integrations import Integrations, build_integrations
from chatops.integrations.base import AsyncRuntime
from chatops.settings import Settings
from chatops.views import ViewRegistry
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    runtime: AsyncRuntime
    integrations: Integrations
    health: HealthService
    commands: Registry
    views: ViewRegistry

    def command_list(self) -> list[tuple[str, str]]:
        return [(c.synopsis, c.summary) for c in self.commands.all()]

    def help(self, unknown: str | None = None) -> dict:
        return help_message(self.command_list(), unknown=unknown)

    def close(self) -> None:
        self.runtime.close(self.integrations.aclose)
        self.db.dispose()


def build_registry() -> Registry:
    registry = Registry()
    registry.add(Subcommand(name="help", summary="this list", ack=lambda inv, s: s.help()))
    health_commands.register(registry)
    return registry


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    db = Database(settings.database_url)
    if migrate:
        db.migrate()
    runtime = AsyncRuntime()
    integrations = build_integrations(settings)
    health = HealthService(settings=settings, integrations=integrations, runtime=runtime, db=db)
    return Services(settings=settings, db=db, runtime=runtime, integrations=integrations, health=health,
                    commands=build_registry(), views=ViewRegistry())


def answer_command(services: Services, inv: Invocation) -> tuple[Subcommand | None, Invocation, dict | None]:
    """Resolve `inv` and compute its immediate acknowledgement (pure: no I/O).
    Blank or unknown text answers with help."""
    command, resolved = services.commands.resolve(inv)
    if command is None:
        return None, resolved, services.help(unknown=inv.text or None) if inv.text else services.help()
    return command, resolved, command.ack(resolved, services) if command.ack else None
