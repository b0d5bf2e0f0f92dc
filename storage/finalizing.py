"""The FINALIZING mark, written on a connection of its own with nothing else to do.

Between this write's commit and the final dot of the email's DATA lies the only instant where a
killed dispatcher would lose a message (the row says delivered, the server never got the dot), so
the mark is one bare statement in autocommit: no ORM bookkeeping sits inside that window.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.engine import Engine

from storage.models import MessageStatus


class FinalizingMarks:
    """`with FinalizingMarks(engine) as marks: marks.set(row_id, message_id)`; commits each mark at once.

    `delivered` names the previous row, whose server acceptance is noted on the way (outside the
    window), so that after a crash only the row actually in flight is in doubt.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = (f"UPDATE message SET status = '{MessageStatus.FINALIZING.value}', message_id = {mark} "
                     f"WHERE id = {mark}")
        self._delivered_sql = (f"UPDATE message SET status = '{MessageStatus.DELIVERED.value}' "
                               f"WHERE id = {mark} AND status = '{MessageStatus.FINALIZING.value}'")

    def __enter__(self) -> FinalizingMarks:
        self._connection = self._engine.raw_connection()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._connection.close()

    def set(self, row_id: int, message_id: str, *, delivered: int | None = None) -> None:
        cursor = self._connection.cursor()
        if delivered is not None:
            cursor.execute(self._delivered_sql, (delivered,))
        cursor.execute(self._sql, (message_id, row_id))
        self._connection.commit()
