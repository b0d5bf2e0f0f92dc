"""Alembic environment: runs on the connection storage.migrate hands over, never on its own URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)



def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write plain SQL types into revisions, so a revision never changes when our Python types do."""
    if type_ != "type":
        return False
    if isinstance(obj, TypeDecorator):
        obj = obj.impl_instance
    if isinstance(obj, AutoString):
        obj = String(obj.length)
    return f"sa.{obj!r}"


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
