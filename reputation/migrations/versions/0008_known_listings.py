"""listings a person already knows (added by hand or imported) and the ones the own website suggests

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knownlisting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('npi', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('how', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('found_on', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'url', 'npi')
    )
    with op.batch_alter_table('knownlisting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knownlisting_npi'), ['npi'], unique=False)
        batch_op.create_index(batch_op.f('ix_knownlisting_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knownlisting_source'), ['source'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('knownlisting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knownlisting_source'))
        batch_op.drop_index(batch_op.f('ix_knownlisting_run_id'))
        batch_op.drop_index(batch_op.f('ix_knownlisting_npi'))
    op.drop_table('knownlisting')
