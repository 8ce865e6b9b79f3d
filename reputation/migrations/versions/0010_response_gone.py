"""a review keeps when the practice's reply was no longer shown (a reply taken down)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:00:00

The reply itself is kept (it was posted); a reply shown again clears the date.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_gone_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('response_gone_since')
