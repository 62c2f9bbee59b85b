"""Discovery faults found by the robustness trial (bench/robustness.py, issue 16): what a user's own
permissions hide from git must still be reported, never dropped silently."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.special_files import make_special_file

NOBODY = 65534
CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path lives under a 0700 folder of root's)."""
    path = Path(tempfile.mkdtemp(prefix="codeassist-perm-"))
    path.chmod(0o755)
    yield path
    for dirpath, dirnames, _ in os.walk(path):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
    shutil.rmtree(path)


def discover_as_user(root: Path) -> dict:
    """discover_files(root) in a process whose permission bits count: this user when it is not root,
    else the unprivileged uid 65534 (root reads every folder, so nothing would be hidden from it)."""
    code = ("import json, sys; from codeassist.indexer.discovery import discover_files; "
            "d = discover_files(sys.argv[1]); print(json.dumps({'mode': d.mode, 'files': [f.rel for f in d.files], "
            "'skipped': d.skipped, 'examples': d.skipped_examples}))")
    cmd = [sys.executable, "-c", code, str(root)]
    env = {"PATH": os.environ["PATH"], "HOME": str(root.parent), "PYTHONPATH": str(CHECKOUT),
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CEILING_DIRECTORIES": str(root.parent)}
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.fail("running as root without setpriv: no way to be refused a folder")
        for dirpath, dirnames, filenames in os.walk(root.parent):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
                os.lchown(name, NOBODY, NOBODY)
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("locked", ["locked", "deep/er/locked", "with space"])
@pytest.mark.parametrize("mode", [0o000, 0o300])  # no read: git cannot list what is inside
def test_unreadable_directory_in_git_mode_is_reported_not_dropped(shared_dir: Path, locked: str,
                                                                  mode: int) -> None:
    root = shared_dir / "repo"
    (root / "ok").mkdir(parents=True)
    (root / "ok" / "kept.py").write_text("def kept():\n    return 1\n")
    (root / locked).mkdir(parents=True)
    (root / locked / "hidden.py").write_text("def hidden():\n    return 2\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / locked).chmod(mode)

    found = discover_as_user(root)

    assert found["mode"] == "git"
    assert found["files"] == ["ok/kept.py"]
    assert found["skipped"] == {"unreadable": 1}
    assert found["examples"]["unreadable"] == [f"{locked}/"]




def _discover_in_subprocess(root: Path) -> dict:
    """discover_files in a child with a deadline: a regression here blocks for ever instead of failing."""
    code = ("import json, sys; from codeassist.indexer.discovery import discover_files; "
            "d = discover_files(sys.argv[1]); print(json.dumps({'mode': d.mode, 'files': [f.rel for f in d.files], "
            "'problems': d.rule_problems}))")
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", ["named pipe", "link to /dev/zero", "folder"])
@pytest.mark.parametrize("rule_file", [".codeassistignore", "sub/.codeassistignore", ".gitignore",
                                       "sub/.gitignore", ".git/info/exclude"])
def test_special_file_in_place_of_a_rule_file_is_named_and_never_read(tmp_path: Path, kind: str,
                                                                      rule_file: str) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "a.py").write_text("def a():\n    return 1\n")
    (root / "sub" / "b.py").write_text("def b():\n    return 2\n")
    if rule_file.startswith(".git/"):
        (root / ".git" / "info").mkdir(parents=True)  # not a work tree git accepts: the walk reads it
    make_special_file(root / rule_file, kind)

    found = _discover_in_subprocess(root)

    assert found["mode"] == "walk"
    assert found["files"] == ["a.py", "sub/b.py"]
    what = {"named pipe": "a named pipe (FIFO)", "folder": "a folder"}.get(kind, "a character device")
    assert found["problems"] == [f"{rule_file}: {what}, not a file of rules; ignored"]


def test_special_file_gitignore_that_blocks_git_falls_back_to_the_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codeassist.indexer import git_listing
    from codeassist.indexer.discovery import discover_files

    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "a.py").write_text("def a():\n    return 1\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    os.mkfifo(root / "sub" / ".gitignore")  # git opens it with a blocking read and waits for a writer
    monkeypatch.setattr(git_listing, "GIT_LIST_TIMEOUT", 2.0)

    found = discover_files(root)

    assert found.mode == "walk"
    assert [f.rel for f in found.files] == ["a.py"]
    assert found.rule_problems == [
        "git ls-files did not finish in 2 s (is a .gitignore a named pipe?); the folder was walked instead",
        "sub/.gitignore: a named pipe (FIFO), not a file of rules; ignored"]


@pytest.mark.parametrize("use_git", [True, False])
@pytest.mark.parametrize("where", [".codeassist-index", "sub/idx", "."])
def test_index_folder_inside_the_repository_is_never_indexed(tmp_path: Path, where: str, use_git: bool) -> None:
    from codeassist.indexer import open_index
    from codeassist.indexer.pipeline import index_repository
    from tests.indexer.hash_embedder import HashEmbedder

    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "a.py").write_text("def a():\n    return 1\n")
    (root / "sub" / "b.py").write_text("def b():\n    return 2\n")
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    idx = root / where

    first = index_repository(root, idx, embedder=HashEmbedder())
    again = index_repository(root, idx, embedder=HashEmbedder())

    assert first.files_indexed == 2 and "binary" not in first.skipped
    examples = first.skipped_examples["excluded"]
    assert examples == [f"{where}/"] if where != "." else set(examples) <= {"index.db", "index.db-wal",
                                                                             "index.db-shm", "lock"}
    assert (again.files_indexed, again.files_unchanged, again.files_removed) == (0, 2, 0)
    with open_index(root, idx) as index:
        assert sorted(index._store.file_states()) == ["a.py", "sub/b.py"]
        assert index.stale_files() == 0  # `status` judges the index's own files as the run did
