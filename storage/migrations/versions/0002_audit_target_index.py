"""index the audit trail by target

The sanction ladder reads a member's decisions (``target = 'member:<id>'``) for every flagged
message; without an index that was a scan of the whole audit trail.

Revision ID: 0002_audit_target
Revises: 0001_initial
"""

from alembic import op

revision = "0002_audit_target"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_target", "audit", ["target"])


def downgrade() -> None:
    op.drop_index("ix_audit_target", table_name="audit")
