"""The prompt log (LLMOps): one SQLite row per model request, redacted, for `codeassist log`.

The database lives at ``platformdirs.user_data_dir("codeassist")/log.db`` (WAL; numbered migrations run
on open, the way simonw/llm does it). Each row holds what was sent (already redacted by the client),
what came back, the template name and version, model, endpoint, latency, token counts and the outcome
(``ok``, ``cancelled``, ``error``), which endpoint of the fallback chain it was and why earlier ones were
skipped; plus the suggestion events (shown, accepted, partially accepted, dismissed) behind `codeassist
stats`. Nothing here is ever sent anywhere. ``log = false`` in the settings turns it all off
(`PromptLog.from_settings` returns None); ``[log] max_days`` / ``max_mb`` bound its size. Writes open a short-lived connection, so one log can be shared across threads.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIGRATIONS: list[str] = [
    # 1: the request log
    """
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        purpose TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        template TEXT NOT NULL DEFAULT '',
        template_version TEXT NOT NULL DEFAULT '',
        request TEXT NOT NULL,
        response TEXT NOT NULL DEFAULT '',
        latency_ms INTEGER,
        first_token_ms INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        finish_reason TEXT,
        status TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX requests_ts ON requests (ts);
    """,
    # 2: the fallback chain (which endpoint of the chain, which user request, why others were skipped) and
    # suggestion events (shown / accepted / partial / dismissed) for `codeassist stats`
    """
    ALTER TABLE requests ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE requests ADD COLUMN chain_position INTEGER;
    ALTER TABLE requests ADD COLUMN skipped TEXT NOT NULL DEFAULT '';
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        suggestion_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        chars INTEGER
    );
    CREATE INDEX events_ts ON events (ts);
    CREATE INDEX events_suggestion ON events (suggestion_id);
    """,
]

EVENT_KINDS = ("shown", "accepted", "partial", "dismissed")


@dataclass(slots=True)
class LogEntry:
    purpose: str
    endpoint: str
    model: str
    request: Any
    template: str = ""
    template_version: str = ""
    response: str = ""
    latency_ms: int | None = None
    first_token_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    status: str = "ok"
    error: str = ""
    # One user-facing request may make several rows (one per endpoint tried): they share request_id.
    request_id: str = ""
    # 0 = the section's own endpoint, 1.. = its fallbacks; None = not through a chain.
    chain_position: int | None = None
    # "endpoint: reason; ..." for the endpoints skipped or failed before this one.
    skipped: str = ""
    ts: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()))


def default_log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("codeassist")) / "log.db"


class PromptLog:
    """The log database. `max_days` / `max_mb` (0 = no limit) are applied once per process, on the
    first write or read."""

    def __init__(self, path: Path | None = None, *, max_days: int = 0, max_mb: int = 0) -> None:
        self.path = Path(path) if path else default_log_path()
        self.max_days = max_days
        self.max_mb = max_mb
        self._migrated = False

    @classmethod
    def from_settings(cls, settings: Any) -> PromptLog | None:
        """None when `log = false` (nothing is recorded: no requests, no metrics)."""
        log = getattr(settings, "log", True)
        if not log:
            return None
        return cls(max_days=getattr(log, "max_days", 0), max_mb=getattr(log, "max_mb", 0))

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5)
        conn.row_factory = sqlite3.Row
        if not self._migrated:
            conn.execute("PRAGMA journal_mode=WAL")
            migrate(conn)
            self._migrated = True
            self._apply_retention(conn)
        return conn

    def _apply_retention(self, conn: sqlite3.Connection) -> None:
        if self.max_days:
            cutoff = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - self.max_days * 86400))
            with conn:
                conn.execute("DELETE FROM requests WHERE ts < ?", (cutoff,))
                conn.execute("DELETE FROM events WHERE ts < ?", (cutoff,))
        if self.max_mb and self.path.stat().st_size > self.max_mb * 1_000_000:
            # Drop the oldest half of the rows and give the space back (rare: only past the limit).
            with conn:
                for table in ("requests", "events"):
                    conn.execute(f"DELETE FROM {table} WHERE id <= (SELECT (MIN(id) + MAX(id)) / 2 FROM {table})")
            conn.execute("VACUUM")

    def record_event(self, suggestion_id: str, kind: str, *, source: str = "", chars: int | None = None) -> None:
        """A suggestion event: `kind` is one of EVENT_KINDS (ValueError otherwise)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}, got {kind!r}")
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
        conn = self._connect()
        try:
            with conn:
                conn.execute("INSERT INTO events (ts, suggestion_id, kind, source, chars) VALUES (?, ?, ?, ?, ?)",
                             (ts, suggestion_id, kind, source, chars))
        finally:
            conn.close()

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query (for `codeassist stats`); [] when there is no log yet."""
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def record(self, entry: LogEntry) -> None:
        row = {name: getattr(entry, name) for name in LogEntry.__slots__}
        row["request"] = json.dumps(entry.request, ensure_ascii=False)
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        conn = self._connect()
        try:
            with conn:
                conn.execute(f"INSERT INTO requests ({columns}) VALUES ({marks})", row)
        finally:
            conn.close()

    def recent(self, n: int = 10) -> list[dict[str, Any]]:
        """The last `n` rows, newest first; `request` decoded from JSON."""
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            rows = conn.execute("SELECT * FROM requests ORDER BY id DESC LIMIT ?", (n,)).fetchall()
        finally:
            conn.close()
        result = []
        for row in rows:
            item = dict(row)
            item["request"] = json.loads(item["request"])
            result.append(item)
        return result


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations not applied yet; `PRAGMA user_version` counts the applied ones."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with conn:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
