"""The eight kinds that used to reach the model (issue 16, item 10), end to end: `codeassist ask` over the
CLI against the fake server, the prompt log on disk after it, and indexing with a remote embeddings
endpoint. (The language server's completion and explain paths: tests/lsp/test_redact_lsp.py.)"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli.main import cli
from codeassist.embedding import configured_embedder
from codeassist.indexer.embedding_view import split_words
from codeassist.indexer.pipeline import index_repository
from codeassist.settings import load_settings
from tests.codeassist.conftest import endpoint_env
from tests.codeassist.redact_cases import CASES, Case, write_repo
from tests.fake_openai import FakeOpenAI, Reply

BY_KIND = pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("secrets")
    root = write_repo(base / "repo")
    index_repository(root, base / "index", embed=False)
    return root, base / "index"


def _ask(indexed: tuple[Path, Path], case: Case, server: FakeOpenAI) -> dict:
    root, index_dir = indexed
    server.script("chat", Reply(text="It configures the service [1]."))
    result = CliRunner().invoke(cli, ["ask", case.question, "--root", str(root), "--index-dir", str(index_dir),
                                      "-k", "20", "--json"], env=endpoint_env(server.base_url))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _covers_the_secret(answer: dict, case: Case) -> bool:
    """The retrieved context held the lines of the secret (so a leak was possible)."""
    secret_lines = {n + 1 for n, line in enumerate(case.text.split("\n")) if any(v in line for v in case.values)}
    return any(s["path"] == case.path and any(s["start_line"] <= n <= s["end_line"] for n in secret_lines)
               for s in answer["sources"])


@BY_KIND
def test_ask_over_the_cli_sends_no_secret(indexed: tuple[Path, Path], fake_openai: FakeOpenAI, case: Case) -> None:
    answer = _ask(indexed, case, fake_openai)
    assert _covers_the_secret(answer, case), answer["sources"]
    sent = fake_openai.all_request_text()
    assert f"{case.path}:" in sent  # the file's code went out, labelled
    assert case.leaked(sent) == []
    assert "[REDACTED:" in sent


@BY_KIND
def test_the_prompt_log_on_disk_holds_no_secret(indexed: tuple[Path, Path], fake_openai: FakeOpenAI, case: Case,
                                                isolated_user_dirs: Path) -> None:
    _ask(indexed, case, fake_openai)
    log = isolated_user_dirs / "data" / "codeassist" / "log.db"
    with sqlite3.connect(log) as conn:
        requests = [row[0] for row in conn.execute("SELECT request FROM requests")]
    assert requests and any(case.path in r for r in requests)
    on_disk = b"".join(p.read_bytes() for p in log.parent.glob("log.db*")).decode("utf-8", errors="replace")
    assert case.leaked(on_disk) == []
    assert case.leaked("\n".join(requests)) == []


@BY_KIND
def test_remote_embeddings_receive_no_secret(tmp_path: Path, fake_openai: FakeOpenAI, case: Case) -> None:
    root = write_repo(tmp_path / "repo", [case])
    settings = load_settings(root, {"embeddings": {"provider": "openai", "base_url": fake_openai.base_url,
                                                   "model": "fake-embed", "api_key": "sk-test"}})
    report = index_repository(root, tmp_path / "index", embedder=configured_embedder(settings.embeddings, root))
    inputs = [text for r in fake_openai.requests_of("embeddings") for text in r.json["input"]]
    assert report.embedded == report.chunks > 0
    stem_words = split_words(case.path.rsplit(".", 1)[0])
    assert any(stem_words in text for text in inputs), "the file was embedded remotely"
    assert case.leaked("\n".join(inputs)) == []
    # The embedded view splits identifiers into words and drops punctuation: compare letters and digits only.
    squeezed = re.sub(r"[^A-Za-z0-9]", "", "\n".join(inputs))
    for value in case.values:
        core = re.sub(r"[^A-Za-z0-9]", "", value)
        assert not any(core[i:i + 12] in squeezed for i in range(0, max(1, len(core) - 11), 3)), value
