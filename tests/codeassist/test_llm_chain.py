"""The fallback chain against real HTTP fake servers: it moves on for every failure kind, the breaker
skips a failing endpoint (nothing is sent inside its back-off) and probes it again afterwards, one
deadline bounds all attempts, and a server ignoring max_tokens is cut off."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from codeassist.errors import LLMChainFailed, LLMTimeout
from codeassist.llm_chain import LLMChain
from codeassist.promptlog import PromptLog
from codeassist.settings import ChatSettings, FallbackEndpoint, load_settings
from tests.fake_openai import FakeOpenAI, Reply

MESSAGES = [{"role": "user", "content": "What does retry do?"}]


@pytest.fixture
def primary() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def backup() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default_chat="The backup answers.", default_completion="backup_value") as server:
        yield server


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def chain(primary_url: str, backup_url: str, *, deadline: float | None = 20.0, backoff: float = 30.0,
          timeout: float = 5.0, max_retries: int = 0, log: PromptLog | None = None) -> LLMChain:
    section = ChatSettings(base_url=primary_url, model="fake-chat", timeout=timeout, max_retries=max_retries,
                           backoff_seconds=backoff,
                           fallbacks=[FallbackEndpoint(base_url=backup_url, model="fake-chat", max_retries=0)])
    return LLMChain(section, purpose="chat", log=log, deadline=deadline)


def ask(c: LLMChain) -> tuple[str, object]:
    with c.chat_stream(MESSAGES) as stream:
        return "".join(stream), stream


FAILURES = {
    "server error 5xx": [Reply(status=503)],
    "rate limited 429 after its retries": [Reply(status=429, headers={"Retry-After": "0"})] * 2,
    "timeout": [Reply(text="late", delay=1.5)],
    "empty answer": [Reply(text="")],
    "blank answer": [Reply(text="   \n  ")],
    "garbage (not the OpenAI API)": [Reply(raw_stream=b"data: {not json\n\n")],
    "stream cut without finish_reason": [Reply(text="", truncate=True)],
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_fallback_chain_kind_moves_on_after_each_failure(kind: str, primary: FakeOpenAI, backup: FakeOpenAI) -> None:
    primary.script("chat", *FAILURES[kind])
    max_retries = 1 if "429" in kind else 0
    text, stream = ask(chain(primary.base_url, backup.base_url, timeout=0.5, max_retries=max_retries))
    assert text == "The backup answers."
    assert stream.position == 1 and stream.served_by == f"{backup.base_url} (fake-chat)"
    assert [label for label, _ in stream.skipped] == [f"{primary.base_url} (fake-chat)"]
    assert len(primary.requests_of("chat")) == (2 if "429" in kind else 1)


def test_fallback_chain_moves_on_when_the_endpoint_is_unreachable(backup: FakeOpenAI) -> None:
    down = closed_port_url()
    text, stream = ask(chain(down, backup.base_url))
    assert text == "The backup answers."
    assert stream.skipped == [(f"{down} (fake-chat)", "unreachable (connection failed)")]


def test_breaker_skips_a_failing_endpoint_inside_its_backoff_then_probes_it(primary: FakeOpenAI,
                                                                           backup: FakeOpenAI) -> None:
    c = chain(primary.base_url, backup.base_url, backoff=0.6)
    primary.script("chat", Reply(status=500))
    ask(c)
    for _ in range(3):  # inside the back-off: never sent to the failing endpoint again
        text, stream = ask(c)
        assert text == "The backup answers."
        assert "in its back-off" in stream.skipped[0][1] and "HTTP 500" in stream.skipped[0][1]
    assert len(primary.requests_of("chat")) == 1
    assert c.describe()[0]["state"] == "open"
    time.sleep(0.7)
    text, stream = ask(c)  # the back-off is over: one probe, which succeeds and closes the circuit
    assert text == primary.default_chat and stream.position == 0 and stream.skipped == []
    assert len(primary.requests_of("chat")) == 2
    assert c.describe()[0]["state"] == "closed"


def test_breaker_backoff_doubles_while_the_probe_keeps_failing(primary: FakeOpenAI, backup: FakeOpenAI) -> None:
    c = chain(primary.base_url, backup.base_url, backoff=0.4)
    primary.script("chat", Reply(status=500), Reply(status=500))
    ask(c)
    time.sleep(0.5)
    ask(c)  # probe fails: skipped for 0.8 s now
    time.sleep(0.5)
    ask(c)
    assert len(primary.requests_of("chat")) == 2
    assert c.describe()[0]["state"] == "open"


def test_every_endpoint_failing_names_each_failure(primary: FakeOpenAI) -> None:
    down = closed_port_url()
    primary.script("chat", Reply(status=502))
    with pytest.raises(LLMChainFailed) as caught:
        ask(chain(primary.base_url, down))
    message = str(caught.value)
    assert f"{primary.base_url} (fake-chat): HTTP 502" in message
    assert f"{down} (fake-chat): unreachable" in message
    assert [label for label, _ in caught.value.failures] == [f"{primary.base_url} (fake-chat)", f"{down} (fake-chat)"]


def test_deadline_kind_hung_endpoint_stops_at_the_overall_deadline_and_says_so(primary: FakeOpenAI) -> None:
    # 10 attempts x 1 s would take 10 s; the deadline is 1.6 s, and the message tells what really happened.
    primary.script("chat", *[Reply(text="late", delay=30.0)] * 10)
    section = ChatSettings(base_url=primary.base_url, model="fake-chat", timeout=1.0, max_retries=9)
    started = time.monotonic()
    with pytest.raises(LLMTimeout) as caught:
        ask(LLMChain(section, deadline=1.6))
    elapsed = time.monotonic() - started
    assert elapsed < 7  # the deadline, not 10 timed-out attempts
    message = str(caught.value)
    assert "attempt 1: no answer within 1 s" in message
    assert "1.6 s deadline" in message


def test_deadline_from_settings_bounds_ask(primary: FakeOpenAI) -> None:
    primary.script("chat", Reply(text="late", delay=30.0))
    settings = load_settings(None, env={"OPENAI_BASE_URL": primary.base_url, "CODEASSIST_CHAT_MODEL": "fake-chat",
                                        "CODEASSIST_CHAT_DEADLINE": "0.8", "CODEASSIST_CHAT_MAX_RETRIES": "0"})
    started = time.monotonic()
    with pytest.raises(LLMTimeout, match="0.8 s deadline"):
        ask(LLMChain.from_settings(settings, "chat"))
    assert time.monotonic() - started < 15  # the 0.8 s deadline, not the endpoint's 30 s


def test_size_cap_kind_server_ignoring_max_tokens_is_cut(primary: FakeOpenAI) -> None:
    flood = "x" * 200_000
    primary.script("chat", Reply(text=flood, chunks=[flood[i:i + 5000] for i in range(0, len(flood), 5000)]))
    c = LLMChain(ChatSettings(base_url=primary.base_url, model="fake-chat", max_retries=0), deadline=10)
    with c.chat_stream(MESSAGES, max_tokens=100) as stream:
        text = "".join(stream)
    assert len(text) == 600 and stream.cut  # 100 tokens x 6 characters
    assert stream.served_by


def test_prompt_log_rows_say_which_endpoint_served_and_why_others_were_skipped(primary: FakeOpenAI,
                                                                                backup: FakeOpenAI) -> None:
    primary.script("chat", Reply(status=503))
    _, stream = ask(chain(primary.base_url, backup.base_url, log=PromptLog()))
    served, failed = PromptLog().recent(2)
    assert (failed["chain_position"], failed["status"]) == (0, "error")
    assert (served["chain_position"], served["status"]) == (1, "ok")
    assert served["request_id"] == failed["request_id"] == stream.request_id
    assert served["skipped"] == f"{primary.base_url} (fake-chat): HTTP 503"


def test_fallbacks_in_config_files_and_their_keys(tmp_path, primary: FakeOpenAI) -> None:
    (tmp_path / ".codeassist.toml").write_text(
        '[completion]\nmodel = "qwen2.5-coder:7b"\n'
        '[[completion.fallbacks]]\nbase_url = "http://127.0.0.1:11434/v1"\nmodel = "qwen2.5-coder:1.5b"\n'
        'local = true\n'
        '[[completion.fallbacks]]\nmodel = "gpt-4o-mini"\ntimeout = 3\n', encoding="utf-8")
    settings = load_settings(tmp_path, env={"OPENAI_API_KEY": "sk-hosted-key-1234"})
    first, second = settings.completion.fallbacks
    assert (first.base_url, first.model, first.local, first.api_key) == (
        "http://127.0.0.1:11434/v1", "qwen2.5-coder:1.5b", True, "")  # the hosted key never goes to a local box
    assert (second.base_url, second.api_key, second.timeout) == ("https://api.openai.com/v1", "sk-hosted-key-1234", 3.0)
    shown = settings.redacted_dict()["completion"]["fallbacks"][1]["api_key"]
    assert shown == "sk-…1234"
    (tmp_path / ".codeassist.toml").write_text('[[chat.fallbacks]]\nmodle = "x"\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"unknown key 'chat.fallbacks\[0\].modle'. Did you mean"):
        load_settings(tmp_path, env={})


def test_every_endpoint_in_the_chain_gets_redacted_text(primary: FakeOpenAI, backup: FakeOpenAI) -> None:
    secret = "AKIAIOSFODNN7EXAMPLE"
    primary.script("chat", Reply(status=500))
    c = chain(primary.base_url, backup.base_url)
    with c.chat_stream([{"role": "user", "content": f"key = {secret}"}]) as stream:
        "".join(stream)
    for server in (primary, backup):
        assert server.requests_of("chat") and secret not in server.all_request_text()


def test_local_endpoint_gets_original_text_only_when_allowed(backup: FakeOpenAI) -> None:
    secret = "AKIAIOSFODNN7EXAMPLE"
    for redact_local, expect_secret in ((True, False), (False, True)):
        section = ChatSettings(base_url=backup.base_url, model="fake-chat", local=True, redact_local=redact_local)
        with LLMChain(section).chat_stream([{"role": "user", "content": f"key = {secret}"}]) as stream:
            "".join(stream)
        assert (secret in backup.all_request_text()) is expect_secret
