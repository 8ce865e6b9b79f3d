"""a review keeps the date of the practice's reply, where the site shows it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:30:00

Replies stored before have no date (unknown): the time to respond is measured on dated replies only.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_date', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('response_date')
