"""what patients say: the care topics of every review, with polarity and phrase, and its sentiment

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 07:20:00

Reviews stored before are tagged by `repmon reviews retag` (and by the next `repmon weekly`).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviewtopic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('polarity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phrase', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id', 'topic')
    )
    with op.batch_alter_table('reviewtopic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewtopic_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewtopic_topic'), ['topic'], unique=False)
    op.create_table('reviewsentiment',
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('compound', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('review_id')
    )


def downgrade() -> None:
    op.drop_table('reviewsentiment')
    with op.batch_alter_table('reviewtopic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewtopic_topic'))
        batch_op.drop_index(batch_op.f('ix_reviewtopic_review_id'))
    op.drop_table('reviewtopic')
