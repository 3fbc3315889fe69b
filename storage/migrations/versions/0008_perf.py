"""indexes for reads that grow with the tables (docs/performance.md): incidents resolved or
acknowledged in a window (stats, the daily status), Memory entries of a scope in a time range,
the newest probe result of an integration

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `/occ stats` and the status report: detected OR acknowledged OR resolved since a time — each
    # term on an index (SQLite's multi-index OR, PostgreSQL's BitmapOr) instead of a full scan
    op.create_index("ix_incident_resolved_at", "incident", ["resolved_at"])
    op.create_index("ix_incident_acknowledged_at", "incident", ["acknowledged_at"])
    # Memory entries of a scope between two times (the status report's update log)
    op.create_index("ix_memory_entry_scope_created_at", "memory_entry", ["scope", "created_at"])
    # the newest result of each integration (/occ health in a burst, the Home tab, the status report)
    op.create_index("ix_probe_result_integration_id", "probe_result", ["integration", "id"])


def downgrade() -> None:
    op.drop_index("ix_probe_result_integration_id", table_name="probe_result")
    op.drop_index("ix_memory_entry_scope_created_at", table_name="memory_entry")
    op.drop_index("ix_incident_acknowledged_at", table_name="incident")
    op.drop_index("ix_incident_resolved_at", table_name="incident")
