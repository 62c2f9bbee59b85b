"""Emacs 28 + eglot against the real codeassist-lsp (batch mode) and the fake OpenAI server: eglot accepts the
completion reply (printable sortText) and completes the partly typed word (`ret` -> `return ...`).

Needs `emacs` with eglot (Debian: `apt-get install emacs-nox elpa-eglot`; the README's test command installs them with tests/install_test_tools.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "eglot_e2e.el"
EMACS = shutil.which("emacs")
SOURCE = "class User:\n    def __init__(self, name):\n        self.name = name\n\n    def shout(self):\n"


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_eglot_accepts_and_completes_the_partly_typed_word(tmp_path: Path) -> None:
    assert EMACS, "emacs is not installed: apt-get install emacs-nox elpa-eglot (sh tests/install_test_tools.sh does it)"
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)  # project.el finds the project by VC
    target = repo / "user.py"
    target.write_text(SOURCE, encoding="utf-8")
    with FakeOpenAI(default_completion="urn self.name.upper()") as fake:
        # Emacs users configure the server through the repository's .codeassist.toml.
        (repo / ".codeassist.toml").write_text(
            f'[completion]\nbase_url = "{fake.base_url}"\nmodel = "qwen2.5-coder:1.5b"\ndebounce_ms = 0\n'
            # generous: a cold server's first request (imports on a loaded CI machine) must not fall back
            'deadline_ms = 20000\n'
            f'[index]\nindex_dir = "{tmp_path / "index"}"\n', encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEASSIST_", "OPENAI_"))}
        env.update({
            "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "CODEASSIST_E2E_FILE": str(target),
            "CODEASSIST_E2E_RESULT": str(tmp_path / "result.json"),
            "CODEASSIST_E2E_TYPED": "        ret",
            "CODEASSIST_E2E_CMD": json.dumps([sys.executable, "-m", "codeassist.lsp.server"]),
            "HOME": str(tmp_path),  # no user init files
        })
        proc = subprocess.run([EMACS, "--batch", "-l", str(DRIVER)], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=130, stdin=subprocess.DEVNULL, check=False)
        completions = fake.requests_of("completions")
    result_file = tmp_path / "result.json"
    assert result_file.is_file(), f"emacs wrote no result (exit {proc.returncode})\n{proc.stderr[-3000:]}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, f"{result.get('error')}\n{result.get('messages')}\n{proc.stderr[-3000:]}"
    events = result.pop("events", "")  # eglot's log of the LSP traffic, for failures
    assert result["connected"] is True
    assert completions, "no completion request reached the model"
    # eglot parsed the reply and matched the item against the typed word.
    assert result["word"] == "ret"
    assert result["candidates"] == ["return self.name.upper()"], events[-4000:]
    # M-TAB completed the line.
    assert result["line"] == "        return self.name.upper()"
