"""itslearning

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:02:50.480407
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('its_assets',
    sa.Column('guid', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guid')
    )
    with op.batch_alter_table('its_assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_assets_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_its_assets_expires_at'), ['expires_at'], unique=False)

    op.create_table('its_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('sync_key', sa.String(length=128), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sync_key')
    )
    with op.batch_alter_table('its_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_courses_account_id'), ['account_id'], unique=False)

    op.create_table('its_grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('its_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_grades_account_id'), ['account_id'], unique=False)

    op.create_table('its_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('its_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_messages_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_its_messages_status', ['status', 'lease_until'], unique=False)

    op.create_table('its_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sync_key', sa.String(length=128), nullable=True),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sync_key')
    )
    with op.batch_alter_table('its_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_users_account_id'), ['account_id'], unique=False)

    op.create_table('its_elements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('sync_key', sa.String(length=128), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('test_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['its_courses.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['its_users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['its_messages.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['its_elements.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['test_id'], ['tests.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sync_key'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('its_elements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_its_elements_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_its_elements_course_id'), ['course_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('its_elements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_its_elements_course_id'))
        batch_op.drop_index(batch_op.f('ix_its_elements_account_id'))

    op.drop_table('its_elements')
    with op.batch_alter_table('its_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_its_users_account_id'))

    op.drop_table('its_users')
    with op.batch_alter_table('its_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_its_messages_status')
        batch_op.drop_index(batch_op.f('ix_its_messages_account_id'))

    op.drop_table('its_messages')
    with op.batch_alter_table('its_grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_its_grades_account_id'))

    op.drop_table('its_grades')
    with op.batch_alter_table('its_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_its_courses_account_id'))

    op.drop_table('its_courses')
    with op.batch_alter_table('its_assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_its_assets_expires_at'))
        batch_op.drop_index(batch_op.f('ix_its_assets_account_id'))

    op.drop_table('its_assets')
