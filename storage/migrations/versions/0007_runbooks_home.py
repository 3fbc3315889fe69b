"""runbook verifications, the App Home view last published per user, Chatwoot conversations seen

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runbook_verification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("runbook_id", sa.String(50), nullable=False),
        sa.Column("verified_by", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_runbook_verification_runbook_id", "runbook_verification", ["runbook_id"])
    op.create_table(
        "home_view",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )


    op.create_table(
        "conversation_seen",
        sa.Column("conversation_id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_conversation_seen_created_at", "conversation_seen", ["created_at"])


def downgrade() -> None:
    op.drop_table("conversation_seen")
    op.drop_table("home_view")
    op.drop_table("runbook_verification")
