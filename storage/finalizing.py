"""The FINALIZING mark, written on a connection of its own with nothing else to do.

Between this write's commit and the final dot of the email's DATA lies the only instant where a
killed dispatcher would lose a message (the row says delivered, the server never got the dot), so
the mark is one bare statement in autocommit: no ORM bookkeeping sits inside that window.

A dispatcher marks one row at a time, in id order, and marks the next only once the server has
answered the one before; a row the server refused after its dot is unmarked at once. So of the
FINALIZING rows a crash leaves, all but the last were accepted: only the last one is in doubt
(`in_doubt`), and acceptance costs no write of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Engine

from storage.models import Message, MessageStatus


class FinalizingMarks:
    """`with FinalizingMarks(engine) as marks: marks.set(row_id, message_id)`; commits each mark at once."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._set_sql = (f"UPDATE message SET status = '{MessageStatus.FINALIZING.value}', message_id = {mark} "
                         f"WHERE id = {mark}")
        self._unset_sql = (f"UPDATE message SET status = '{MessageStatus.CLAIMED.value}' "
                           f"WHERE id = {mark} AND status = '{MessageStatus.FINALIZING.value}'")

    def __enter__(self) -> FinalizingMarks:
        self._connection = self._engine.raw_connection()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._connection.close()

    def set(self, row_id: int, message_id: str) -> None:
        self._execute(self._set_sql, (message_id, row_id))

    def unset(self, row_id: int) -> None:
        """The server refused the row after its dot: it was not delivered, whatever follows it."""
        self._execute(self._unset_sql, (row_id,))

    def _execute(self, sql: str, parameters: tuple[Any, ...]) -> None:
        cursor = self._connection.cursor()
        cursor.execute(sql, parameters)
        self._connection.commit()


def in_doubt(interrupted: Sequence[Message]) -> Message | None:
    """Of the rows a crash left, the one whose final dot may not have gone out: the last marked."""
    marked = [m for m in interrupted if m.status is MessageStatus.FINALIZING]
    return max(marked, key=lambda m: m.id or 0) if marked else None
