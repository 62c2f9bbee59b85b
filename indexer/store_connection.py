"""The SQLite connection of an index: how it is opened (read-write in WAL mode, or read-only) and how
every SQLite failure becomes a domain error that names the cause and the fix.

The translation sits in the connection (a cursor subclass), so a damaged page met in the middle of a
search, a table someone dropped, a full disk or a read-only folder each give the same one-line error
wherever the query that hit it was written.
"""

from __future__ import annotations

import errno
import re
import sqlite3
from pathlib import Path
from typing import Any

from codeassist.indexer.chunk_text import unpack_text
from codeassist.indexer.errors import CodeassistError, IndexCorrupt, IndexReadOnly, storage_error


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to the index database at `path` (autocommit; transactions are explicit)."""
    if not readonly:
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False,
                             factory=_Connection)
        db.index_path = path
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    else:
        # A WAL database in a folder this process may not write: its -shm cannot be created, so SQLite
        # reads it as immutable (nobody changes it while the folder is read-only).
        shm = path.with_name(path.name + "-shm")
        mode = "mode=ro" if shm.exists() else "immutable=1"
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=30.0, isolation_level=None,
                             check_same_thread=False, factory=_Connection)
        db.index_path = path
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    # Chunk text is stored deflated (chunk_text.py): every query reads it through this one function.
    db.create_function("chunk_text", 1, unpack_text, deterministic=True)
    return db


def database_error(path: Path, err: sqlite3.Error) -> CodeassistError:
    """The domain error for an SQLite failure on the index database at `path`: what is wrong and the fix."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err)
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return IndexReadOnly(str(path.parent))
    if name == "SQLITE_FULL" or "disk is full" in text:
        return storage_error(path, OSError(errno.ENOSPC, "No space left on device"), "writing the index database",
                             "what was committed before is kept")
    if name == "SQLITE_BUSY" or "locked" in text:
        return CodeassistError(f"The index database {path} is busy (another process holds a write lock "
                               "for more than 30 s). Wait for it to finish, then run the command again.")
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return storage_error(path, OSError(errno.EACCES, "cannot open"), "opening the index database")
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return CodeassistError(f"Reading or writing the index database {path} failed (disk I/O error: {text}). "
                               "Check the disk and free space, then run: codeassist index")
    missing = re.match(r"no such (?:fts5 )?(table|column): (?:main\.)?(\S+)", text)
    if missing:
        return IndexCorrupt(str(path), f"the {missing.group(1)} {missing.group(2)} is missing")
    return IndexCorrupt(str(path), text)


class _Cursor(sqlite3.Cursor):
    """Turns SQLite failures into domain errors (see `database_error`), however late they surface."""

    def _fail(self, err: sqlite3.Error) -> CodeassistError:
        return database_error(self.connection.index_path, err)

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:  # type: ignore[override]
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as err:
            raise self._fail(err) from None

    def executemany(self, sql: str, seq_of_parameters: Any) -> _Cursor:  # type: ignore[override]
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as err:
            raise self._fail(err) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as err:
            raise self._fail(err) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as err:
            raise self._fail(err) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as err:
            raise self._fail(err) from None


class _Connection(sqlite3.Connection):
    index_path: Path

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:  # type: ignore[override]
        return self.cursor(_Cursor).execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any) -> _Cursor:  # type: ignore[override]
        return self.cursor(_Cursor).executemany(sql, seq_of_parameters)
