"""Damaged or unusual index folders (issue 16, item 3): each is a one-line error naming the real cause
and the fix, never a traceback; a read-only index can still be searched."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from tests.indexer.conftest import write


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    for n in range(40):
        write(root, f"src/mod{n}.py", f'''
            def handler_{n}(request):
                """Answer request number {n} with its payload."""
                return request.payload * {n}
            ''')
    idx = tmp_path / "idx"
    code, _, err = run("index", str(root), "--index-dir", str(idx), "--no-embed")
    assert code == 0, err
    return root, idx


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in err, err
    return lines[0]


def _root_page(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("table", ["chunks", "files", "chunks_fts_data", "chunks_fts_idx"])
@pytest.mark.parametrize("command", ["search", "status", "index"])
def test_damaged_index_garbage_in_the_middle_is_a_one_line_error(indexed: tuple[Path, Path], table: str,
                                                                 command: str) -> None:
    root, idx = indexed
    db = idx / "index.db"
    page = _root_page(db, table)
    assert page > 1  # not the header page
    with db.open("r+b") as fh:
        fh.seek((page - 1) * 4096)
        fh.write(bytes(range(256)) * 16)
    args = {"search": ["search", "handler_7 request payload", "--root", str(root)],
            "status": ["status", str(root)], "index": ["index", str(root), "--no-embed"]}[command]
    code, out, err = run(*args, "--index-dir", str(idx))
    if code == 0:  # the damaged page was not needed: the answer must still be right
        assert "handler_7" in out or command != "search"
        return
    line = one_error_line(err)
    assert "is damaged" in line and f"codeassist index --rebuild --index-dir {idx}" in line


@pytest.mark.parametrize(("table", "command"), [("chunks_fts", "search"), ("chunks", "search"),
                                                ("files", "status"), ("embeddings", "index")])
def test_damaged_index_dropped_table_is_a_one_line_error(indexed: tuple[Path, Path], table: str,
                                                         command: str) -> None:
    root, idx = indexed
    conn = sqlite3.connect(idx / "index.db")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    args = {"search": ["search", "handler", "--root", str(root)], "status": ["status", str(root)],
            "index": ["index", str(root)]}[command]  # index with its embed stage, which needs the cache
    code, _, err = run(*args, "--index-dir", str(idx))
    if command == "index":  # the lexical index is fine; the dense stage stops and says why
        assert "Traceback" not in err
        line = next(line for line in err.splitlines() if "dense stage stopped" in line)
    else:
        assert code == 1
        line = one_error_line(err)
    assert f"the table {table} is missing" in line and f"--rebuild --index-dir {idx}" in line


def _read_only(folder: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `folder` read-only: chmod for a normal user; root ignores permission bits, so
    for root a read-only bind mount in a private mount namespace (unshare -m)."""
    cmd = [sys.executable, "-m", "codeassist", *argv]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    if os.geteuid() != 0:
        for path in [folder, *folder.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        finally:
            for path in [folder, *folder.iterdir()]:
                path.chmod(0o755 if path.is_dir() else 0o644)
    if shutil.which("unshare") is None:
        pytest.fail("running as root without unshare: no way to make a read-only folder")
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, str(folder), *cmd], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize("command", ["search", "status", "index"])
def test_damaged_index_read_only_folder_is_searchable_and_never_advises_rebuild(indexed: tuple[Path, Path],
                                                                                command: str) -> None:
    root, idx = indexed
    args = {"search": ["search", "handler_7 payload", "--root", str(root)], "status": ["status", str(root)],
            "index": ["index", str(root), "--no-embed"]}[command]
    for name in ("index.db-wal", "index.db-shm"):  # a cleanly closed index
        assert not (idx / name).exists()
    done = _read_only(idx, [*args, "--index-dir", str(idx)])
    assert "Traceback" not in done.stderr and "--rebuild" not in done.stderr + done.stdout
    if command == "index":
        assert done.returncode == 1
        line = one_error_line(done.stderr)
        assert f"The index at {idx} is read-only" in line and "chmod" in line
    else:
        assert done.returncode == 0, done.stderr
        assert ("src/mod7.py" in done.stdout) if command == "search" else ("files: 40" in done.stdout)


def test_damaged_index_folder_in_place_of_the_lock_file(indexed: tuple[Path, Path]) -> None:
    root, idx = indexed
    (idx / "lock").unlink()
    (idx / "lock").mkdir()
    code, _, err = run("index", str(root), "--index-dir", str(idx), "--no-embed")
    line = one_error_line(err)
    assert code == 1 and f"{idx / 'lock'} is a folder" in line and "rm -r" in line
    code, out, _ = run("search", "handler_7", "--root", str(root), "--index-dir", str(idx))
    assert code == 0 and "src/mod7.py" in out  # readers do not need the lock


@pytest.mark.parametrize("depth", ["parent", "grandparent"])
def test_damaged_index_file_in_place_of_the_index_folder_parent(indexed: tuple[Path, Path], tmp_path: Path,
                                                                depth: str) -> None:
    root, _ = indexed
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder\n")
    target = blocker / "idx" if depth == "parent" else blocker / "deeper" / "idx"
    code, _, err = run("index", str(root), "--index-dir", str(target), "--no-embed")
    line = one_error_line(err)
    assert code == 1 and "is a file where a folder is needed" in line and "--index-dir" in line
