"""`codeassist config show`, `codeassist doctor` and `codeassist log`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from codeassist.cli.main import cli
from tests.codeassist.conftest import endpoint_env
from tests.fake_openai import FakeOpenAI, Reply

KEY = "sk-live-looking-key-abcdef123456"


def test_config_show_redacts_keys_and_lists_sources(tmp_path: Path) -> None:
    (tmp_path / ".codeassist.toml").write_text('[chat]\nmodel = "qwen2.5-coder:7b"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "show", "--root", str(tmp_path)],
                                env={"OPENAI_API_KEY": KEY, "CODEASSIST_CHAT_API_KEY": "sk-chat-specific-999999"})
    assert result.exit_code == 0, result.output
    assert KEY not in result.output and "sk-chat-specific-999999" not in result.output
    assert 'api_key = "sk-…9999"' in result.output
    assert 'api_key = "sk-…3456"' in result.output
    assert '[chat]\nbase_url = "https://api.openai.com/v1"\nmodel = "qwen2.5-coder:7b"' in result.output
    assert f"{tmp_path / '.codeassist.toml'}, environment" in result.output


def test_config_show_hides_credentials_in_urls(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "show", "--root", str(tmp_path)],
                                env={"CODEASSIST_CHAT_BASE_URL": "https://bob:hunter2pass@llm.example.com/v1"})
    assert "hunter2pass" not in result.output
    assert 'base_url = "https://bob:[REDACTED:password]@llm.example.com/v1"' in result.output


def test_config_show_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "show", "--json", "--root", str(tmp_path)],
                                env={"OPENAI_API_KEY": KEY, "CODEASSIST_SEARCH_K": "5"})
    data = json.loads(result.output)
    assert data["chat"]["api_key"] == "sk-…3456"
    assert data["search"]["k"] == 5
    assert KEY not in result.output


def test_doctor_all_good(fake_openai: FakeOpenAI, sample_index: tuple[Path, Path]) -> None:
    root, index_dir = sample_index
    env = endpoint_env(fake_openai.base_url, CODEASSIST_INDEX_DIR=str(index_dir),
                       CODEASSIST_COMPLETION_MODEL="qwen2.5-coder:1.5b")
    result = CliRunner().invoke(cli, ["doctor", "--root", str(root)], env=env)
    assert result.exit_code == 0, result.output
    assert f"✓ chat endpoint: {fake_openai.base_url} serves 'fake-chat'" in result.output
    assert "✓ completion endpoint" in result.output
    assert "index: 2 files" in result.output
    assert "All required checks passed." in result.output
    assert [r.path for r in fake_openai.requests] == ["/v1/models", "/v1/models"]


def test_doctor_reports_what_to_fix(sample_index: tuple[Path, Path], tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        down = server.base_url
    env = endpoint_env(down)
    result = CliRunner().invoke(cli, ["doctor", "--root", str(tmp_path)], env=env)
    assert result.exit_code == 1
    assert f"✗ chat endpoint: {down}: GET /models failed" in result.output
    assert "fix: Cannot reach the chat endpoint" in result.output
    assert "! completion endpoint: not configured" in result.output
    assert "✗ index:" in result.output and "Create it with: codeassist index" in result.output
    assert "Some required checks failed" in result.output


def test_doctor_json_and_unlisted_model(fake_openai: FakeOpenAI, sample_index: tuple[Path, Path]) -> None:
    root, index_dir = sample_index
    env = endpoint_env(fake_openai.base_url, CODEASSIST_CHAT_MODEL="not-served", CODEASSIST_INDEX_DIR=str(index_dir))
    result = CliRunner().invoke(cli, ["doctor", "--json", "--root", str(root)], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    checks = {c["name"]: c for c in data["checks"]}
    assert data["ok"] is True
    assert checks["chat endpoint"]["status"] == "warn"
    assert "does not list model 'not-served'" in checks["chat endpoint"]["detail"]
    assert checks["index"]["status"] in ("ok", "warn")
    assert set(checks) == {"embedding model", "chat endpoint", "completion endpoint", "index"}


def test_log_shows_recent_requests(fake_openai: FakeOpenAI, sample_index: tuple[Path, Path]) -> None:
    root, index_dir = sample_index
    runner = CliRunner()
    empty = runner.invoke(cli, ["log"])
    assert "The prompt log is empty" in empty.output
    fake_openai.script("chat", Reply(text="first"), Reply(text="second"))
    env = endpoint_env(fake_openai.base_url)
    for question in ("retry?", "invoice?"):
        assert runner.invoke(cli, ["ask", question, "--root", str(root), "--index-dir", str(index_dir)],
                             env=env).exit_code == 0
    result = runner.invoke(cli, ["log", "-n", "1", "--json"])
    (row,) = json.loads(result.output)
    assert (row["template"], row["template_version"], row["response"]) == ("ask", "1+chat_system.1", "second")
    assert row["request"]["messages"][-1]["content"].endswith("Question: invoice?")
    table = runner.invoke(cli, ["log"])
    assert table.exit_code == 0
    assert table.output.count("ask@1+chat_system.1") == 2
    assert "fake-chat" in table.output
