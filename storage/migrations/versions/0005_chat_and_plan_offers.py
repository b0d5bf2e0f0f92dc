"""chat and plan offers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:42:39.620792
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chatsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=60), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id')
    )
    with op.batch_alter_table('chatsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chatsession_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('chattoken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('chattoken', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chattoken_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('planoffer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('from_owner', sa.Boolean(), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['debt_case.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['paymentplan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('planoffer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planoffer_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('paymentplan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('within_bounds', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('paymentplan', schema=None) as batch_op:
        batch_op.drop_column('within_bounds')
        batch_op.drop_column('source')

    with op.batch_alter_table('planoffer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planoffer_case_id'))

    op.drop_table('planoffer')
    with op.batch_alter_table('chattoken', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chattoken_debtor_id'))

    op.drop_table('chattoken')
    with op.batch_alter_table('chatsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chatsession_debtor_id'))

    op.drop_table('chatsession')
