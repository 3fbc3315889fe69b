"""Alembic environment: run against the connection handed over by storage.db.migrate."""
import importlib

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - the platform's tables
from chatops.wiring import FEATURES

for feature in FEATURES:  # each feature's tables, for autogenerate
    try:
        importlib.import_module(f"{feature.__name__.rsplit('.', 1)[0]}.models")
    except ModuleNotFoundError:
        pass

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always driven by storage.db.migrate
    raise RuntimeError("run migrations through storage.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
