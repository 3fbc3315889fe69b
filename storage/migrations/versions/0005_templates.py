"""reply templates (Chatwoot canned responses), their versions and reviews; the three built-ins

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# DOMAIN.md "Reply templates": what the team starts from when Chatwoot is MOCK or has none
BUILTINS = (
    ("ack_delay", "Acknowledge delay",
     "Hi {{name}}, thanks for your patience. I'm checking on your order now and will follow up with an "
     "update shortly."),
    ("ship_update", "Shipping updated",
     "Appreciate you reaching out, {{name}}. Your order is with our carrier and I'm expediting a status "
     "check right away."),
    ("refund_offer", "Refund offer",
     "I'm sorry for the trouble, {{name}}. I can refund this immediately or offer store credit\u2014let me "
     "know what works best."),
)


def upgrade() -> None:
    template = op.create_table(
        "template",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("chatwoot_id", sa.Integer(), nullable=True),
        sa.Column("seen_body", sa.String(5000), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(64), nullable=True),
        sa.Column("publish_outbox_id", sa.Integer(), nullable=True),
        sa.Column("publish_version", sa.Integer(), nullable=True),
        sa.Column("publish_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    version = op.create_table(
        "template_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("template.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(5000), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("template_id", "version", name="uq_template_version"),
    )
    op.create_index("ix_template_version_template_id", "template_version", ["template_id"])
    op.create_table(
        "template_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("template.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("tone", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(3000), nullable=True),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("diff", sa.String(6000), nullable=True),
        sa.Column("view_id", sa.String(32), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_template_review_template_id", "template_review", ["template_id"])
    op.create_index("ix_template_review_created_at", "template_review", ["created_at"])

    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # storage.types.UTCDateTime keeps naive UTC on SQLite
    op.bulk_insert(template, [{"id": n, "key": key, "label": label, "current_version": 1, "created_at": now}
                              for n, (key, label, _) in enumerate(BUILTINS, 1)])
    op.bulk_insert(version, [{"template_id": n, "version": 1, "body": body, "author": "occ", "source": "builtin",
                              "created_at": now} for n, (_, _, body) in enumerate(BUILTINS, 1)])
    if op.get_bind().dialect.name == "postgresql":  # explicit ids above: move the sequence past them
        op.execute("SELECT setval(pg_get_serial_sequence('template', 'id'), (SELECT MAX(id) FROM template))")


def downgrade() -> None:
    op.drop_table("template_review")
    op.drop_table("template_version")
    op.drop_table("template")
