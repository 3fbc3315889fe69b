"""the platform: outbox targets, durable job runs, the installation id, Memory facts and search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from storage.fts import SearchSpec, create_statements, drop_statements

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MEMORY_SEARCH = SearchSpec("memory_entry", ("action", "actor", "rationale", "external_ref"))


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("target", sa.String(16), nullable=False, server_default="slack"))
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("result", sa.JSON(), nullable=True))
        batch.alter_column("channel", existing_type=sa.String(80), nullable=True)
    op.create_index("ix_outbox_target", "outbox", ["target"])
    op.create_table(
        "scheduled_run",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
    )
    op.create_table(
        "installation",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.create_table(
        "memory_fact",
        sa.Column("topic", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(3000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for statement in create_statements(MEMORY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(MEMORY_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("memory_fact")
    op.drop_table("installation")
    op.drop_table("scheduled_run")
    op.drop_index("ix_outbox_target", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("result")
        batch.drop_column("external_id")
        batch.drop_column("target")
