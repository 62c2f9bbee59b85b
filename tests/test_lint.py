"""The code base stays lint-clean: ruff over every Python file, as CI runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """The Quickstart's second command is what CI runs: a fresh machine gets exactly what CI got."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in quickstart.split("```bash")[1:]]
    commands = [block.split("```", 1)[0].strip() for block in commands]
    assert len(commands) == 2, "the Quickstart has exactly two setup commands"
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd ", "export "))]
    assert ci == [commands[1]]
    assert commands[1].endswith("python -m pytest")
