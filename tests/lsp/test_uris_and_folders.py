"""Documents and folders however the editor spells them: percent-encoded URIs (spaces, non-ASCII, `#`,
`%`, Windows drive letters) reach the same document everywhere, and every folder of a multi-root
workspace has its own index used for the files under it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.uris import document_key
from tests.fake_openai import Reply
from tests.lsp.conftest import FIXTURES, QWEN, end_of, inline_params, open_document, options, request, start

AWKWARD_NAMES = ["a b.py", "ünï code.py", "a#b.py", "100%.py", "x%20y.py"]
BODY = ("from shop.inventory import restock_warehouse\n\n\n"
        "def receive(stock, sku, amount):\n    # add the units to the stock level\n    ")


@pytest.fixture
def awkward_repo(tmp_path: Path) -> Path:
    target = tmp_path / "my proj" / "ünï code"
    shutil.copytree(FIXTURES / "repo", target)
    return target


@pytest.mark.asyncio
@pytest.mark.parametrize("inline", [True, False], ids=["inlineCompletion", "completion"])
async def test_percent_encoded_uris_reach_the_document(client, awkward_repo, fake_openai, inline):
    await start(client, awkward_repo, options(fake_openai.base_url), inline=inline)
    for n, name in enumerate(AWKWARD_NAMES):
        fake_openai.script("completions", Reply(text=f"return {n}"))
        path = awkward_repo / "shop" / name
        uri = open_document(client, path, BODY)
        assert "%" in uri  # Path.as_uri percent-encodes, as editors do
        line, character = end_of(BODY)
        if inline:
            result = await client.text_document_inline_completion_async(inline_params(uri, line, character))
            assert [i.insert_text for i in result.items] == [f"return {n}"], name
        else:
            result = await client.text_document_completion_async(types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character)))
            assert [i.text_edit.new_text for i in result.items] == [f"return {n}"], name
        prompt = fake_openai.requests_of("completions")[n].json["prompt"]
        # The path the prompt names is the decoded one, relative to the (encoded) workspace folder.
        assert f"shop/{name}" in prompt or "restock_warehouse" in prompt, name
        assert "# Reference code from shop/inventory.py" in prompt, name


@pytest.mark.asyncio
async def test_percent_encoded_neighbouring_tabs_and_unsaved_buffers_are_read(client, awkward_repo, fake_openai):
    await start(client, awkward_repo, options(fake_openai.base_url))
    tab_text = ("def ship_parcel_by_zeppelin(weight_kg, altitude_m):\n"
                "    zeppelin_fee = weight_kg * altitude_m * 7\n    return zeppelin_fee\n")
    open_document(client, awkward_repo / "shop" / "other tab #2.py", tab_text)
    current = "def quote(weight_kg, altitude_m):\n    zeppelin_fee = ship_parcel_by_zeppelin(weight_kg, altitude_m)\n    "
    uri = open_document(client, awkward_repo / "shop" / "quote 100%.py", current)
    await client.text_document_inline_completion_async(inline_params(uri, *end_of(current)))
    prompt = fake_openai.requests_of("completions")[0].json["prompt"]
    assert "shop/other tab #2.py" in prompt and "zeppelin_fee = weight_kg * altitude_m * 7" in prompt
    assert prompt.count("ship_parcel_by_zeppelin(weight_kg, altitude_m):") == 1  # the tab, not this file again

    # ask about an open, unsaved buffer: its text, not the file on disk (which does not even exist).
    fake_openai.script("chat", Reply(text="It quotes a zeppelin fee."))
    result = await request(client, protocol.ASK, {"question": "what is this?", "textDocument": {"uri": uri},
                                                  "range": {"start": {"line": 0, "character": 0},
                                                            "end": {"line": 2, "character": 0}}})
    assert result["answer"] == "It quotes a zeppelin fee."
    chat_prompt = str(fake_openai.requests_of("chat")[0].json["messages"])
    assert "zeppelin_fee = ship_parcel_by_zeppelin" in chat_prompt and "quote 100%.py" in chat_prompt


@pytest.mark.asyncio
async def test_windows_drive_letter_spellings_are_one_document(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="return 1"), Reply(text="return 1"))
    await start(client, repo, options(fake_openai.base_url))
    opened = "file:///C%3A/Users/dev/my%20proj/a%20b.py"  # VS Code's spelling
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=opened, language_id="python", version=1, text=BODY)))
    line, character = end_of(BODY)
    for asked in ("file:///c:/Users/dev/my%20proj/a%20b.py", "file:///C:/Users/dev/my proj/a b.py"):
        result = await client.text_document_inline_completion_async(inline_params(asked, line, character))
        assert [i.insert_text for i in result.items] == ["return 1"], asked


@pytest.mark.parametrize(("one", "other"), [
    ("file:///home/u/my%20proj/a%20b.py", "file:///home/u/my proj/a b.py"),
    ("file:///home/u/%C3%BCn%C3%AF.py", "file:///home/u/ünï.py"),
    ("file:///home/u/a%23b.py", "file:///home/u/a#b.py"),
    ("file:///home/u/100%25.py", "file:///home/u/100%.py"),
    ("file:///C%3A/Users/a.py", "file:///c:/Users/a.py"),
    ("file://localhost/home/u/a.py", "file:///home/u/a.py"),
])
def test_uri_spellings_of_one_file_share_one_document_key(one, other):
    assert document_key(one) == document_key(other)
    assert document_key("file:///home/u/a.py") != document_key("file:///home/u/b.py")


# -- multi-root workspaces ---------------------------------------------------------------------------------
@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    roots = {name: tmp_path / name for name in ("frontend", "backend", "shared")}
    shutil.copytree(FIXTURES / "repo" / "web", roots["frontend"] / "web")
    shutil.copytree(FIXTURES / "repo" / "shop", roots["backend"] / "shop")
    (roots["shared"] / "money.py").parent.mkdir(parents=True)
    (roots["shared"] / "money.py").write_text("def round_to_cents(amount):\n    return round(amount, 2)\n")
    return roots


async def wait_for_folders(client, count: int, timeout: float = 30.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            current = await request(client, protocol.STATUS, {})
            ready = [f for f in current["folders"] if f["indexState"] in ("lexical", "ready") and f["chunks"] > 0]
            if len(current["folders"]) == count and len(ready) == count:
                return current
            await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_every_workspace_folder_is_indexed_and_used(client, folders, fake_openai):
    fake_openai.script("completions", Reply(text="current_level = stock.get(sku, 0)"))
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities())),
        root_uri=folders["frontend"].as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folders[n].as_uri(), name=n) for n in ("frontend", "backend")],
        initialization_options=options(fake_openai.base_url)))
    current = await wait_for_folders(client, 2)
    assert [Path(f["root"]).name for f in current["folders"]] == ["frontend", "backend"]
    assert current["completionModel"] == QWEN

    # A file of the second folder: code actions, and completion context from that folder's index.
    orders = folders["backend"] / "shop" / "orders.py"
    text = "def receive_delivery(stock, sku, amount):\n    # add the delivered units to the warehouse stock\n    "
    uri = open_document(client, orders, text)
    here = types.Position(line=1, character=0)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=types.Range(start=here, end=here),
        context=types.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions or []][:1] == [protocol.ACTION_EXPLAIN]
    await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    prompt = fake_openai.requests_of("completions")[0].json["prompt"]
    assert "# Reference code from shop/inventory.py" in prompt
    locations = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_FIND_SIMILAR, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}}]))
    assert any(loc["uri"].startswith(folders["backend"].as_uri() + "/") for loc in locations)

    # workspace/symbol searches every folder's index; each symbol is located under its own folder.
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="restock_warehouse"))
    assert [s.location.uri for s in symbols if s.name == "restock_warehouse"] == [
        (folders["backend"] / "shop" / "inventory.py").as_uri()]

    # workspace/didChangeWorkspaceFolders: one folder added (indexed), one removed (no longer served).
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=folders["shared"].as_uri(), name="shared")],
            removed=[types.WorkspaceFolder(uri=folders["frontend"].as_uri(), name="frontend")])))
    current = await wait_for_folders(client, 2)
    assert sorted(Path(f["root"]).name for f in current["folders"]) == ["backend", "shared"]
    frontend_file = (folders["frontend"] / "web" / "client.ts").as_uri()
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=frontend_file), range=types.Range(start=here, end=here),
        context=types.CodeActionContext(diagnostics=[])))
    assert not actions
    quote = open_document(client, folders["shared"] / "quote.py", "def quote(amount):\n    return round(amount, 2)\n")
    money = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_FIND_SIMILAR, arguments=[{"textDocument": {"uri": quote}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}}]))
    assert [loc["uri"] for loc in money][:1] == [(folders["shared"] / "money.py").as_uri()]
