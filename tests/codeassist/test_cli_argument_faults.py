"""Command-line values no command can use are one-line errors naming the option (found by the
robustness trial, bench/robustness.py, issue 16): text that is not UTF-8, paths no file system can
hold (a name past NAME_MAX, a path past PATH_MAX, ``~user`` without a home) on the command line or in
a manifest, and an --index-dir under a file. Before, each was a traceback (UnicodeEncodeError,
TypeError from the tokenizer, OSError ENAMETOOLONG, RuntimeError from expanduser)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.user_paths import MAX_NAME_BYTES, MAX_PATH_BYTES
from tests.indexer.hash_embedder import HashEmbedder

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "orders.py").write_text("def order_total(items):\n    return sum(items)\n")
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    return root, idx


def run_cli(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """The real command, argv passed as bytes the way a shell passes them."""
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), "LC_ALL": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "codeassist", *argv], capture_output=True, env=env, timeout=120)


def error_line(stderr: bytes) -> str:
    """The one line saying what is wrong (click's "Usage:" / "Try" preamble aside)."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(("Usage:", "Try '"))]
    assert len(lines) == 1 and lines[0].startswith("Error: "), text
    return lines[0]


# the text values of every command that takes one, with the undecodable byte 0xe9 (Latin-1 "é")
NOT_UTF8 = os.fsdecode(b"caf\xe9")
TEXT_VALUES = {
    "search QUERY": (["search", NOT_UTF8], "'QUERY'"),
    "search --lang": (["search", "total", "--lang", NOT_UTF8], "'--lang'"),
    "search --kind": (["search", "total", "--kind", NOT_UTF8], "'--kind'"),
    "search --path": (["search", "total", "--path", NOT_UTF8], "'--path'"),
    "search --repo": (["search", "total", "--repo", NOT_UTF8], "'--repo'"),
    "symbols QUERY": (["symbols", NOT_UTF8], "'[QUERY]'"),
    "symbols --kind": (["symbols", "order", "--kind", NOT_UTF8], "'--kind'"),
    "definition NAME": (["definition", NOT_UTF8], "'NAME'"),
    "ask QUESTION": (["ask", NOT_UTF8], "'QUESTION'"),
}


@pytest.mark.parametrize("case", sorted(TEXT_VALUES))
def test_cli_argument_not_utf8_is_a_one_line_error(indexed: tuple[Path, Path], case: str) -> None:
    root, idx = indexed
    argv, option = TEXT_VALUES[case]
    done = run_cli([*argv, "--root", str(root), "--index-dir", str(idx)])
    line = error_line(done.stderr)
    assert done.returncode == 2
    assert option in line and "not UTF-8 text (byte 0xe9 at character 4)" in line


UNUSABLE_PATHS = {
    "name_too_long": ("n" * (MAX_NAME_BYTES + 1), f"allows {MAX_NAME_BYTES} per file or folder name"),
    "path_too_long": ("/".join(["p" * 200] * (MAX_PATH_BYTES // 200 + 1)), f"allows paths under {MAX_PATH_BYTES:,}"),
    "home_of_unknown_user": ("~no_such_user_x9/repo", "there is no user 'no_such_user_x9'"),
}
PATH_OPTIONS = {
    "index PATH": (["index", "{}"], "'[PATHS]...'"),
    "index --root": (["index", "--root", "{}"], "'--root'"),
    "index --index-dir": (["index", "{root}", "--index-dir", "{}"], "'--index-dir'"),
    "index --manifest": (["index", "--manifest", "{}"], "'--manifest'"),
    "status PATH": (["status", "{}"], "'[PATH]'"),
    "search --root": (["search", "total", "--root", "{}"], "'--root'"),
    "search --index-dir": (["search", "total", "--root", "{root}", "--index-dir", "{}"], "'--index-dir'"),
    "symbols --path": (["symbols", "--path", "{}", "--root", "{root}"], "'--path'"),
    "definition --from": (["definition", "order_total", "--from", "{}", "--root", "{root}"], "'--from'"),
    "ask --root": (["ask", "what?", "--root", "{}"], "'--root'"),
}


@pytest.mark.parametrize("shape", sorted(UNUSABLE_PATHS))
@pytest.mark.parametrize("option", sorted(PATH_OPTIONS))
def test_cli_path_no_file_system_can_hold_is_a_one_line_error(indexed: tuple[Path, Path], shape: str,
                                                              option: str) -> None:
    root, _ = indexed
    value, reason = UNUSABLE_PATHS[shape]
    template, name = PATH_OPTIONS[option]
    argv = [value if a == "{}" else a.replace("{root}", str(root)) for a in template]
    result = CliRunner().invoke(cli, argv)
    assert isinstance(result.exception, SystemExit), result.exception
    line = error_line(result.stderr.encode())
    assert result.exit_code == 2
    assert name in line and "cannot be a path" in line and reason in line


@pytest.mark.parametrize("shape", sorted(UNUSABLE_PATHS))
def test_manifest_entry_no_file_system_can_hold_is_a_one_line_error(tmp_path: Path, shape: str) -> None:
    value, reason = UNUSABLE_PATHS[shape]
    (tmp_path / "repo").mkdir()
    manifest = tmp_path / "repos.txt"
    manifest.write_text(f"repo\n# the next line is the bad one\n{value}\n")
    result = CliRunner().invoke(cli, ["index", "--manifest", str(manifest), "--index-dir", str(tmp_path / "idx")])
    assert isinstance(result.exception, SystemExit), result.exception
    line = error_line(result.stderr.encode())
    assert result.exit_code == 1
    assert f"The manifest {manifest}, line 3:" in line and reason in line
    assert len(line) < 400  # a 4,000-byte entry is shortened, not echoed whole


@pytest.mark.parametrize("command", [["status", "{root}"], ["search", "total", "--root", "{root}"],
                                     ["symbols", "order", "--root", "{root}"],
                                     ["definition", "order_total", "--root", "{root}"]])
def test_index_dir_under_a_file_read_commands_name_the_file(indexed: tuple[Path, Path], tmp_path: Path,
                                                            command: list[str]) -> None:
    root, _ = indexed
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n")
    argv = [a.replace("{root}", str(root)) for a in command] + ["--index-dir", str(blocker / "idx")]
    result = CliRunner().invoke(cli, argv)
    assert isinstance(result.exception, SystemExit), result.exception
    line = error_line(result.stderr.encode())
    assert f"{blocker} is a file" in line and "Pass --index-dir a folder path" in line
    assert "Create it with" not in line  # `codeassist index` could not create it there either
