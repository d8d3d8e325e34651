"""LTI 1.3 platform: tools, platform keys, used jtis; AGS fields on line items and results

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:41:20.691164
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
# chained after main's 0006 (score scale) when rebasing; it was '0002' on its own
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti13_used_jtis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'jti')
    )
    with op.batch_alter_table('lti13_used_jtis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti13_used_jtis_expires_at'), ['expires_at'], unique=False)

    op.create_table('lti13_platform_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kid')
    )
    with op.batch_alter_table('lti13_platform_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti13_platform_keys_account_id'), ['account_id'], unique=False)

    op.create_table('lti13_tools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_ids', sa.JSON(), nullable=False),
    sa.Column('jwks_url', sa.String(length=2000), nullable=True),
    sa.Column('jwks', sa.JSON(), nullable=True),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('lti13_tools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti13_tools_account_id'), ['account_id'], unique=False)

    op.create_table('lti13_upstreams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_url', sa.String(length=2000), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('audience', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'name')
    )
    with op.batch_alter_table('lti13_upstreams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti13_upstreams_account_id'), ['account_id'], unique=False)

    op.create_table('lti13_bridge_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('upstream_id', sa.Integer(), nullable=False),
    sa.Column('line_item_url', sa.String(length=2000), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['upstream_id'], ['lti13_upstreams.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sourced_id')
    )
    with op.batch_alter_table('lti13_bridge_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti13_bridge_links_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti13_bridge_links_upstream_id'), ['upstream_id'], unique=False)

    with op.batch_alter_table('line_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('score_maximum', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('resource_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('resource_link_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('tag', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('start_date_time', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_date_time', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_line_items_context', ['account_id', 'context_id'], unique=False)

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_progress', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('grading_progress', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('comment')
        batch_op.drop_column('grading_progress')
        batch_op.drop_column('activity_progress')

    with op.batch_alter_table('line_items', schema=None) as batch_op:
        batch_op.drop_index('ix_line_items_context')
        batch_op.drop_column('end_date_time')
        batch_op.drop_column('start_date_time')
        batch_op.drop_column('tag')
        batch_op.drop_column('resource_link_id')
        batch_op.drop_column('resource_id')
        batch_op.drop_column('score_maximum')
        batch_op.drop_column('context_id')

    with op.batch_alter_table('lti13_bridge_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti13_bridge_links_upstream_id'))
        batch_op.drop_index(batch_op.f('ix_lti13_bridge_links_account_id'))

    op.drop_table('lti13_bridge_links')
    with op.batch_alter_table('lti13_upstreams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti13_upstreams_account_id'))

    op.drop_table('lti13_upstreams')
    with op.batch_alter_table('lti13_tools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti13_tools_account_id'))

    op.drop_table('lti13_tools')
    with op.batch_alter_table('lti13_platform_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti13_platform_keys_account_id'))

    op.drop_table('lti13_platform_keys')
    with op.batch_alter_table('lti13_used_jtis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti13_used_jtis_expires_at'))

    op.drop_table('lti13_used_jtis')
