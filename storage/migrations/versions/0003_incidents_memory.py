"""incidents, their timeline, gapless counters, Memory entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "counter",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(counter, [{"name": "incident", "value": 0}])
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False, unique=True),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("integration", sa.String(32), nullable=False),
        sa.Column("description", sa.String(3000), nullable=True),
        sa.Column("commander", sa.String(32), nullable=True),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolution_note", sa.String(3000), nullable=True),
        sa.Column("alert_episode_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(80), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("view_id", sa.String(32), nullable=True, unique=True),
    )
    op.create_index("ix_incident_severity", "incident", ["severity"])
    op.create_index("ix_incident_status", "incident", ["status"])
    op.create_index("ix_incident_detected_at", "incident", ["detected_at"])
    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("text", sa.String(3000), nullable=False),
    )
    op.create_index("ix_incident_event_incident_id", "incident_event", ["incident_id"])
    op.create_table(
        "memory_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("rationale", sa.String(3000), nullable=True),
        sa.Column("evidence_url", sa.String(500), nullable=True),
        sa.Column("external_ref", sa.String(128), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_memory_entry_scope", "memory_entry", ["scope"])
    op.create_index("ix_memory_entry_external_ref", "memory_entry", ["external_ref"])
    op.create_index("ix_memory_entry_created_at", "memory_entry", ["created_at"])


def downgrade() -> None:
    op.drop_table("memory_entry")
    op.drop_table("incident_event")
    op.drop_table("incident")
    op.drop_table("counter")
