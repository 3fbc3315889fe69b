"""Q&A entries (full-text searchable) and training sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from storage.fts import SearchSpec, create_statements, drop_statements

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

QA_SEARCH = SearchSpec("qa_entry", ("question", "answer", "tile"))


def upgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False, server_default="90"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(64), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(64), nullable=True),
        sa.Column("reminder_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_outbox_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_training_session_starts_at", "training_session", ["starts_at"])
    op.create_table(
        "qa_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question", sa.String(3000), nullable=False),
        sa.Column("answer", sa.String(3000), nullable=True),
        sa.Column("tile", sa.String(32), nullable=False),
        sa.Column("confusing", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("permalink", sa.String(500), nullable=True),
        sa.Column("channel_id", sa.String(80), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("screenshots", sa.JSON(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("view_id", sa.String(32), nullable=True, unique=True),
        sa.Column("ticket_outbox_id", sa.Integer(), nullable=True),
        sa.Column("ticket_identifier", sa.String(32), nullable=True),
        sa.Column("ticket_url", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_qa_entry_tile", "qa_entry", ["tile"])
    op.create_index("ix_qa_entry_session_id", "qa_entry", ["session_id"])
    op.create_index("ix_qa_entry_created_at", "qa_entry", ["created_at"])
    op.create_index("ix_qa_entry_ticket_outbox_id", "qa_entry", ["ticket_outbox_id"])
    for statement in create_statements(QA_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(QA_SEARCH, op.get_bind().dialect.name):
        op.execute(statement)
    for index in ("ix_qa_entry_ticket_outbox_id", "ix_qa_entry_created_at", "ix_qa_entry_session_id",
                  "ix_qa_entry_tile"):
        op.drop_index(index, "qa_entry")
    op.drop_table("qa_entry")
    op.drop_index("ix_training_session_starts_at", "training_session")
    op.drop_table("training_session")
