"""Project confidence: the highest confidence of a project's mentions (the extractor's
calibrated probability that a record is a real project), for the min_confidence filter.
Existing projects get it from their mentions here; aggregate.py keeps it current.

Revision ID: 0003
Revises: 0002
Create Date: 2025-06-20
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as b:
        b.add_column(sa.Column("confidence", sa.Float, nullable=True))
        b.create_index("ix_projects_confidence", ["confidence", "amount_usd"])
    op.execute("UPDATE projects SET confidence = (SELECT MAX(mentions.confidence) FROM mentions "
               "WHERE mentions.project_id = projects.id)")


def downgrade() -> None:
    with op.batch_alter_table("projects") as b:
        b.drop_index("ix_projects_confidence")
        b.drop_column("confidence")
