"""The features, in the order they stand on each other, and the one function that builds the
application from settings. Adding a feature: its package, one line here, one migration."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from chatops import help
from chatops.health import feature as health
from chatops.incidents import feature as incidents
from chatops.memory import feature as memory
from chatops.qa import feature as qa
from chatops.runbooks import feature as runbooks
from chatops.status import feature as status
from chatops.templates import feature as templates
from chatops.training import feature as training
from chatops.core import Deps, Router
from chatops.home import HomePublisher
from chatops.integrations import Integrations, build_integrations
from chatops.integrations.base import AsyncRuntime
from chatops.lease import LeaseKeeper
from chatops.outbox import Deliverer, OutboxSender
from chatops.outbox.chatwoot import ChatwootDeliverer
from chatops.outbox.linear import LinearDeliverer
from chatops.outbox.slack import SlackDeliverer
from chatops.scheduler import Scheduler, every
from chatops.settings import Settings
from storage.db import Database, StorageError
from storage.repos import installation_id, prune

log = logging.getLogger(__name__)

# a feature comes after those it uses; status reads every feature's part, so it comes late
FEATURES = (health, incidents, memory, templates, training, qa, runbooks, status, help)


@dataclass
class Application:
    settings: Settings
    db: Database
    runtime: AsyncRuntime
    integrations: Integrations
    router: Router
    deps: Deps
    home: HomePublisher

    def sender(self, messenger: Any, *, holder: str, pace: bool = True, local_files: bool = False) -> OutboxSender:
        """An outbox sender with a deliverer for every target this deployment can reach. Without
        Linear credentials there is no Linear deliverer: tickets wait in the outbox until there is.
        `local_files`: screenshots may be paths on this machine (the console)."""
        with self.db.session() as session:
            installation = installation_id(session)
        deliverers: list[Deliverer] = [SlackDeliverer(messenger, installation)]
        if not self.integrations.chatwoot.mock:  # MOCK: publishes and escalations wait until it is connected
            deliverers.append(ChatwootDeliverer(self.integrations.chatwoot, self.runtime,
                                                timeout_s=self.settings.occ_probe_timeout_s * 4 + 1))
        linear, team = self.integrations.linear, self.settings.linear_team_id
        if linear is not None and team:
            slack = messenger if hasattr(messenger, "files_info") else None  # the console has no Slack files
            deliverers.append(LinearDeliverer(linear, self.runtime, team_id=team, slack=slack, local_files=local_files,
                                              timeout_s=self.settings.occ_linear_timeout_s))
        sender = OutboxSender(self.db, deliverers, holder=holder, pace=pace)
        for subscriber in self.router.delivered:
            sender.on_delivered(subscriber)
        return sender

    def scheduler(self, clock: Callable[[], datetime] | None = None) -> Scheduler:
        return Scheduler(self.db, self.router.jobs, clock)

    def close(self) -> None:
        self.runtime.close(self.integrations.aclose)
        self.db.dispose()


def build(settings: Settings, *, migrate: bool = True) -> Application:
    """Raises ConfigError for a configuration that cannot work, StorageError for the database."""
    integrations = build_integrations(settings)
    try:
        db = Database(settings.database_url)
        if migrate:
            db.migrate()
    except Exception as exc:
        raise StorageError(f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc
    runtime = AsyncRuntime()
    deps = Deps(settings=settings, db=db, runtime=runtime, integrations=integrations)
    router = Router(managers=settings.managers)
    for feature in FEATURES:
        feature.install(router, deps)
    router.job("retention", every(3600), lambda: _prune(db))
    return Application(settings, db, runtime, integrations, router, deps, HomePublisher(db, router))


def lease(app: Application) -> LeaseKeeper:
    return LeaseKeeper(app.db, ttl_s=app.settings.occ_lease_ttl_s)


def _prune(db: Database) -> None:
    with db.session() as session:
        counts = prune(session, datetime.now(timezone.utc))
    if any(counts.values()):
        log.info("retention: removed %s", counts)
