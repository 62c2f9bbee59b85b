"""Code actions over stdio: the docstring edit applies cleanly to Python, TypeScript and Go fixtures;
"Find similar code" returns locations from the index; nothing is applied unless the client asks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.actions import apply_text_edits
from tests.fake_openai import Reply
from tests.lsp.conftest import FIXTURES, open_document, options, start

pytestmark = pytest.mark.asyncio

DOC = '"""Read KEY=VALUE lines from a file.\n\nReturns an empty dict when the file does not exist.\n"""'


def code_action_params(uri: str, line: int, character: int = 0) -> types.CodeActionParams:
    here = types.Position(line=line, character=character)
    return types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri),
                                  range=types.Range(start=here, end=here),
                                  context=types.CodeActionContext(diagnostics=[]))


async def test_docstring_edit_applies_cleanly_in_python_typescript_and_go(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    (repo / "docs").mkdir()
    cases = [("sample.py", "python", 7),      # inside the body of Config.load
             ("sample.ts", "typescript", 4),  # inside Store.add
             ("sample.go", "go", 3)]          # inside Add
    for n, (name, language, line) in enumerate(cases):
        target = repo / "docs" / name
        shutil.copy(FIXTURES / "docstring" / name, target)
        fake_openai.script("chat", Reply(text=DOC))
        uri = open_document(client, target, language=language)

        offered = await client.text_document_code_action_async(code_action_params(uri, line, 4))
        assert [a.title for a in offered] == [protocol.ACTION_EXPLAIN, protocol.ACTION_DOCSTRING,
                                              protocol.ACTION_SIMILAR]
        docstring = offered[1]
        assert docstring.edit is None  # computed only when the user picks it
        assert len(fake_openai.requests_of("chat")) == n

        resolved = await client.code_action_resolve_async(docstring)
        result = apply_text_edits(target.read_text(), list(resolved.edit.changes[uri]))
        assert result == (FIXTURES / "docstring" / f"{name}.expected").read_text(), name
        assert client.deltas == []  # an edit is not a chat message: nothing streamed to the chat view
        # The model saw the whole declaration it documents, up to its last line.
        prompt = fake_openai.requests_of("chat")[n].json["messages"][-1]["content"]
        source_lines = [ln for ln in target.read_text().split("\n") if ln.strip()]
        assert source_lines[-1 if language == "python" else -2].strip() in prompt
        assert target.read_text().split("\n")[line].strip() in prompt


async def test_write_docstring_command_asks_the_client_to_apply(client, repo, fake_openai):
    target = repo / "docs" / "sample.py"
    target.parent.mkdir()
    shutil.copy(FIXTURES / "docstring" / "sample.py", target)
    fake_openai.script("chat", Reply(text=DOC))
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, target)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_WRITE_DOCSTRING,
        arguments=[{"textDocument": {"uri": uri}, "position": {"line": 5, "character": 0}}]))
    assert result["applied"] is True
    [edit] = client.applied_edits
    assert apply_text_edits(target.read_text(), list(edit.changes[uri])) == \
        (FIXTURES / "docstring" / "sample.py.expected").read_text()


async def test_find_similar_returns_locations_from_the_index(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    uri = (repo / "shop" / "cart.py").as_uri()
    locations = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_FIND_SIMILAR, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": 12, "character": 0}, "end": {"line": 13, "character": 0}}}]))
    paths = [Path(loc["uri"].removeprefix("file://")).relative_to(repo).as_posix() for loc in locations]
    assert "shop/pricing.py" in paths
    for loc in locations:
        assert loc["range"]["start"]["line"] < loc["range"]["end"]["line"]
