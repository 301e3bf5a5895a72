"""encryption at rest: structured columns become sealed text

The JSON columns that hold texts and names (incident members and context, outbox payloads and refs,
audit details, digest attachments) are stored AES-GCM sealed from now on, which is text, not JSON.
On SQLite a column's declared type does not constrain what it holds, so only PostgreSQL changes its
column types. Rows are not rewritten here (a migration has no key): the first start with a data key
seals every legacy row (``storage/sealing.py``).

Revision ID: 0003_encryption
Revises: 0002_audit_target
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_encryption"
down_revision = "0002_audit_target"
branch_labels = None
depends_on = None

COLUMNS = [
    ("incidents", "members"),
    ("incidents", "context"),
    ("outbox", "payload"),
    ("outbox", "ref"),
    ("audit", "detail"),
    ("digest_items", "attachments"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), postgresql_using=f"{column}::text")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.JSON(), postgresql_using=f"{column}::json")
