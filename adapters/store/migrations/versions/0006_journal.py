"""request journal and fault rules

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'journal_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('request_id', sa.String(length=128), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=False),
        sa.Column('operation', sa.String(length=100), nullable=True),
        sa.Column('account', sa.String(length=255), nullable=True),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('key_index', sa.Text(), nullable=False),
        sa.Column('oauth', sa.JSON(), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=255), nullable=True),
        sa.Column('duration_ms', sa.Float(), nullable=False),
        sa.Column('fault_rule', sa.Integer(), nullable=True),
        sa.Column('worker', sa.Integer(), nullable=False),
        sa.Column('request_headers', sa.JSON(), nullable=False),
        sa.Column('request_body', sa.LargeBinary(), nullable=False),
        sa.Column('response_headers', sa.JSON(), nullable=False),
        sa.Column('response_body', sa.LargeBinary(), nullable=False),
        sa.Column('redacted', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_journal_entries_at', 'journal_entries', ['at'])
    op.create_index('ix_journal_entries_request_id', 'journal_entries', ['request_id'])
    op.create_index('ix_journal_entries_status', 'journal_entries', ['status'])
    op.create_index('ix_journal_protocol_operation', 'journal_entries', ['protocol', 'operation'])
    op.create_table(
        'fault_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=False),
        sa.Column('operation', sa.String(length=100), nullable=True),
        sa.Column('key', sa.String(length=255), nullable=True),
        sa.Column('remaining', sa.Integer(), nullable=True),
        sa.Column('until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('fault_rules')
    op.drop_index('ix_journal_protocol_operation', table_name='journal_entries')
    op.drop_index('ix_journal_entries_status', table_name='journal_entries')
    op.drop_index('ix_journal_entries_request_id', table_name='journal_entries')
    op.drop_index('ix_journal_entries_at', table_name='journal_entries')
    op.drop_table('journal_entries')
