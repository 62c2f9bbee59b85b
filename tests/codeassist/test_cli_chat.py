"""`codeassist chat` driven through piped stdin: questions, /sources, /reset, /exit."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from codeassist.cli.main import cli
from tests.codeassist.conftest import endpoint_env
from tests.fake_openai import FakeOpenAI, Reply


def chat(index: tuple[Path, Path], lines: list[str], env: dict[str, str] | None = None):
    root, index_dir = index
    return CliRunner().invoke(cli, ["chat", "--root", str(root), "--index-dir", str(index_dir)],
                              input="\n".join(lines) + "\n", env=env)


def test_chat_session_with_follow_up_sources_reset_and_exit(fake_openai: FakeOpenAI,
                                                            sample_index: tuple[Path, Path]) -> None:
    fake_openai.script("chat", Reply(text="retry() backs off exponentially [1]."), Reply(text="0.5 s [1]."),
                       Reply(text="Invoice.total sums items [1]."))
    result = chat(sample_index, ["how does retry work?", "/sources", "and the initial delay?", "/reset",
                                 "what is an invoice total?", "/exit", "never asked"],
                  env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "> how does retry work?\nretry() backs off exponentially [1].\n" in out
    assert out.count("[1] src/retry.py:6-13 retry") >= 3  # after answer 1, /sources, after answer 2
    assert "Conversation reset." in out
    assert "Invoice.total sums items [1]." in out
    assert "never asked" not in out.split("> /exit")[0] and "> never asked" not in out

    requests = fake_openai.requests_of("chat")
    assert len(requests) == 3
    roles = [[m["role"] for m in r.json["messages"]] for r in requests]
    assert roles == [["system", "user"], ["system", "user", "assistant", "user"], ["system", "user"]]
    follow_up = requests[1].json["messages"]
    assert follow_up[1]["content"] == "how does retry work?"
    assert follow_up[2]["content"] == "retry() backs off exponentially [1]."
    assert follow_up[3]["content"].endswith("Question: and the initial delay?")


def test_chat_sources_before_any_question(sample_index: tuple[Path, Path], fake_openai: FakeOpenAI) -> None:
    result = chat(sample_index, ["/sources", "/help", "/bogus"], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 0
    assert "No sources yet: ask a question first." in result.output
    assert "Commands: /sources  /reset  /help  /exit" in result.output
    assert "Unknown command /bogus." in result.output


def test_chat_backslash_continues_a_question(fake_openai: FakeOpenAI, sample_index: tuple[Path, Path]) -> None:
    result = chat(sample_index, ["explain this:\\", "    retry(f, attempts=5)"], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 0, result.output
    user = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert user.endswith("Question: explain this:\n    retry(f, attempts=5)")


def test_chat_without_a_model_shows_code(sample_index: tuple[Path, Path]) -> None:
    result = chat(sample_index, ["how does retry back off", "/sources"])
    assert result.exit_code == 0
    assert "No chat model configured" in result.output
    assert "time.sleep(delay * (2 ** attempt))" in result.output
    assert "  [1] src/retry.py:6-13 retry" in result.output


def test_chat_endpoint_error_keeps_the_session_and_exits_non_zero(fake_openai: FakeOpenAI,
                                                                  sample_index: tuple[Path, Path]) -> None:
    fake_openai.script("chat", Reply(status=500), Reply(text="second works"))
    result = chat(sample_index, ["first", "second"], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 1
    assert "Error: The chat endpoint" in result.output and "HTTP 500" in result.output
    assert "second works" in result.output


def test_interactive_input_multi_line_and_backslash() -> None:
    """prompt_toolkit input: Esc+Enter inserts a newline, a trailing backslash continues, Ctrl-D leaves."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from codeassist.cli.chat_repl import prompt_questions

    with create_pipe_input() as pipe:
        pipe.send_text("first line\x1b\rsecond line\r")
        pipe.send_text("continued \\\r  here\r")
        pipe.send_text("/exit\r")
        pipe.send_text("\x04")
        questions = prompt_questions(Console(file=io.StringIO()), pt_input=pipe, pt_output=DummyOutput())
        got = [next(questions), next(questions), next(questions)]
    assert got == ["first line\nsecond line", "continued \n  here", "/exit"]
