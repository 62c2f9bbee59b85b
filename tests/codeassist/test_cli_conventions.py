"""Command-line conventions a user relies on without reading the docs (issue 14, items 7-11):
commands work from any folder inside an indexed repository, every command takes the same arguments
and -h, bad option values are usage errors naming the valid ones, an empty folder is reported as
such, and piped output is never cut."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from tests.indexer.conftest import write


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, "src/pkg/retry.py", '''
        def exponential_backoff(attempt):
            """Seconds to wait before retry number `attempt`."""
            return min(30, 2 ** attempt)
        ''')
    write(root, "docs/guide.md", "# Guide\n\nRetries back off exponentially.\n")
    return root


# -- 14.7: index lookup from a subdirectory ------------------------------------------------------

SUBDIR_COMMANDS = {
    "search": lambda: ("search", "exponential_backoff", "--json"),
    "status": lambda: ("status", "--json"),
    "ask": lambda: ("ask", "what does exponential_backoff return", "--json"),
}


def _command_output_names_root(name: str, out: str, root: Path) -> None:
    if name == "search":
        hits = json.loads(out)
        assert hits[0]["path"] == "src/pkg/retry.py" and hits[0]["symbol"] == "exponential_backoff"
    elif name == "status":
        info = json.loads(out)
        assert info["root"] == str(root.resolve()) and info["files"] == 2
    else:
        answer = json.loads(out)
        assert answer["sources"][0]["path"] == "src/pkg/retry.py"


@pytest.mark.parametrize("index_where", ["default cache dir", "--index-dir"])
@pytest.mark.parametrize("command", sorted(SUBDIR_COMMANDS))
def test_index_lookup_from_subdirectory_walks_up_to_indexed_root(repo: Path, tmp_path: Path, command: str,
                                                                 index_where: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ("--index-dir", str(tmp_path / "idx")) if index_where == "--index-dir" else ()
    assert run("index", str(repo), "--no-embed", *extra)[0] == 0
    monkeypatch.chdir(repo / "src" / "pkg")
    code, out, err = run(*SUBDIR_COMMANDS[command](), *extra)
    assert code == 0, err
    assert "No index" not in err
    _command_output_names_root(command, out, repo)


def test_index_lookup_from_subdirectory_with_root_option_and_chat(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("index", str(repo), "--no-embed")
    # --root pointing inside the repository behaves the same as running from there.
    code, out, _ = run("search", "exponential_backoff", "--root", str(repo / "src"), "--json")
    assert code == 0 and json.loads(out)[0]["path"] == "src/pkg/retry.py"
    # The whole repository is searched, not just the folder: docs/guide.md is found from src/pkg.
    monkeypatch.chdir(repo / "src" / "pkg")
    code, out, _ = run("search", "Guide retries", "--json")
    assert "docs/guide.md" in {hit["path"] for hit in json.loads(out)}
    code, out, _ = run("search", "Guide retries", "--path", "src/**", "--json")
    assert {hit["path"] for hit in json.loads(out)} <= {"src/pkg/retry.py"}
    code, out, err = run("chat", input="exponential_backoff\n/exit\n")
    assert code == 0, err
    assert "src/pkg/retry.py" in out


def test_index_lookup_without_index_names_the_git_root_to_index(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo / "src" / "pkg")
    code, _, err = run("search", "anything")
    assert code == 1
    assert f"codeassist index {repo.resolve()}" in err and "Traceback" not in err


def test_index_lookup_from_subdirectory_stops_at_the_git_work_tree(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    outer = tmp_path / "home"
    write(outer, "notes.py", "def outer_helper():\n    return 0\n")
    inner = outer / "src" / "project"
    write(inner, "lib/core.py", "def inner_helper():\n    return 1\n")
    subprocess.run(["git", "init", "-q", str(inner)], check=True)
    run("index", str(outer), "--no-embed")  # an index of a folder above the repository
    monkeypatch.chdir(inner / "lib")
    code, _, err = run("search", "inner_helper")
    assert code == 1 and f"No index for {inner.resolve()}" in err
    run("index", str(inner), "--no-embed")
    code, out, _ = run("search", "inner_helper", "--json")
    assert code == 0 and [hit["path"] for hit in json.loads(out)][:1] == ["lib/core.py"]


def test_index_lookup_from_subdirectory_reads_the_root_config(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / ".codeassist.toml").write_text("[search]\nk = 3\n")
    run("index", str(repo), "--no-embed")
    monkeypatch.chdir(repo / "src")
    code, out, _ = run("config", "show", "--json")
    assert code == 0 and json.loads(out)["search"]["k"] == 3


# -- 14.8: consistent arguments, -h everywhere, help for every option ------------------------------

def _all_commands() -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []

    def visit(prefix: str, command: click.Command) -> None:
        out.append((prefix, command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                visit(f"{prefix} {name}".strip(), sub)

    visit("", cli)
    return out


@pytest.mark.parametrize("name", [name for name, _ in _all_commands()])
def test_consistent_arguments_short_help_flag_on_every_command(name: str) -> None:
    code, out, _ = run(*name.split(), "-h")
    assert code == 0 and out.startswith("Usage: ")
    assert run(*name.split(), "--help")[1] == out


@pytest.mark.parametrize("name", [name for name, _ in _all_commands()])
def test_consistent_arguments_every_option_has_help_text(name: str) -> None:
    command = dict(_all_commands())[name]
    missing = [param.name for param in command.params
               if isinstance(param, click.Option) and not param.help and param.name != "help"]
    assert missing == []


@pytest.mark.parametrize("name", ["index", "status", "search", "ask", "chat", "config show", "doctor"])
def test_consistent_arguments_root_option_on_every_repository_command(name: str) -> None:
    command = dict(_all_commands())[name]
    assert "--root" in {opt for param in command.params for opt in getattr(param, "opts", [])}


@pytest.mark.parametrize("form", ["positional", "--root"])
def test_consistent_arguments_index_and_status_take_root_both_ways(repo: Path, tmp_path: Path, form: str) -> None:
    where = [str(repo)] if form == "positional" else ["--root", str(repo)]
    code, out, _ = run("index", *where, "--index-dir", str(tmp_path / "idx"), "--no-embed", "--json")
    assert code == 0 and json.loads(out)["root"] == str(repo.resolve())
    code, out, _ = run("status", *where, "--index-dir", str(tmp_path / "idx"), "--json")
    assert code == 0 and json.loads(out)["files"] == 2


# -- 14.9: unchecked option values are usage errors naming the valid values -----------------------

K_RANGE = ["1<=x<=1000"]
UNCHECKED = [
    ("search", ("-k", "0"), K_RANGE),
    ("search", ("-k", "-3"), K_RANGE),
    ("search", ("-k", "5000"), K_RANGE),
    ("search", ("--kind", "bogus"), ["function", "method", "class", "module", "section", "window"]),
    ("search", ("--lang", "klingon"), ["python", "typescript", "codeassist languages"]),
    ("search", ("--mode", "fuzzy"), ["hybrid", "lexical", "dense"]),
    ("ask", ("-k", "0"), K_RANGE),
    ("ask", ("-k", "-3"), K_RANGE),
]


@pytest.mark.parametrize(("command", "args", "names"), UNCHECKED)
def test_unchecked_values_are_usage_errors_naming_valid_values(repo: Path, tmp_path: Path, command: str,
                                                               args: tuple[str, str], names: list[str]) -> None:
    run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    code, out, err = run(command, "retry", "--root", str(repo), "--index-dir", str(tmp_path / "idx"), *args)
    assert code == 2, out + err
    assert "No matches." not in out
    for name in names:
        assert name in err


def test_unchecked_values_valid_kind_and_lang_are_case_insensitive(repo: Path, tmp_path: Path) -> None:
    run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    code, out, _ = run("search", "backoff", "--root", str(repo), "--index-dir", str(tmp_path / "idx"),
                       "--kind", "Function", "--lang", "PYTHON", "--json")
    assert code == 0 and json.loads(out)[0]["symbol"] == "exponential_backoff"


# -- 14.10: an empty directory -------------------------------------------------------------------

@pytest.mark.parametrize("contents", ["nothing", "only skipped files"])
def test_empty_directory_says_nothing_to_index_and_notes_stay_true(tmp_path: Path, contents: str) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    expected = "0 skipped"
    if contents == "only skipped files":
        (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        (root / ".env").write_text("TOKEN=abc\n")
        expected = "2 skipped: binary 1, secret 1"
    idx = str(tmp_path / "idx")
    code, out, _ = run("index", str(root), "--index-dir", idx, "--no-embed")
    assert code == 0
    assert f"Nothing to index in {root.resolve()} ({expected})" in out
    code, out, err = run("search", "anything", "--root", str(root), "--index-dir", idx)
    assert code == 0 and "No matches." in out
    assert "is empty" in err and "no embeddings yet" not in err
    code, out, _ = run("ask", "anything", "--root", str(root), "--index-dir", idx)
    assert code == 0 and f"The index of {root.resolve()} is empty" in out
    code, out, _ = run("status", str(root), "--index-dir", idx)
    assert code == 0 and "files: 0" in out
    assert "run: codeassist index" not in out and f"empty: nothing under {root.resolve()} could be indexed" in out


# -- 14.11: piped output is never cut --------------------------------------------------------------

LONG = "x" * 150


@pytest.mark.parametrize("command", ["search", "ask"])
def test_piped_output_is_never_cut(tmp_path: Path, command: str) -> None:
    root = tmp_path / "wide"
    write(root, "src/wide.py", f'''
        def wide_function():
            return "{LONG}"  # a line far wider than 80 columns
        ''')
    write(root, "src/a/very/deeply/nested/folder/structure/that/goes/on/and/on/for/a/while/module_name.py",
          "def deeply_nested_helper():\n    return 1\n")
    idx = str(tmp_path / "idx")
    run("index", str(root), "--index-dir", idx, "--no-embed")
    query = "wide_function" if command == "search" else "what does wide_function return"
    code, out, _ = run(command, query, "--root", str(root), "--index-dir", idx)
    assert code == 0
    assert f'    return "{LONG}"  # a line far wider than 80 columns' in out
    code, out, _ = run(command, "deeply_nested_helper", "--root", str(root), "--index-dir", idx)
    assert "src/a/very/deeply/nested/folder/structure/that/goes/on/and/on/for/a/while/module_name.py:1-2" in out
