"""Resolution from all the evidence: mention blocks and blocking keys, co-investors with
roles, analysts' resolution decisions, the review queue and the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as b:
        b.add_column(sa.Column("company_id", sa.Integer,
                               sa.ForeignKey("companies.id", ondelete="SET NULL",
                                             name="fk_mentions_company_id")))
        b.add_column(sa.Column("block", sa.Integer))
        b.create_index("ix_mentions_company_id", ["company_id"])
        b.create_index("ix_mentions_block", ["block"])
    op.create_table(
        "mention_keys",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("mention_id", sa.Integer, sa.ForeignKey("mentions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.PrimaryKeyConstraint("key", "mention_id", name="pk_mention_keys"),
    )
    op.create_index("ix_mention_keys_mention_id", "mention_keys", ["mention_id"])
    op.create_table(
        "project_investors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("mentions", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("countries", sa.JSON, nullable=False),
    )
    op.create_index("ix_project_investors_project_id", "project_investors", ["project_id"])
    op.create_index("ix_project_investors_company_id", "project_investors", ["company_id"])
    op.create_table(
        "resolution_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("a_hash", sa.String(64), nullable=False),
        sa.Column("a_ref", sa.JSON, nullable=False),
        sa.Column("b_hash", sa.String(64)),
        sa.Column("b_ref", sa.JSON),
        sa.Column("apart", sa.JSON, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_resolution_decisions_a_hash", "resolution_decisions", ["a_hash"])
    op.create_index("ix_resolution_decisions_b_hash", "resolution_decisions", ["b_hash"])
    op.create_table(
        "review_pairs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("a_mention", sa.Integer, sa.ForeignKey("mentions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("b_mention", sa.Integer, sa.ForeignKey("mentions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("merged", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_review_pairs_block", "review_pairs", ["block"])
    op.create_index("ix_review_pairs_a_mention", "review_pairs", ["a_mention"])
    op.create_index("ix_review_pairs_b_mention", "review_pairs", ["b_mention"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in ("audit_log", "review_pairs", "resolution_decisions", "project_investors",
                  "mention_keys"):
        op.drop_table(table)
    with op.batch_alter_table("mentions") as b:
        b.drop_index("ix_mentions_block")
        b.drop_index("ix_mentions_company_id")
        b.drop_column("block")
        b.drop_column("company_id")
