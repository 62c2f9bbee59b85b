"""`codeassist edit` through click's runner against the fake server, in a real git repository."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli.main import cli
from tests.codeassist.conftest import endpoint_env
from tests.fake_openai import FakeOpenAI, Reply

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
TYPED = "def mul(a: float, b: float) -> float:\n    return a * b\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "calc"
    root.mkdir()
    (root / "calc.py").write_text(SOURCE)
    os.chmod(root / "calc.py", 0o640)
    for args in (["init", "-q"], ["add", "."], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def run(repo: Path, server: FakeOpenAI, *args: str):
    return CliRunner().invoke(cli, ["edit", *args, "--root", str(repo), "--index-dir", str(repo.parent / "idx")],
                              env=endpoint_env(server.base_url), catch_exceptions=False)


def test_edit_prints_a_diff_and_changes_nothing(repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```"))
    result = run(repo, fake_openai, str(repo / "calc.py:5-6"), "add type hints")
    assert result.exit_code == 0, result.output
    assert "-def mul(a, b):\n+def mul(a: float, b: float) -> float:\n" in result.stdout
    assert (repo / "calc.py").read_text() == SOURCE


def test_apply_writes_exactly_the_diff_keeps_the_mode_and_git_agrees(repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text=f"Sure:\n```python\n{TYPED}```"))
    result = run(repo, fake_openai, str(repo / "calc.py:5-6"), "add type hints", "--apply")
    assert result.exit_code == 0, result.output
    assert (repo / "calc.py").read_text() == SOURCE.replace("def mul(a, b):\n    return a * b\n", TYPED)
    assert stat.S_IMODE((repo / "calc.py").stat().st_mode) == 0o640
    git_diff = subprocess.run(["git", "diff"], cwd=repo, capture_output=True, text=True, check=True).stdout
    def hunks(diff: str) -> list[str]:  # git adds the enclosing function after @@; the lines must agree
        return [line for line in diff.splitlines() if not line.startswith(("@@", "diff ", "index "))]

    assert hunks(git_diff) == hunks(result.stdout)
    assert not list(repo.glob(".calc.py.*"))  # no temporary file left behind


def test_apply_json_reports_the_diff_and_sources(repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```"))
    result = run(repo, fake_openai, str(repo / "calc.py:5-6"), "add type hints", "--apply", "--json")
    data = json.loads(result.stdout)
    assert data["applied"] is True and (data["start_line"], data["end_line"]) == (5, 6)
    assert data["replacement"] == TYPED and data["diff"].startswith("--- a/calc.py")


def test_apply_refuses_when_the_file_changed_underneath(repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```", delay=1.0))
    changed = SOURCE + "\n\ndef sub(a, b):\n    return a - b\n"
    timer = threading.Timer(0.3, lambda: (repo / "calc.py").write_text(changed))
    timer.start()
    result = CliRunner().invoke(cli, ["edit", str(repo / "calc.py:5-6"), "add type hints", "--apply", "--root",
                                      str(repo)], env=endpoint_env(fake_openai.base_url))
    timer.join()
    assert result.exit_code == 1
    assert "changed since it was read; nothing was written" in result.output
    assert (repo / "calc.py").read_text() == changed


def test_a_read_only_file_is_a_clear_error_before_any_request(repo: Path, fake_openai: FakeOpenAI) -> None:
    os.chmod(repo / "calc.py", 0o444)
    result = CliRunner().invoke(cli, ["edit", str(repo / "calc.py:5-6"), "add type hints", "--apply", "--root",
                                      str(repo)], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 1 and "is read-only" in result.output
    assert fake_openai.requests == []


def test_an_answer_that_breaks_the_syntax_is_not_applied_and_shown(repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text="```python\ndef mul(a, b:\n    return a * b\n```"))
    result = CliRunner().invoke(cli, ["edit", str(repo / "calc.py:5-6"), "add type hints", "--apply", "--root",
                                      str(repo)], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 1
    assert "would not parse as python" in result.output and "def mul(a, b:" in result.output
    assert (repo / "calc.py").read_text() == SOURCE


@pytest.mark.parametrize("target, message", [
    ("calc.py:0-3", "1-based"),
    ("calc.py:9-3", "START must not be after END"),
    ("missing.py:1-2", "does not exist"),
])
def test_bad_targets_are_usage_errors(repo: Path, fake_openai: FakeOpenAI, target: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["edit", str(repo / target), "add hints", "--root", str(repo)],
                                env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 2 and message in result.output
    assert fake_openai.requests == []
