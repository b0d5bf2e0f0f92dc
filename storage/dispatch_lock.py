"""One dispatcher at a time per database, held for the life of the process.

The lock dies with its holder — the kernel drops a SIGKILLed process's file lock, PostgreSQL its
session's advisory lock — so the next dispatcher may safely take over what the dead one left.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

_PG_KEY = 0x72656C61  # "rela": an arbitrary constant naming relance's dispatcher lock


class DispatcherBusy(RuntimeError):
    """Another process is dispatching for this database (`relance run`, or a `relance sweep` under way)."""


@contextmanager
def dispatcher_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            if not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_KEY}).scalar():
                raise DispatcherBusy("another relance process is dispatching for this database")
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_KEY})
        return
    database = engine.url.database
    path = Path(f"{database}.dispatch-lock") if database and database != ":memory:" else None
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DispatcherBusy("another relance process is dispatching for this database") from None
        yield
    finally:
        os.close(descriptor)
