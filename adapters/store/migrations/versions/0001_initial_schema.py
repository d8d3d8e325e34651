"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 04:46:12.932055
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('oauth_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consumer_key', sa.String(length=255), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consumer_key', 'nonce', 'timestamp')
    )
    with op.batch_alter_table('oauth_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('itslearning_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('itslearning_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_itslearning_credentials_account_id'), ['account_id'], unique=False)

    op.create_table('oauth_consumers',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('secret', sa.String(length=255), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('oauth_consumers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_consumers_account_id'), ['account_id'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('name', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sourced_id')
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_account_email', ['account_id', 'email'], unique=False)

    op.create_table('tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('webex_test_id', sa.BigInteger(), nullable=False),
    sa.Column('ident', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('host_webex_id', sa.String(length=200), nullable=True),
    sa.Column('qti_xml', sa.Text(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'webex_test_id')
    )
    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tests_account_id'), ['account_id'], unique=False)

    op.create_table('webex_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('site_name', sa.String(length=200), nullable=True),
    sa.Column('partner_id', sa.String(length=64), nullable=True),
    sa.Column('webex_id', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'webex_id')
    )
    with op.batch_alter_table('webex_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webex_credentials_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webex_credentials_email'), ['email'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('duration', sa.String(length=64), nullable=True),
    sa.Column('responses', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('score_min', sa.Float(), nullable=True),
    sa.Column('score_max', sa.Float(), nullable=True),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_id'], ['tests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_test_person', ['test_id', 'person_id'], unique=False)

    op.create_table('line_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=True),
    sa.Column('test_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_id'], ['tests.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sourced_id')
    )
    op.create_table('webex_session_tickets',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['webex_credentials.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('webex_session_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webex_session_tickets_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webex_session_tickets_expires_at'), ['expires_at'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('ref_agent_instance_id', sa.String(length=255), nullable=True),
    sa.Column('line_item_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('value_label', sa.String(length=500), nullable=True),
    sa.Column('score_language', sa.String(length=35), nullable=True),
    sa.Column('score_text', sa.String(length=255), nullable=True),
    sa.Column('extension', sa.JSON(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['line_item_id'], ['line_items.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sourced_id')
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_line_item', ['line_item_id'], unique=False)
        batch_op.create_index('ix_results_person', ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_person')
        batch_op.drop_index('ix_results_line_item')

    op.drop_table('results')
    with op.batch_alter_table('webex_session_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webex_session_tickets_expires_at'))
        batch_op.drop_index(batch_op.f('ix_webex_session_tickets_credential_id'))

    op.drop_table('webex_session_tickets')
    op.drop_table('line_items')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_test_person')

    op.drop_table('attempts')
    with op.batch_alter_table('webex_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webex_credentials_email'))
        batch_op.drop_index(batch_op.f('ix_webex_credentials_account_id'))

    op.drop_table('webex_credentials')
    with op.batch_alter_table('tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tests_account_id'))

    op.drop_table('tests')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_account_email')

    op.drop_table('persons')
    with op.batch_alter_table('oauth_consumers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_consumers_account_id'))

    op.drop_table('oauth_consumers')
    with op.batch_alter_table('itslearning_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_itslearning_credentials_account_id'))

    op.drop_table('itslearning_credentials')
    with op.batch_alter_table('oauth_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_nonces_seen_at'))

    op.drop_table('oauth_nonces')
    op.drop_table('accounts')
