"""LTI 1.3 user links: an AGS userId and the LTI 1.1 user_id of the same person

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lti13_user_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=False),
        sa.Column('lti11_user_id', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'user_id'),
        sa.UniqueConstraint('account_id', 'lti11_user_id'),
    )


def downgrade() -> None:
    op.drop_table('lti13_user_links')
