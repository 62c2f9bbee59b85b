"""The VS Code extension builds, lints, passes its unit tests and packages into a .vsix, as CI runs it.

Runs, on a copy of editors/vscode: ``npm ci`` (npm registry only), ``npm run compile`` (tsc, strict),
``npm run lint`` (eslint), ``npm test`` (node's test runner on the pure modules) and
``npx --no-install vsce package``; then looks inside the .vsix. The copy (without node_modules/ and out/)
keeps parallel test runs from deleting each other's node_modules, and leaves the work tree untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

HERE = Path(__file__).resolve().parent
EXTENSION_DIR = Path(__file__).resolve().parents[2] / "editors" / "vscode"
NPM = shutil.which("npm")
NPX = shutil.which("npx")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NPM is None or NPX is None, reason="npm/npx not on PATH: Node.js is needed to build the VS Code extension"),
    pytest.mark.timeout(900),
]


def run(cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "NO_UPDATE_NOTIFIER": "1"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, (
        f"`{' '.join(args)}` exited {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
    )
    return result


@pytest.fixture(scope="module")
def extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the extension, installed from the lockfile and compiled with tsc."""
    work = tmp_path_factory.mktemp("vscode") / "codeassist"
    shutil.copytree(EXTENSION_DIR, work, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    run(work, NPM, "ci", "--no-audit", "--no-fund")
    run(work, NPM, "run", "compile")
    assert (work / "out" / "extension.js").is_file()
    return work


def test_compile_emits_every_module(extension: Path) -> None:
    for module in ("extension", "client", "commands", "executable", "settings", "protocol", "status",
                   "statusText", "chat/panel", "chat/render", "chat/messages"):
        assert (extension / "out" / f"{module}.js").is_file(), module


def test_lint_is_clean(extension: Path) -> None:
    result = run(extension, NPM, "run", "lint")
    assert "problem" not in result.stdout, result.stdout


def test_unit_tests_pass(extension: Path) -> None:
    result = run(extension, NPM, "test")
    output = result.stdout
    # node's test runner summary: every test passed and there were some.
    assert "# fail 0" in output, output[-3000:]
    passed = [line for line in output.splitlines() if line.startswith("# pass ")]
    assert passed and int(passed[-1].split()[-1]) >= 20, output[-3000:]


def test_initialization_options_load_in_the_server(extension: Path) -> None:
    """Every `codeassist.*` setting maps to a key the server accepts (an unknown key drops the whole layer)."""
    from codeassist.lsp.options import load_server_settings

    script = (
        "const { buildInitializationOptions } = require('./out/settings.js');"
        "const values = {enable: false, debounceMs: 90, apiKey: 'sk-test',"
        " 'chat.baseUrl': 'http://127.0.0.1:9/v1', 'chat.model': 'chat-m',"
        " 'completion.baseUrl': 'http://127.0.0.1:9/v1', 'completion.model': 'qwen2.5-coder:1.5b',"
        " 'embeddings.provider': 'openai', 'embeddings.baseUrl': 'http://127.0.0.1:9/v1', 'embeddings.model': 'emb'};"
        "process.stdout.write(JSON.stringify(buildInitializationOptions({get: (k) => values[k]})));"
    )
    node = shutil.which("node")
    assert node is not None
    options = json.loads(run(extension, node, "-e", script).stdout)
    settings, lsp_options, problems = load_server_settings(None, options)
    assert problems == []
    assert lsp_options.inline_completion is False
    assert (settings.completion.model, settings.completion.debounce_ms) == ("qwen2.5-coder:1.5b", 90)
    assert (settings.chat.base_url, settings.chat.model, settings.chat.api_key) == ("http://127.0.0.1:9/v1", "chat-m", "sk-test")
    assert (settings.embeddings.provider, settings.embeddings.model) == ("openai", "emb")


def test_extension_modules_against_the_real_server(extension: Path, tmp_path: Path) -> None:
    """The extension's settings mapping and chat session, over the real stdio protocol: inline completion
    returns the scripted suggestion; `codeassist/ask` deltas carry our conversation id and concatenate to
    the answer; the chat view renders it with its sources as links to their ranges."""
    repo = tmp_path / "repo"
    shutil.copytree(HERE / "fixtures" / "nvim_repo", repo)
    node = shutil.which("node")
    assert node is not None
    completion = "def multiply(a, b):\n    return a * b"
    answer = "`foo` adds **two** numbers <fast>."
    with FakeOpenAI(default_completion=completion, default_chat=answer) as fake:
        env = {
            **os.environ,
            "EXTENSION_DIR": str(extension),
            "REPO_DIR": str(repo),
            "SERVER_COMMAND": json.dumps([sys.executable, "-c", "from codeassist.lsp.server import main; main()"]),
            "CODEASSIST_COMPLETION_BASE_URL": fake.base_url,
            "CODEASSIST_CHAT_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "CODEASSIST_INDEX_DIR": str(tmp_path / "index"),
        }
        proc = subprocess.run([node, str(HERE / "vscode_protocol.js")], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-4000:]
        report = json.loads(proc.stdout)
        completions = fake.requests_of("completions")

    assert "inlineCompletionProvider" in report["capabilities"]
    assert set(report["capabilities"]["executeCommandProvider"]["commands"]) >= {
        "codeassist.ask", "codeassist.explain", "codeassist.writeDocstring", "codeassist.reindex", "codeassist.toggle"}
    assert [item["insertText"] for item in report["inline"]["items"]] == [completion]
    # The debounce and models from the extension's settings reached the server.
    assert completions and completions[0].json["model"] == "qwen2.5-coder:1.5b"
    assert report["status"]["chatModel"] == "fake-chat"

    deltas = report["deltas"]
    assert deltas and {d["conversationId"] for d in deltas} == {report["conversationId"]}
    assert "".join(d["text"] for d in deltas) == answer == report["streamed"] == report["result"]["answer"]
    assert report["busy"] is False
    html = report["html"]
    assert "<p><code>foo</code> adds <strong>two</strong> numbers &lt;fast&gt;.</p>" in html
    sources = report["result"]["sources"]
    assert sources
    for source in sources:
        rel = Path(source["uri"].removeprefix("file://")).relative_to(repo.resolve()).as_posix()
        start, end = source["range"]["start"], source["range"]["end"]
        assert f'data-uri="{source["uri"]}" data-start-line="{start["line"]}"' in html
        assert f">{rel}:{start['line'] + 1}" in html and f'data-end-line="{end["line"]}"' in html


def test_package_builds_a_vsix_with_the_compiled_extension(extension: Path, tmp_path: Path) -> None:
    # Stray logs in the working folder (issue 15 item 19) must stay out of the package.
    for stray in ("npm-debug.log", "server.log", "media/trace.log", "out/lsp.log"):
        (extension / stray).write_text("codeassist-lsp trace with OPENAI_API_KEY=sk-stray\n")
    run(extension, NPM, "run", "package")
    vsix = extension / "codeassist.vsix"  # the name the README's install line uses
    assert vsix.is_file()
    assert "code --install-extension codeassist.vsix" in (extension / "README.md").read_text()
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("extension/package.json"))
    assert manifest["main"] == "./out/extension.js"
    for name in (
        "extension/out/extension.js",
        "extension/out/client.js",
        "extension/out/chat/panel.js",
        "extension/out/chat/render.js",
        "extension/media/chat.js",
        "extension/readme.md",
        "extension/node_modules/vscode-languageclient/package.json",
    ):
        assert name in names, name
    assert not [n for n in names if n.endswith(".log")], names
    # Sources, tests and dev tooling stay out of the package.
    assert not [n for n in names if n.endswith(".ts") and not n.endswith(".d.ts")]
    assert not [n for n in names if n.startswith("extension/out/test/")]
    assert not [n for n in names if n.startswith("extension/node_modules/typescript/")]
    commands = {c["command"] for c in manifest["contributes"]["commands"]}
    assert {"codeassist.ask", "codeassist.explainSelection", "codeassist.writeDocstring",
            "codeassist.reindex", "codeassist.toggle"} <= commands
    assert "codeassist.trace.server" in manifest["contributes"]["configuration"]["properties"]
