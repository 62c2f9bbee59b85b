"""The prompt log (LLMOps): one SQLite row per model request, redacted, for `codeassist log`.

The database lives at ``platformdirs.user_data_dir("codeassist")/log.db`` (WAL; numbered migrations run
on open, the way simonw/llm does it). Each row holds what was sent (redacted by the client, and again on the way to disk),
what came back, the template name and version, model, endpoint, latency, token counts and the outcome
(``ok``, ``cancelled``, ``error``). ``log = false`` in the settings turns it off (`PromptLog.from_settings`
returns None). Writes open a short-lived connection, so one log can be shared across threads.
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
]


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
    ts: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()))


def default_log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("codeassist")) / "log.db"


class PromptLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_log_path()
        self._migrated = False

    @classmethod
    def from_settings(cls, settings: Any) -> PromptLog | None:
        return cls() if getattr(settings, "log", True) else None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5)
        conn.row_factory = sqlite3.Row
        if not self._migrated:
            conn.execute("PRAGMA journal_mode=WAL")
            migrate(conn)
            self._migrated = True
        return conn

    def record(self, entry: LogEntry) -> None:
        """Store one request. Every string in it passes the redactor once more on the way to disk: the
        client sends only redacted text, but the log must not depend on every caller getting that right."""
        from codeassist.redact import redact_text

        row = {name: getattr(entry, name) for name in LogEntry.__slots__}
        row["request"] = json.dumps(_redacted(entry.request, redact_text), ensure_ascii=False)
        for name in ("response", "error", "endpoint"):
            row[name] = redact_text(row[name] or "")
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


def _redacted(value: Any, redact_text: Any) -> Any:
    """`value` (JSON data) with every string redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redacted(v, redact_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact_text) for v in value]
    return value


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations not applied yet; `PRAGMA user_version` counts the applied ones."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with conn:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
