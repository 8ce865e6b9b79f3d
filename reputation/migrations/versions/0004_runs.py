"""every import and crawl is a run: what it stored carries its id, what it changed is journaled

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STAMPED = ("physician", "location", "listing", "snapshot", "review")


def upgrade() -> None:
    op.rename_table('crawlrun', 'run')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='crawl'))
        batch_op.add_column(sa.Column('input', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('host', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.alter_column('crawl_time', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)

    for table in STAMPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_run_id'), ['run_id'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_run_id_run', 'run', ['run_id'], ['id'])
    with op.batch_alter_table('search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_run_id'), ['run_id'], unique=False)

    op.create_table('runchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'table_name', 'row_id')
    )
    with op.batch_alter_table('runchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runchange_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('runchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runchange_run_id'))
    op.drop_table('runchange')
    with op.batch_alter_table('search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_run_id'))
    for table in reversed(STAMPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_run_id_run', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_run_id'))
            batch_op.drop_column('run_id')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.alter_column('crawl_time', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        for column in ('undone_at', 'host', 'pid', 'input', 'kind'):
            batch_op.drop_column(column)
    op.rename_table('run', 'crawlrun')
