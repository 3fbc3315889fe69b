"""probe results and handled Slack events

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "probe_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("integration", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error_class", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("open_conversations", sa.Integer(), nullable=True),
        sa.Column("breaching", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False, server_default="monitor"),
    )
    op.create_index("ix_probe_result_integration", "probe_result", ["integration"])
    op.create_index("ix_probe_result_checked_at", "probe_result", ["checked_at"])
    op.create_table(
        "slack_event",
        sa.Column("event_id", sa.String(length=64), primary_key=True),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_event_received_at", "slack_event", ["received_at"])


def downgrade() -> None:
    op.drop_table("slack_event")
    op.drop_table("probe_result")
