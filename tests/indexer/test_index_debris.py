"""What a dead or failing index run leaves behind (issue 16, items 3 and 4): worker processes die with a
killed `codeassist index`, the next run removes temporary files a killed save left, and a full disk
during the FAISS save keeps the previous file and says so."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from codeassist.indexer import engines, vector_file
from codeassist.indexer.pipeline import index_repository
from tests.indexer.hash_embedder import HashEmbedder

CHECKOUT = Path(__file__).resolve().parents[2]


def _big_repo(root: Path, files: int, functions: int) -> Path:
    for n in range(files):
        path = root / f"pkg{n % 20}" / f"mod{n}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"def fn_{n}_{i}(value):\n    '''Step {i} of module {n}.'''\n    return value + {i}\n\n"
                                for i in range(functions)))
    return root


def _cmdline(process: psutil.Process) -> str:
    """The process's command line; "" for one that is exiting (a zombie has none to read)."""
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


def _pool_workers(process: psutil.Process) -> list[psutil.Process]:
    try:
        children = process.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return []
    return [child for child in children if "multiprocessing" in _cmdline(child)]


@pytest.mark.slow
def test_debris_after_kill_minus_9_leaves_no_worker_processes(tmp_path: Path) -> None:
    root = _big_repo(tmp_path / "repo", files=engines.POOL_MIN_FILES * 3, functions=30)
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    proc = subprocess.Popen([sys.executable, "-m", "codeassist", "index", str(root), "--no-embed",
                             "--index-dir", str(tmp_path / "idx")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _pool_workers(parent)
        # the resource tracker and both chunk workers are up: the pool is running
        if sum("spawn" in _cmdline(w) or "forkserver" in _cmdline(w) for w in workers) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before its chunk pool started; make the repository bigger"
    assert len(workers) >= 3, [_cmdline(w) for w in workers]  # resource tracker + 2 workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    for orphan in alive:
        orphan.kill()
    assert alive == [], [_cmdline(p)[:100] for p in alive]


def test_debris_temporary_files_of_a_killed_save_are_removed_by_the_next_run(tmp_path: Path) -> None:
    root = _big_repo(tmp_path / "repo", files=3, functions=2)
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    # what a kill -9 in the middle of VectorIndex.save leaves: its temporary file, never renamed
    debris = [idx / "vectors.faiss.k2x9f0q1.tmp", idx / "vectors.faiss.zz_3abcd.tmp"]
    for path in debris:
        path.write_bytes(b"CODEASSIST-FAISS\n" + os.urandom(4096))
    unrelated = idx / "notes.tmp"
    unrelated.write_text("not ours\n")
    report = index_repository(root, idx, embedder=HashEmbedder())
    assert report.files_unchanged == 3
    assert [p for p in debris if p.exists()] == []
    assert unrelated.exists()
    assert sorted(p.name for p in idx.iterdir()) == ["index.db", "lock", "notes.tmp", "vectors.faiss"]


class _FullDisk:
    """os.fdopen stand-in: the file accepts `room` bytes, then every write fails with ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real = os.fdopen

    def __call__(self, fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        handle = self.real(fd, mode, *args, **kwargs)
        if "w" not in mode:
            return handle
        budget = self

        class Writer:
            def write(self, data: bytes | memoryview) -> int:
                size = len(memoryview(data).cast("B"))
                if size > budget.room:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                budget.room -= size
                return handle.write(data)

            def __getattr__(self, name: str) -> object:
                return getattr(handle, name)

            def __enter__(self) -> Writer:
                return self

            def __exit__(self, *exc: object) -> None:
                handle.close()

        return Writer()


@pytest.mark.parametrize("share", [0.0, 0.01, 0.6])
def test_debris_disk_full_during_faiss_save_keeps_the_previous_file_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float) -> None:
    root = _big_repo(tmp_path / "repo", files=4, functions=3)
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    before = (idx / "vectors.faiss").read_bytes()
    (root / "pkg0" / "added.py").write_text("def added_later():\n    return 42\n")
    # the disk fills up after this share of the file: nothing, within the header, within the vectors
    monkeypatch.setattr(vector_file.os, "fdopen", _FullDisk(int(len(before) * share)))
    report = index_repository(root, idx, embedder=HashEmbedder())
    assert report.files_indexed == 1  # the lexical index took the new file
    assert report.embed_error is not None
    assert "No space left on the device" in report.embed_error
    assert "the previous vectors.faiss is kept" in report.embed_error
    assert (idx / "vectors.faiss").read_bytes() == before
    assert [p.name for p in idx.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    # with space again, the next run completes the vectors from the embedding cache
    again = index_repository(root, idx, embedder=HashEmbedder())
    assert again.embed_error is None and again.embedded == again.chunks
