"""delivered rows are finalizing

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:40:00

The DELIVERED status is gone: of the FINALIZING rows a crash leaves, all but the last were
accepted by the server (storage/finalizing.py). A DELIVERED row an earlier version left was
marked before the FINALIZING one that followed it, so it reads the same way.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE message SET status = 'finalizing' WHERE status = 'delivered'")


def downgrade() -> None:
    """Nothing to undo: an earlier version reads a FINALIZING row as possibly delivered."""
