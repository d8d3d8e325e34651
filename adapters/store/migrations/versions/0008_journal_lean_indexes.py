"""Journal: drop the request_id and status indexes

No query looks an entry up by request id, and a status filter over a journal bounded by retention
reads little without an index; each index cost every journaled request an extra B-tree write (the
request id's, at a random place), about a third of the journal's insert (DESIGN.md §13).

Revision ID: 0008
Revises: 0007
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_journal_entries_status', table_name='journal_entries')
    op.drop_index('ix_journal_entries_request_id', table_name='journal_entries')


def downgrade() -> None:
    op.create_index('ix_journal_entries_request_id', 'journal_entries', ['request_id'])
    op.create_index('ix_journal_entries_status', 'journal_entries', ['status'])
