"""The prompt log: numbered migrations on open, WAL, newest-first reads, off when log = false."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codeassist.promptlog import MIGRATIONS, LogEntry, PromptLog, default_log_path
from codeassist.settings import load_settings


def test_default_path_is_in_the_user_data_dir(isolated_user_dirs: Path) -> None:
    assert default_log_path() == isolated_user_dirs / "data" / "codeassist" / "log.db"


def test_migrations_run_once_and_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = PromptLog(path)
    log.record(LogEntry(purpose="chat", endpoint="http://x/v1", model="m", request={"messages": []}))
    PromptLog(path).record(LogEntry(purpose="completion", endpoint="http://x/v1", model="m", request={"prompt": "p"},
                                    prompt_tokens=3, completion_tokens=2, latency_ms=12))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM requests").fetchone()[0] == 2


def test_recent_is_newest_first_with_decoded_request(tmp_path: Path) -> None:
    log = PromptLog(tmp_path / "log.db")
    for n in range(5):
        log.record(LogEntry(purpose="chat", endpoint="e", model=f"m{n}", request={"n": n}, template="ask",
                            template_version="1"))
    rows = log.recent(2)
    assert [r["model"] for r in rows] == ["m4", "m3"]
    assert rows[0]["request"] == {"n": 4}
    assert rows[0]["status"] == "ok"


def test_recent_on_a_missing_log_is_empty(tmp_path: Path) -> None:
    assert PromptLog(tmp_path / "nothing.db").recent() == []
    assert not (tmp_path / "nothing.db").exists()


def test_log_false_gives_no_log() -> None:
    assert PromptLog.from_settings(load_settings(None, {"log": False}, env={})) is None
    assert isinstance(PromptLog.from_settings(load_settings(None, env={})), PromptLog)
