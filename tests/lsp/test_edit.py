"""`codeassist.edit` over stdio: the selection is replaced exactly (UTF-16 columns, CRLF, tabs) by one
versioned edit the client applies; broken answers and cancelled requests change nothing; diagnostics and
the instruction reach the prompt; secrets stay out of the request and in the file."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.actions import apply_text_edits
from tests.fake_openai import Reply
from tests.lsp.conftest import open_document, options, start

pytestmark = pytest.mark.asyncio

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
TYPED = "def mul(a: float, b: float) -> float:\n    return a * b\n"


def lines_range(start: int, end: int) -> dict:
    return {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}


async def edit(client, uri: str, rng: dict | None, instruction: str | None = "add type hints", **extra) -> dict:
    args = {"textDocument": {"uri": uri}, "instruction": instruction, **extra}
    if rng is not None:
        args["range"] = rng
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_EDIT, arguments=[args]))


def applied_text(client, uri: str, text: str) -> str:
    """The text after the client applied the one edit it received (positions in UTF-16 units, as LSP says)."""
    [workspace_edit] = client.applied_edits
    [change] = workspace_edit.document_changes
    assert change.text_document.uri == uri and change.text_document.version == 1
    lines = text.split("\n")

    def to_python(pos: types.Position) -> types.Position:
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = line.encode("utf-16-le")[: pos.character * 2].decode("utf-16-le")
        return types.Position(line=pos.line, character=len(units))

    edits = [types.TextEdit(range=types.Range(start=to_python(e.range.start), end=to_python(e.range.end)),
                            new_text=e.new_text) for e in change.edits]
    return apply_text_edits(text, edits)


def command_of(action) -> tuple[str, list]:
    """(command, arguments) a code action runs. lsprotocol's client side reads some CodeActions as a
    `Command` whose `command` field holds the nested command's repr; accept both shapes."""
    if isinstance(action, types.CodeAction):
        return action.command.command, action.command.arguments
    nested = ast.literal_eval(action.command)
    return nested["command"], nested["arguments"]


def write(repo: Path, name: str, text: str) -> Path:
    path = repo / "edits" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode())
    return path


