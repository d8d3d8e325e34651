"""results.score_maximum (the scale a score was written on) and its_users.site_id (site isolation)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 16:10:00

``score_maximum`` stays NULL on existing rows: adapters/scores.py reads a NULL scale from the value.
Existing itslearning users take the site of their account's itslearning credential (the lowest,
when an account has several), which is what the one-site accounts before this revision meant.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_maximum', sa.Float(), nullable=True))
    with op.batch_alter_table('its_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE its_users SET site_id = (SELECT MIN(c.site_id) FROM itslearning_credentials c"
        " WHERE c.account_id = its_users.account_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('its_users', schema=None) as batch_op:
        batch_op.drop_column('site_id')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('score_maximum')
