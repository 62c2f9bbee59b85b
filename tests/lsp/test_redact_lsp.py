"""The eight kinds that used to reach the model (issue 16, item 10) through the real language server:
inline completion (the cursor on the secret's line, inside a key block, and in another file whose
retrieved snippets come from the secret's file) and explain on a range that starts on the secret."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.completion import CompletionOptions, CompletionRequest, assemble_context
from codeassist.lsp.cursor_context import document_language
from codeassist.lsp.neighbors import NeighborIndex
from tests.codeassist.redact_cases import CASES, Case, write_repo
from tests.fake_openai import Reply
from tests.lsp.conftest import inline_params, open_document, options, start

BY_KIND = pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
LANGUAGE = {"py": "python", "sh": "shellscript", "yaml": "yaml", "json": "json"}


def _prompts(fake_openai) -> str:
    return "\n".join(r.json.get("prompt", "") + (r.json.get("suffix") or "") for r in fake_openai.requests_of("completions"))


@pytest.mark.asyncio
@BY_KIND
async def test_inline_completion_on_and_around_the_secret_sends_no_secret(client, repo, fake_openai, case: Case):
    write_repo(repo, [case])
    await start(client, repo, options(fake_openai.base_url))
    path = repo / case.path
    uri = open_document(client, path, language=LANGUAGE[path.suffix[1:]])
    line = case.text.split("\n")[case.inside]
    positions = [(case.inside, len(line)), (case.inside, len(line) // 2), (case.inside + 1, 0)]
    for row, column in positions:
        fake_openai.script("completions", Reply(text="x"))
        await client.text_document_inline_completion_async(inline_params(uri, row, column))
    sent = _prompts(fake_openai)
    assert len(fake_openai.requests_of("completions")) == len(positions)
    neighbour = next(x for x in case.text.split("\n") if x.strip() and not any(v in x for v in case.values))
    assert neighbour in sent  # the file around the cursor went out
    assert case.leaked(sent) == []


@pytest.mark.asyncio
@BY_KIND
async def test_completion_snippets_retrieved_from_the_secret_file_send_no_secret(client, repo, fake_openai, case: Case):
    write_repo(repo, [case])
    await start(client, repo, options(fake_openai.base_url))
    other = repo / "app" / "use_settings.py"
    other.write_text(f"# {case.question}\n")
    uri = open_document(client, other)
    fake_openai.script("completions", Reply(text="x"))
    await client.text_document_inline_completion_async(inline_params(uri, 1, 0))
    sent = _prompts(fake_openai)
    assert f"Reference code from {case.path}" in sent
    assert case.leaked(sent) == []


@pytest.mark.asyncio
@BY_KIND
async def test_explain_on_a_range_starting_at_the_secret_sends_no_secret(client, repo, fake_openai, case: Case):
    write_repo(repo, [case])
    fake_openai.script("chat", Reply(text="It configures the deployment."))
    await start(client, repo, options(fake_openai.base_url))
    uri = (repo / case.path).as_uri()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_EXPLAIN, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": case.inside, "character": 0}, "end": {"line": case.inside + 8, "character": 0}}}]))
    assert result["answer"] == "It configures the deployment."
    sent = fake_openai.all_request_text()
    assert f"Selected code {case.path}:{case.inside + 1}-" in sent
    assert case.leaked(sent) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.kind != "openssh_key_range_starting_inside"], ids=lambda c: c.kind)
def test_open_tab_snippets_are_redacted_with_their_whole_document(case: Case) -> None:
    """Neighbouring-tab windows may start inside a key block; the open document decides. (The OpenSSH key
    file has too little code around its key for a neighbouring window to be similar to anything.)"""
    lines = case.text.split("\n")
    # The current file repeats the (non-secret) lines around the secret, so its window is the most similar.
    near = [x for x in lines[max(0, case.inside - 30):case.inside + 31]
            if x.strip() and "PRIVATE KEY" not in x and not any(v in x for v in case.values)]
    current = "\n".join(near) + "\n"
    path = "current" + PurePosixPath(case.path).suffix
    req = CompletionRequest("file:///r/" + path, path, current, len(near), 0, document_language(path))
    other = ("file:///r/" + case.path, case.path, 1, case.text)
    assembled = assemble_context(req, options=CompletionOptions(model="qwen2.5-coder:1.5b"), neighbors=NeighborIndex(),
                                 open_documents=[other])
    assert f"Reference code from {case.path}" in assembled.prompt.prompt
    assert case.leaked(assembled.prompt.prompt) == []
