"""inbound mail and replies

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:56:48.573990
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('intent', sa.String(length=40), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('back_on', sa.Date(), nullable=True),
    sa.Column('new_contact', sa.String(length=320), nullable=True),
    sa.Column('failed_recipient', sa.String(length=320), nullable=True),
    sa.Column('matched_by', sa.String(length=20), nullable=False),
    sa.Column('foreign_sender', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['debt_case.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reply_needs_review'), ['needs_review'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('in_reply_to', sa.String(length=998), nullable=True))
        batch_op.add_column(sa.Column('mailbox', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('uidvalidity', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('uid', sa.BigInteger(), nullable=True))
        batch_op.create_index('ux_message_inbound_message_id', ['message_id'], unique=True, sqlite_where=sa.text("direction = 'in'"), postgresql_where=sa.text("direction = 'in'"))
        batch_op.create_unique_constraint('uq_message_mailbox_position', ['mailbox', 'uidvalidity', 'uid'])


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_message_mailbox_position', type_='unique')
        batch_op.drop_index('ux_message_inbound_message_id', sqlite_where=sa.text("direction = 'in'"), postgresql_where=sa.text("direction = 'in'"))
        batch_op.drop_column('uid')
        batch_op.drop_column('uidvalidity')
        batch_op.drop_column('mailbox')
        batch_op.drop_column('in_reply_to')
        batch_op.drop_column('sender')

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_needs_review'))
        batch_op.drop_index(batch_op.f('ix_reply_case_id'))

    op.drop_table('reply')