async def test_the_selection_is_replaced_exactly_in_one_versioned_edit(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    fake_openai.script("chat", Reply(text=f"Here you go:\n```python\n{TYPED}```\nDone."))
    result = await edit(client, uri, lines_range(4, 6))
    assert result["applied"] is True and result["summary"] == "codeassist: edited edits/calc.py:5-6 (+1 -1)"
    assert applied_text(client, uri, SOURCE) == SOURCE.replace("def mul(a, b):\n", TYPED.split("\n")[0] + "\n")
    prompt = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert "add type hints" in prompt and "def add(a, b):" in prompt  # the file around the selection


async def test_utf16_columns_select_the_right_characters(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    text = "label = '😀 total'; amount = price * quantity\n"
    path = write(repo, "emoji.py", text)
    uri = open_document(client, path, text)
    fake_openai.script("chat", Reply(text="```python\ndiscounted(price) * quantity\n```"))
    start_col = len(text[: text.index("price")].encode("utf-16-le")) // 2  # the emoji is two UTF-16 units
    rng = {"start": {"line": 0, "character": start_col},
           "end": {"line": 0, "character": start_col + len("price * quantity")}}
    result = await edit(client, uri, rng, "use the discounted price")
    assert result["applied"] and result["range"] == rng
    assert applied_text(client, uri, text) == "label = '😀 total'; amount = discounted(price) * quantity\n"


async def test_crlf_and_tabs_are_kept(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    text = "package calc\r\n\r\nfunc Mul(a, b int) int {\r\n\treturn a * b\r\n}\r\n"
    path = write(repo, "calc.go", text)
    uri = open_document(client, path, text, language="go")
    fake_openai.script("chat", Reply(text="```go\nfunc Mul(a, b int64) int64 {\n\treturn a * b\n}\n```"))
    result = await edit(client, uri, lines_range(2, 5), "use int64")
    assert result["applied"]
    assert applied_text(client, uri, text) == text.replace("(a, b int) int", "(a, b int64) int64")


async def test_no_selection_edits_the_enclosing_symbol(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```"))
    here = {"start": {"line": 5, "character": 8}, "end": {"line": 5, "character": 8}}
    result = await edit(client, uri, here)
    assert (result["range"]["start"]["line"], result["range"]["end"]["line"]) == (4, 6)
    assert "def mul(a: float" in applied_text(client, uri, SOURCE)


async def test_an_answer_that_breaks_the_syntax_is_not_applied(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    fake_openai.script("chat", Reply(text="```python\ndef mul(a, b:\n    return a * b\n```"))
    result = await edit(client, uri, lines_range(4, 6))
    assert result["applied"] is False and "would not parse" in result["reason"]
    assert result["proposed"] == "def mul(a, b:\n    return a * b\n"
    assert client.applied_edits == []


async def test_cancelling_leaves_the_file_untouched(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```", chunk_delay=0.3))
    params = types.ExecuteCommandParams(command=protocol.CMD_EDIT, arguments=[
        {"textDocument": {"uri": uri}, "range": lines_range(4, 6), "instruction": "add type hints"}])
    task = asyncio.ensure_future(client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="edit-to-cancel"))
    await asyncio.to_thread(fake_openai.wait_for_requests, "chat", 1)
    await asyncio.sleep(0.2)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="edit-to-cancel"))
    with pytest.raises(Exception, match="(?i)cancel"):
        await asyncio.wait_for(task, 10)
    await asyncio.sleep(1.0)
    assert client.applied_edits == []
    assert path.read_text() == SOURCE
    assert fake_openai.requests_of("chat")[0].outcome == "aborted"


async def test_diagnostics_in_the_code_action_context_offer_a_fix_that_reaches_the_prompt(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url, editPrompt=True))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    diagnostic = types.Diagnostic(
        range=types.Range(start=types.Position(line=5, character=11), end=types.Position(line=5, character=16)),
        message='Operator "*" not supported for types "str" and "str"', code="reportOperatorIssue",
        source="Pyright", severity=types.DiagnosticSeverity.Error)
    here = types.Range(start=types.Position(line=5, character=12), end=types.Position(line=5, character=12))
    offered = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=here,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    titles = [a.title for a in offered]
    assert protocol.ACTION_EDIT in titles and protocol.ACTION_FIX in titles
    prompt_action = next(a for a in offered if a.title == protocol.ACTION_EDIT)
    assert command_of(prompt_action)[0] == protocol.CLIENT_CMD_EDIT_PROMPT
    fix = next(a for a in offered if a.title == protocol.ACTION_FIX)
    fake_openai.script("chat", Reply(text="```python\n    return float(a) * float(b)\n```"))
    name, arguments = command_of(fix)
    assert name == protocol.CMD_EDIT and arguments[0]["diagnostics"][0]["code"] == "reportOperatorIssue"
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=arguments))
    assert result["applied"] is True
    prompt = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert 'Operator "*" not supported for types "str" and "str"' in prompt and "reportOperatorIssue" in prompt
    assert applied_text(client, uri, SOURCE).endswith("def mul(a, b):\n    return float(a) * float(b)\n")


async def test_without_edit_prompt_support_only_the_fix_is_offered(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    here = types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=0))
    offered = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=here, context=types.CodeActionContext(diagnostics=[])))
    assert protocol.ACTION_EDIT not in [a.title for a in offered]


async def test_secrets_stay_out_of_the_request_and_in_the_file(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYz9"
    text = f'AWS_SECRET_ACCESS_KEY = "{secret}"\n\n\n{SOURCE}'
    path = write(repo, "creds.py", text)
    uri = open_document(client, path, text)
    fake_openai.script("chat", Reply(text=f"```python\n{TYPED}```"))
    result = await edit(client, uri, lines_range(7, 9))
    assert result["applied"]
    assert secret not in fake_openai.all_request_text()
    after = applied_text(client, uri, text)
    assert after.startswith(f'AWS_SECRET_ACCESS_KEY = "{secret}"\n') and "def mul(a: float" in after


async def test_bad_params_are_invalid_params_errors(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    path = write(repo, "calc.py", SOURCE)
    uri = open_document(client, path, SOURCE)
    for args, message in (([{"textDocument": {"uri": uri}}], "needs an instruction"),
                          (["just a string"], "takes one object"),
                          ([{"textDocument": {"uri": "file:///etc/passwd"}, "instruction": "x"}], "")):
        with pytest.raises(Exception) as caught:
            await client.workspace_execute_command_async(types.ExecuteCommandParams(
                command=protocol.CMD_EDIT, arguments=args))
        assert message in str(caught.value)
    assert fake_openai.requests_of("chat") == []
