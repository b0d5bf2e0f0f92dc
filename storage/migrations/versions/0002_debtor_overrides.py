"""debtor overrides and message html

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:33:36.510898
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('ladder', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('channel_order', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('opted_out', sa.String(length=100), nullable=False, server_default=''))

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('stated_total', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('stated_total')
        batch_op.drop_column('html')

    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_column('opted_out')
        batch_op.drop_column('channel_order')
        batch_op.drop_column('ladder')
        batch_op.drop_column('excluded')
