"""Give the sandbox store's parts one SQLite connection, one lock and atomic changes.

One connection serves every thread, guarded by one re-entrant lock: SQLite serialises writers
anyway, and a single in-memory database cannot be shared between connections. Methods that
the APIs combine into one atomic change are called inside `with store.transaction():`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from jodo_sandbox.clock import PlatformClock


class StoreDatabase:
    """Run the store's statements on one shared connection; safe to call from any thread."""

    def __init__(self, connection: sqlite3.Connection, clock: PlatformClock) -> None:
        """Take over an open connection in autocommit mode whose schema exists.

        :param connection: opened with `isolation_level=None`, so that `transaction()` issues
            BEGIN/COMMIT itself: calls outside a transaction commit at once, calls inside one join it.
        :param clock: the platform's clock, for the wall-clock times the store writes.
        """
        self._clock = clock
        self._lock = threading.RLock()
        self._connection = connection

    def close(self) -> None:
        """Close the database; the store is unusable afterwards."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the enclosed store calls as one atomic change, holding the lock throughout."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise

    def _all(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def _one(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchone()

    def _write(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._connection.execute(sql, parameters)

    def _insert(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """Insert one row and return its id."""
        row_id = self._write(sql, parameters).lastrowid
        if row_id is None:  # sqlite3 sets it after every INSERT that adds a row
            raise sqlite3.OperationalError(f"no row inserted by {sql!r}")
        return row_id

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._connection.executemany(sql, rows)
