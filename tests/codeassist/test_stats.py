"""`codeassist stats`: acceptance, latency per endpoint, fallback rates and tokens from the local log;
`log = false` records nothing; retention keeps the log bounded."""

from __future__ import annotations

import json
import sqlite3
import time

from click.testing import CliRunner

from codeassist.cli.main import cli
from codeassist.llm_chain import LLMChain
from codeassist.promptlog import PromptLog
from codeassist.settings import ChatSettings, FallbackEndpoint, load_settings
from tests.fake_openai import FakeOpenAI, Reply


def stats() -> dict:
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_stats_count_suggestion_events_and_chain_outcomes(fake_openai: FakeOpenAI) -> None:
    log = PromptLog()
    for sid, kinds in {"a": ["shown", "accepted"], "b": ["shown", "partial", "dismissed"], "c": ["shown"]}.items():
        for kind in kinds:
            log.record_event(sid, kind, source="model" if sid != "c" else "fallback", chars=10)
    with FakeOpenAI() as backup:
        section = ChatSettings(base_url=fake_openai.base_url, model="fake-chat", max_retries=0,
                               fallbacks=[FallbackEndpoint(base_url=backup.base_url, model="fake-chat")])
        chain = LLMChain(section, purpose="chat", log=log, deadline=10)
        fake_openai.script("chat", Reply(text="one"), Reply(status=500))
        for _ in range(2):
            with chain.chat_stream([{"role": "user", "content": "q"}]) as stream:
                "".join(stream)
    data = stats()
    s = data["suggestions"]
    assert (s["shown"], s["accepted"], s["partial"], s["dismissed"], s["acceptance_rate"]) == (3, 1, 1, 1, 0.333)
    assert s["by_source"] == {"model": {"shown": 2, "accepted": 1}, "fallback": {"shown": 1, "accepted": 0}}
    assert data["chains"]["chat"] == {"requests": 2, "first": 1, "fallback": 1, "none": 0, "fallback_rate": 0.5}
    primary = next(e for e in data["endpoints"] if e["endpoint"] == fake_openai.base_url)
    assert (primary["requests"], primary["errors"]) == (2, 1)
    assert primary["latency_p50_ms"] is not None and primary["tokens_out"] > 0
    table = CliRunner().invoke(cli, ["stats"])
    assert "3 shown, 1 accepted (33%)" in table.stdout and "chat: 2 requests" in table.stdout


def test_log_false_records_no_requests_and_no_events(fake_openai: FakeOpenAI) -> None:
    settings = load_settings(None, {"log": False}, env={"OPENAI_BASE_URL": fake_openai.base_url,
                                                         "CODEASSIST_CHAT_MODEL": "fake-chat"})
    assert PromptLog.from_settings(settings) is None
    with LLMChain.from_settings(settings, "chat").chat_stream([{"role": "user", "content": "q"}]) as stream:
        "".join(stream)
    assert stats()["endpoints"] == [] and not PromptLog().path.exists()


def test_retention_drops_rows_older_than_max_days() -> None:
    log = PromptLog()
    log.record_event("old", "shown")
    log.record_event("new", "shown")
    conn = sqlite3.connect(log.path)
    old = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 40 * 86400))
    with conn:
        conn.execute("UPDATE events SET ts = ? WHERE suggestion_id = 'old'", (old,))
    conn.close()
    settings = load_settings(None, {"log": {"max_days": 30}}, env={})
    kept = PromptLog.from_settings(settings).query("SELECT suggestion_id FROM events")
    assert [row["suggestion_id"] for row in kept] == ["new"]


def test_doctor_checks_every_endpoint_of_the_chain_and_says_which_served_last(fake_openai: FakeOpenAI,
                                                                             tmp_path) -> None:
    with FakeOpenAI() as gone:
        down = gone.base_url
    (tmp_path / ".codeassist.toml").write_text(
        f'[chat]\nmodel = "fake-chat"\nbase_url = "{down}"\nmax_retries = 0\n'
        f'[[chat.fallbacks]]\nbase_url = "{fake_openai.base_url}"\nmodel = "fake-chat"\n', encoding="utf-8")
    settings = load_settings(tmp_path, env={})
    with LLMChain.from_settings(settings, "chat").chat_stream([{"role": "user", "content": "q"}]) as stream:
        "".join(stream)
    result = CliRunner().invoke(cli, ["doctor", "--root", str(tmp_path), "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["chat endpoint"]["status"] == "fail"
    assert checks["chat fallback 1"]["status"] == "ok" and not checks["chat fallback 1"]["required"]
    last = checks["last chat request"]
    assert f"served by {fake_openai.base_url} (fake-chat)" in last["detail"]
    assert f"skipped {down} (fake-chat): unreachable" in last["detail"]
