"""The LLM client against the fake OpenAI server: streaming, usage, every failure -> the right message."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codeassist.errors import (
    LLMAuthError,
    LLMContextTooLong,
    LLMMalformedResponse,
    LLMModelNotFound,
    LLMNotConfigured,
    LLMRateLimited,
    LLMServerError,
    LLMStreamTruncated,
    LLMTimeout,
    LLMUnreachable,
)
from codeassist.llm import LLMClient
from codeassist.promptlog import PromptLog
from codeassist.settings import EndpointSettings
from tests.fake_openai import FakeOpenAI, Reply

MESSAGES = [{"role": "user", "content": "What does retry do?"}]


def endpoint(server: FakeOpenAI, **kw: object) -> EndpointSettings:
    values: dict = {"base_url": server.base_url, "model": "fake-chat", "api_key": "sk-test", "timeout": 5.0,
                    "max_retries": 0}
    values.update(kw)
    return EndpointSettings(**values)


def run_chat(client: LLMClient) -> str:
    with client.chat_stream(MESSAGES) as stream:
        return "".join(stream)


def test_chat_stream_yields_deltas_in_order_with_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text="Retry calls func until it succeeds.",
                                     chunks=["Retry ", "calls func ", "until it ", "succeeds."]))
    client = LLMClient(endpoint(fake_openai))
    with client.chat_stream(MESSAGES, max_tokens=50, stop=["\n\n"]) as stream:
        deltas = list(stream)
    assert deltas == ["Retry ", "calls func ", "until it ", "succeeds."]
    assert stream.text == "Retry calls func until it succeeds."
    assert stream.finish_reason == "stop"
    assert stream.usage == {"prompt_tokens": stream.usage["prompt_tokens"], "completion_tokens": 8,
                            "total_tokens": stream.usage["prompt_tokens"] + 8}
    sent = fake_openai.requests_of("chat")[0]
    assert sent.json["stream"] is True
    assert sent.json["stream_options"] == {"include_usage": True}
    assert (sent.json["model"], sent.json["max_tokens"], sent.json["stop"]) == ("fake-chat", 50, ["\n\n"])
    assert sent.json["messages"] == MESSAGES
    assert {k.lower(): v for k, v in sent.headers.items()}["authorization"] == "Bearer sk-test"


def test_complete_stream_posts_to_completions_with_suffix(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("completions", Reply(chunks=["return ", "a + b"]))
    client = LLMClient(endpoint(fake_openai, model="qwen2.5-coder:1.5b"), purpose="completion")
    with client.complete_stream("def add(a, b):\n    ", suffix="\n", max_tokens=16, stop=["\n\n"]) as stream:
        assert list(stream) == ["return ", "a + b"]
    sent = fake_openai.requests_of("completions")[0]
    assert sent.path == "/v1/completions"
    assert sent.json["prompt"] == "def add(a, b):\n    "
    assert (sent.json["suffix"], sent.json["max_tokens"], sent.json["temperature"]) == ("\n", 16, 0.0)
    assert stream.finish_reason == "stop"


def test_parameters_a_server_rejects_are_adapted_once(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=400, error_message="Unrecognized request argument: stream_options",
                                     error_code="invalid_request_error"), Reply(text="no usage"))
    client = LLMClient(endpoint(fake_openai))
    with client.chat_stream(MESSAGES) as stream:
        assert "".join(stream) == "no usage"
    assert stream.usage is None
    assert "stream_options" not in fake_openai.requests_of("chat")[1].json
    fake_openai.script("chat", Reply(status=400, error_message="Unsupported parameter: 'max_tokens'. Use "
                                     "'max_completion_tokens' instead.", error_code="unsupported_parameter"))
    with client.chat_stream(MESSAGES, max_tokens=99) as stream:
        list(stream)
    retried = fake_openai.requests_of("chat")[3].json
    assert retried["max_completion_tokens"] == 99 and "max_tokens" not in retried


def test_list_models(fake_openai: FakeOpenAI) -> None:
    assert LLMClient(endpoint(fake_openai)).list_models() == ["fake-chat", "qwen2.5-coder:1.5b", "fake-embed"]


def test_no_model_configured_raises_with_the_fix(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(LLMNotConfigured, match="CODEASSIST_CHAT_MODEL"):
        LLMClient(endpoint(fake_openai, model="")).chat_stream(MESSAGES)
    assert fake_openai.requests == []


def test_401_bad_key(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=401))
    with pytest.raises(LLMAuthError) as info:
        run_chat(LLMClient(endpoint(fake_openai)))
    message = str(info.value)
    assert "rejected the API key (HTTP 401: Incorrect API key provided)" in message
    assert "OPENAI_API_KEY" in message and "CODEASSIST_CHAT_API_KEY" in message


def test_404_unknown_model_lists_available_models(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=404))
    with pytest.raises(LLMModelNotFound) as info:
        run_chat(LLMClient(endpoint(fake_openai, model="gpt-9")))
    message = str(info.value)
    assert f"{fake_openai.base_url} has no model 'gpt-9'" in message
    assert "Available models: fake-chat, qwen2.5-coder:1.5b, fake-embed" in message
    assert "CODEASSIST_CHAT_MODEL" in message


def test_429_after_retries_says_when_to_retry(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=429, headers={"Retry-After": "7"}))
    with pytest.raises(LLMRateLimited) as info:
        run_chat(LLMClient(endpoint(fake_openai)))
    assert info.value.retry_after == 7
    assert "rate limiting requests (HTTP 429, after 0 retries)" in str(info.value)
    assert "Try again in 7 s" in str(info.value)


def test_429_is_retried_by_the_client_first(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=429, headers={"Retry-After": "0"}), Reply(text="ok now"))
    assert run_chat(LLMClient(endpoint(fake_openai, max_retries=1))) == "ok now"
    assert len(fake_openai.requests_of("chat")) == 2


def test_500_server_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=500, error_message="CUDA out of memory"))
    with pytest.raises(LLMServerError, match="failed with HTTP 500: CUDA out of memory. Try again"):
        run_chat(LLMClient(endpoint(fake_openai)))


def test_context_too_long(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(status=400))
    with pytest.raises(LLMContextTooLong) as info:
        run_chat(LLMClient(endpoint(fake_openai)))
    assert "maximum context length is 4096 tokens" in str(info.value)
    assert "budget_tokens" in str(info.value)


def test_slow_server_past_the_timeout_names_the_setting(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text="late", delay=30.0))
    started = time.monotonic()
    with pytest.raises(LLMTimeout) as info:
        run_chat(LLMClient(endpoint(fake_openai, timeout=0.3)))
    assert time.monotonic() - started < 15  # the 0.3 s timeout, not the server's 30 s
    assert "did not answer within 0.3 s" in str(info.value)
    assert "[chat] timeout (env CODEASSIST_CHAT_TIMEOUT)" in str(info.value)


def test_truncated_stream_is_detected(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text="The answer is long enough to be cut in half."))
    fake_openai.script("chat", Reply(text="The answer is long enough to be cut in half.", truncate=True))
    client = LLMClient(endpoint(fake_openai))
    run_chat(client)  # a complete one first: the same client keeps working
    stream = client.chat_stream(MESSAGES)
    with pytest.raises(LLMStreamTruncated, match="ended the stream early") as info, stream:
        list(stream)
    assert "The answer is incomplete" in str(info.value)
    assert stream.text and "The answer is long enough".startswith(stream.text[:10])


def test_malformed_json_response(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(raw=b"{this is not json"))
    with pytest.raises(LLMMalformedResponse, match="not the OpenAI API"):
        run_chat(LLMClient(endpoint(fake_openai)))
    fake_openai.script("models", Reply(raw=b"<html>nginx</html>"))
    with pytest.raises(LLMMalformedResponse, match="ends with /v1"):
        LLMClient(endpoint(fake_openai)).list_models()


def test_malformed_event_inside_the_stream(fake_openai: FakeOpenAI) -> None:
    good = b'data: {"id":"1","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,' \
           b'"delta":{"content":"Hel"},"finish_reason":null}]}\n\n'
    fake_openai.script("chat", Reply(raw_stream=good + b"data: {oops not json\n\n"))
    client = LLMClient(endpoint(fake_openai))
    stream = client.chat_stream(MESSAGES)
    with pytest.raises(LLMMalformedResponse, match="JSONDecodeError"), stream:
        list(stream)
    assert stream.text == "Hel"


def test_unreachable_endpoint_names_the_base_url() -> None:
    with FakeOpenAI() as server:
        url = server.base_url
    with pytest.raises(LLMUnreachable) as info:
        run_chat(LLMClient(EndpointSettings(base_url=url, model="m", max_retries=0, timeout=2)))
    assert f"Cannot reach the chat endpoint at {url}" in str(info.value)
    assert "CODEASSIST_CHAT_BASE_URL" in str(info.value)


def test_close_from_another_thread_aborts_the_request(fake_openai: FakeOpenAI) -> None:
    fake_openai.script("chat", Reply(text="word " * 200, chunk_delay=0.15))
    stream = LLMClient(endpoint(fake_openai)).chat_stream(MESSAGES)
    timer = threading.Timer(0.3, stream.close)
    timer.start()
    started = time.monotonic()
    with stream:
        received = list(stream)
    assert time.monotonic() - started < 15  # closed, not the whole 30 s stream
    assert stream.cancelled
    assert 0 < len(received) < 100
    deadline = time.monotonic() + 5
    while fake_openai.requests[0].outcome != "aborted" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake_openai.requests[0].outcome == "aborted"


def test_every_message_is_redacted_before_it_is_sent(fake_openai: FakeOpenAI) -> None:
    secret = "ghp_FAKEa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
    client = LLMClient(endpoint(fake_openai))
    with client.chat_stream([{"role": "user", "content": f"why does TOKEN = '{secret}' fail?"}]) as stream:
        list(stream)
    with client.complete_stream(f"token = '{secret}'\n", suffix=f"# {secret}") as stream:
        list(stream)
    assert secret not in fake_openai.all_request_text()
    assert "[REDACTED:github-token]" in fake_openai.requests_of("chat")[0].json["messages"][0]["content"]


def test_requests_are_logged_with_template_tokens_and_status(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    log = PromptLog(tmp_path / "log.db")
    client = LLMClient(endpoint(fake_openai), log=log)
    fake_openai.script("chat", Reply(text="Answer one."), Reply(status=401))
    with client.chat_stream(MESSAGES, template="ask", template_version="4") as stream:
        list(stream)
    with pytest.raises(LLMAuthError):
        run_chat(client)
    error, ok = log.recent(5)
    assert (ok["template"], ok["template_version"], ok["model"], ok["purpose"]) == ("ask", "4", "fake-chat", "chat")
    assert ok["endpoint"] == fake_openai.base_url
    assert ok["status"] == "ok" and ok["response"] == "Answer one." and ok["finish_reason"] == "stop"
    assert ok["completion_tokens"] == stream.usage["completion_tokens"]
    assert ok["latency_ms"] >= 0
    assert ok["request"]["messages"] == MESSAGES
    assert error["status"] == "error" and "rejected the API key" in error["error"]


def test_openai_is_imported_only_by_the_llm_module() -> None:
    package = Path(__file__).resolve().parents[2] / "codeassist"
    importers = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                       if "import openai" in p.read_text(encoding="utf-8")
                       or "from openai" in p.read_text(encoding="utf-8"))
    assert importers == ["llm.py"]


def test_cli_help_does_not_import_openai_or_numpy() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom codeassist.cli.main import cli\n"
            "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0, r.output\n"
            "assert 'ask' in r.output and 'chat' in r.output and 'doctor' in r.output\n"
            "print(sorted(m for m in ('openai', 'numpy', 'rich', 'prompt_toolkit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
