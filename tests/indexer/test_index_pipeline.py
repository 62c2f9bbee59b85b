"""Building and updating an index: incremental runs, renames, deletions, crashes, locks, corruption."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codeassist.indexer import open_index
from codeassist.indexer.chunk_text import unpack_text
from codeassist.indexer.errors import IndexCorrupt, IndexLocked, IndexNotFound, RootNotFound
from codeassist.indexer.lock import IndexLock
from codeassist.indexer.pipeline import index_repository
from tests.indexer.conftest import write

REPO_ROOT = Path(__file__).resolve().parents[2]


def chunk_set(index_dir: Path) -> set[tuple]:
    db = sqlite3.connect(index_dir / "index.db")
    db.create_function("chunk_text", 1, unpack_text)
    rows = db.execute(
        "SELECT f.path, c.start_line, c.end_line, c.kind, c.symbol, chunk_text(c.text) FROM chunks c"
        " JOIN files f ON f.id = c.file_id"
    ).fetchall()
    db.close()
    return set(rows)


def test_first_run_indexes_every_file_and_second_run_reads_nothing(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = index_repository(repo, idx, embed=False)
    assert (first.files_indexed, first.files_unchanged, first.files_removed) == (3, 0, 0)
    symbols = {row[4] for row in chunk_set(idx)}
    assert {"parseHTTPHeader", "RetryPolicy", "RetryPolicy.backoff", "Open"} <= symbols

    second = index_repository(repo, idx, embed=False)
    assert (second.files_indexed, second.files_unchanged, second.chunks_written) == (0, 3, 0)
    assert second.chunks == first.chunks


def test_edit_delete_and_rename_are_reflected(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    # An uncommitted edit counts: this is about the working tree.
    write(repo, "app/db.go", '''
        package db

        // Close releases every pooled connection.
        func Close(p *Pool) error {
            return p.shutdown()
        }
        ''')
    (repo / "README.md").unlink()
    (repo / "app" / "http.py").rename(repo / "app" / "headers.py")
    report = index_repository(repo, idx, embed=False)
    assert report.files_removed == 2  # README.md and the old name of http.py
    assert report.files_indexed == 2  # db.go (changed) and headers.py (new name)
    rows = chunk_set(idx)
    paths = {r[0] for r in rows}
    symbols = {r[4] for r in rows}
    assert paths == {"app/db.go", "app/headers.py"}
    assert "Close" in symbols and "Open" not in symbols


def test_touch_without_content_change_does_not_rechunk(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    before = chunk_set(idx)
    path = repo / "app" / "http.py"
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    report = index_repository(repo, idx, embed=False)
    assert report.files_indexed == 0 and report.files_unchanged == 3
    assert chunk_set(idx) == before


def test_binary_file_with_source_extension_and_invalid_utf8(repo: Path, tmp_path: Path) -> None:
    (repo / "blob.py").write_bytes(b"\x00\x01\x02" * 1000)
    (repo / "latin.py").write_bytes(b"# caf\xe9 au lait\ndef brew():\n    return 'caf\xe9'\n")
    report = index_repository(repo, tmp_path / "idx", embed=False)
    assert report.skipped.get("binary") == 1
    rows = [r for r in chunk_set(tmp_path / "idx") if r[0] == "latin.py"]
    assert rows and any("def brew" in r[5] and "\ufffd" in r[5] for r in rows)


def test_file_that_becomes_binary_is_dropped_from_the_index(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    (repo / "app" / "db.go").write_bytes(b"\x00" * 4096)
    report = index_repository(repo, idx, embed=False)
    assert "app/db.go" not in {r[0] for r in chunk_set(idx)}
    assert report.skipped.get("binary") == 1


def test_empty_repository_gives_an_empty_index(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    report = index_repository(root, tmp_path / "idx", embed=False)
    assert (report.files_total, report.chunks) == (0, 0)
    with open_index(root, tmp_path / "idx") as index:
        assert index.search("anything") == []


def test_missing_root_and_missing_index_have_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(RootNotFound, match="no such directory"):
        index_repository(tmp_path / "nope", tmp_path / "idx")
    (tmp_path / "r").mkdir()
    with pytest.raises(IndexNotFound, match="codeassist index"):
        open_index(tmp_path / "r", tmp_path / "idx-none")


def test_corrupt_database_is_reported_and_rebuild_recovers(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    for name in ("index.db-wal", "index.db-shm"):
        (idx / name).unlink(missing_ok=True)
    (idx / "index.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorrupt, match="--rebuild"):
        index_repository(repo, idx, embed=False)
    report = index_repository(repo, idx, embed=False, rebuild=True)
    assert report.files_indexed == 3


def test_concurrent_runs_are_serialized_with_a_clear_message(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    with IndexLock(idx):
        with pytest.raises(IndexLocked, match="Another codeassist process"):
            index_repository(repo, idx, embed=False)
    assert index_repository(repo, idx, embed=False).files_indexed == 3


def _big_repo(root: Path, files: int) -> None:
    for i in range(files):
        body = "\n".join(
            f"def handler_{i}_{j}(request):\n    '''Handle request {j} of module {i}.'''\n    return {j} * {i}\n"
            for j in range(12)
        )
        write(root, f"pkg{i % 20}/mod_{i}.py", body)


@pytest.mark.slow
def test_kill_9_mid_run_leaves_an_index_the_next_run_completes(tmp_path: Path) -> None:
    root = tmp_path / "big"
    _big_repo(root, 1500)
    idx = tmp_path / "idx"
    script = (
        "import sys; from codeassist.indexer.pipeline import index_repository;"
        f"index_repository({str(root)!r}, {str(idx)!r}, embed=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT)
    deadline = time.monotonic() + 60
    written = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            db = sqlite3.connect(idx / "index.db", timeout=1)
            written = db.execute("SELECT count(*) FROM files").fetchone()[0]
            db.close()
        except sqlite3.Error:
            written = 0
        if written >= 50:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "indexing finished before it could be killed; make the repo bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < written < 1500

    resumed = index_repository(root, idx, embed=False)
    assert resumed.files_total == 1500
    assert resumed.files_unchanged >= written  # the work done before the kill was kept
    clean = tmp_path / "clean"
    index_repository(root, clean, embed=False)
    assert chunk_set(idx) == chunk_set(clean)
