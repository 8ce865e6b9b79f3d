"""a search that is not ok says why for programs too: its reason code

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 03:00:00

Searches stored before the code existed get one from what they recorded: "blocked" and "disallowed" from
their status, "not_recognised" from the words every spider used for a parser error, "error" otherwise.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute("UPDATE search SET reason_code = status WHERE status IN ('blocked', 'disallowed')")
    op.execute("UPDATE search SET reason_code = 'not_recognised' WHERE status = 'error' AND reason LIKE '%not recognised%'")
    op.execute("UPDATE search SET reason_code = 'error' WHERE status = 'error' AND reason_code IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('search', schema=None) as batch_op:
        batch_op.drop_column('reason_code')
