"""social presence: physicians' accounts, the system's own channels and each account's weekly snapshot

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:20:00

Listings keep the social links their profile carries (``social_links``): suggestions for a person to confirm.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('social_links', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.alter_column('social_links', server_default=None)

    op.create_table('socialaccount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('npi', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ambassador', sa.Boolean(), nullable=False),
    sa.Column('added', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('seen_on', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('npi', 'network', 'account')
    )
    with op.batch_alter_table('socialaccount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_socialaccount_npi'), ['npi'], unique=False)
        batch_op.create_index(batch_op.f('ix_socialaccount_network'), ['network'], unique=False)
        batch_op.create_index(batch_op.f('ix_socialaccount_run_id'), ['run_id'], unique=False)

    op.create_table('socialchannel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network', 'account')
    )
    with op.batch_alter_table('socialchannel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_socialchannel_network'), ['network'], unique=False)
        batch_op.create_index(batch_op.f('ix_socialchannel_run_id'), ['run_id'], unique=False)

    op.create_table('socialsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('crawled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('followers', sa.Integer(), nullable=True),
    sa.Column('following', sa.Integer(), nullable=True),
    sa.Column('posts', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_own_post_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('own_posts_28d', sa.Integer(), nullable=True),
    sa.Column('interactions_per_post', sa.Float(), nullable=True),
    sa.Column('engagement_rate', sa.Float(), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('follows_main', sa.Boolean(), nullable=True),
    sa.Column('followed_by_main', sa.Boolean(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network', 'account', 'week')
    )
    with op.batch_alter_table('socialsnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_socialsnapshot_network'), ['network'], unique=False)
        batch_op.create_index(batch_op.f('ix_socialsnapshot_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    for table, columns in (('socialsnapshot', ('network', 'run_id')), ('socialchannel', ('network', 'run_id')),
                           ('socialaccount', ('npi', 'network', 'run_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_column('social_links')
