"""Prompt templates as versioned data: a user override is used and its version logged; a broken one is
reported with its file and the built-in template is used; `codeassist prompts list|show`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.answer import answer_question
from codeassist.cli.main import cli
from codeassist.prompting import user_prompts_dir
from codeassist.promptlog import PromptLog
from codeassist.settings import Settings
from tests.codeassist.conftest import FakeSearcher, endpoint_env, index_copy
from tests.fake_openai import FakeOpenAI

OVERRIDE = """---
name: ask
version: 7
---
=== system ===
You answer in one sentence.
=== user ===
{{context}}

Q: {{question}}
"""


def write_override(text: str, name: str = "ask") -> Path:
    folder = user_prompts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_override_is_sent_and_its_version_logged(fake_openai: FakeOpenAI, chat_settings: Settings,
                                                      sample_searcher: FakeSearcher) -> None:
    write_override(OVERRIDE)
    answer_question("What is an invoice?", searcher=sample_searcher, settings=chat_settings)
    messages = fake_openai.requests_of("chat")[0].json["messages"]
    assert messages[0] == {"role": "system", "content": "You answer in one sentence."}
    assert messages[-1]["content"].endswith("Q: What is an invoice?")
    (row,) = PromptLog().recent(1)
    assert (row["template"], row["template_version"]) == ("ask", "user:7")


@pytest.mark.parametrize(("kind", "text"), [
    ("no header", "Just some text {{question}}\n"),
    ("no version", "---\nname: ask\n---\n{{question}}\n"),
    ("unknown variable", "---\nname: ask\nversion: 2\n---\n{{question}} {{colour}}\n"),
    ("not UTF-8", None),
    ("named pipe", "FIFO"),
    ("folder", "DIR"),
])
def test_broken_override_kind_names_the_file_and_uses_the_builtin(kind: str, text: str | None,
                                                                   fake_openai: FakeOpenAI, chat_settings: Settings,
                                                                   sample_searcher: FakeSearcher) -> None:
    if text is None:
        path = write_override("")
        path.write_bytes(b"---\nname: ask\nversion: 2\n---\n\xff\xfe{{question}}\n")
    elif text in ("FIFO", "DIR"):  # a special file where the template belongs: never read (a pipe blocks)
        path = user_prompts_dir() / "ask.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path) if text == "FIFO" else path.mkdir()
    else:
        path = write_override(text)
    answer_question("What is an invoice?", searcher=sample_searcher, settings=chat_settings)
    (row,) = PromptLog().recent(1)
    assert row["template_version"] == "1+chat_system.1"  # the built-in template was used
    result = CliRunner().invoke(cli, ["prompts", "list", "--json"])
    problems = json.loads(result.stdout)["problems"]
    assert len(problems) == 1 and problems[0].startswith(str(path)) and "built-in 'ask' template" in problems[0]


def test_prompts_list_and_show_print_the_effective_template() -> None:
    runner = CliRunner()
    builtin = runner.invoke(cli, ["prompts", "show", "ask"])
    assert builtin.exit_code == 0 and builtin.stdout.startswith("---\nname: ask\nversion: 1\n---\n=== system ===")
    path = write_override(OVERRIDE)
    listed = json.loads(runner.invoke(cli, ["prompts", "list", "--json"]).stdout)
    ask = next(t for t in listed["templates"] if t["name"] == "ask")
    assert ask == {"name": "ask", "version": "user:7", "source": str(path)}
    shown = runner.invoke(cli, ["prompts", "show", "ask"])
    assert shown.stdout == OVERRIDE
    assert f"effective version user:7, from {path}" in shown.stderr


def test_ask_warns_about_a_broken_override(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    root, index_dir = index_copy("sample_repo", tmp_path)
    path = write_override("no header here\n")
    result = CliRunner().invoke(cli, ["ask", "how does retry back off", "--root", str(root), "--index-dir",
                                      str(index_dir)], env=endpoint_env(fake_openai.base_url))
    assert result.exit_code == 0, result.output
    assert f"Warning: {path}: Prompt template 'ask' has no header" in result.stderr
    assert fake_openai.requests_of("chat")  # answered with the built-in template
