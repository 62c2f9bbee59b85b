"""Files the last run listed but did not index because of their content, remembered with the reason.

Without this a file skipped as binary, minified or too large would look new to every later run and to
`status` (issue: "N stale files right after index"). A record is (repo, path, size, mtime_ns, reason),
kept in the `skipped_files` table (migration 3 in `store_schema`):

- the pipeline records a content skip and does not read the file again while its size and mtime hold;
  a file that is indexed, or no longer listed, loses its record;
- `missing` and `unreadable` are not remembered: a permission fix or a file coming back changes no
  mtime, and the next run must see it;
- the records hold only while the settings that decide a content skip are the same (`fingerprint`):
  a run with another `max_line_length` or `max_file_bytes` forgets them all and reads the files again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import NamedTuple

from codeassist.indexer.config import IndexConfig

__all__ = ["SkippedFile", "fingerprint", "forget_skips", "remember_skip", "reset_if_settings_changed",
           "skipped_files"]

# Bump when content_sniff's rules change: files skipped under the old rules are read again.
SNIFF_RULES_VERSION = 1
_NOT_REMEMBERED = frozenset({"missing", "unreadable"})
_META_KEY = "skip_fingerprint"


class SkippedFile(NamedTuple):
    size: int
    mtime_ns: int
    reason: str


def fingerprint(config: IndexConfig) -> str:
    """The settings a remembered content skip depends on, as one string."""
    return f"v{SNIFF_RULES_VERSION}:{config.max_file_bytes}:{config.max_line_length}"


def reset_if_settings_changed(db: sqlite3.Connection, config: IndexConfig) -> None:
    """Forget every record made under other settings (see `fingerprint`). Call inside a write."""
    wanted = fingerprint(config)
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    if row is None or row[0] != wanted:
        db.execute("DELETE FROM skipped_files")
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_META_KEY, wanted))


def skipped_files(db: sqlite3.Connection, repo: str = "", config: IndexConfig | None = None) -> dict[str, SkippedFile]:
    """path -> record for one repository ("" = the single one). With `config`, only records that still
    hold under it (none when the settings changed since they were made)."""
    if config is not None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
        if row is None or row[0] != fingerprint(config):
            return {}  # made under other settings: the next index run reads those files again
    try:
        rows = db.execute("SELECT path, size, mtime_ns, reason FROM skipped_files WHERE repo = ?", (repo,)).fetchall()
    except sqlite3.OperationalError:  # an index made before migration 3, opened read-only
        return {}
    return {path: SkippedFile(size, mtime, reason) for path, size, mtime, reason in rows}


def remember_skip(db: sqlite3.Connection, repo: str, path: str, size: int, mtime_ns: int, reason: str) -> None:
    if reason in _NOT_REMEMBERED:
        forget_skips(db, repo, [path])
        return
    db.execute("INSERT OR REPLACE INTO skipped_files(repo, path, size, mtime_ns, reason) VALUES (?, ?, ?, ?, ?)",
               (repo, path, size, mtime_ns, reason))


def forget_skips(db: sqlite3.Connection, repo: str, paths: Iterable[str]) -> None:
    db.executemany("DELETE FROM skipped_files WHERE repo = ? AND path = ?", ((repo, path) for path in paths))
