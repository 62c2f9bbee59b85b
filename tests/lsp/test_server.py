"""Server lifecycle over stdio: settings (bad values -> showMessage + defaults), background indexing with
$/progress and status, re-index on save, completion for clients without inline support, toggle."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from tests.fake_openai import Reply
from tests.lsp.conftest import end_of, open_document, options, request, start, status, wait_for_index

pytestmark = pytest.mark.asyncio


async def test_index_builds_in_the_background_with_progress_and_status(client, repo, fake_openai):
    result = await start(client, repo, options(fake_openai.base_url))
    assert result.capabilities.inline_completion_provider is not None
    assert set(protocol.COMMANDS) <= set(result.capabilities.execute_command_provider.commands)
    current = await wait_for_index(client)
    assert current["files"] == 5 and current["chunks"] > 0
    assert current["completionModel"] == "qwen2.5-coder:1.5b" and current["chatModel"] == "fake-chat"
    assert current["enabled"] is True
    async with asyncio.timeout(10):
        while not any(r and isinstance(r[-1], types.WorkDoneProgressEnd) for r in client.progress_reports.values()):
            await asyncio.sleep(0.05)
    [reports] = list(client.progress_reports.values())
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "Indexed 5 files" in reports[-1].message
    assert client.statuses and client.statuses[-1].indexState in ("lexical", "ready")

    # codeassist.reindex: an incremental update of the whole workspace, reported with its own progress.
    (repo / "shop" / "returns.py").write_text("def refund_order(order_id):\n    return order_id\n")
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command=protocol.CMD_REINDEX))
    assert result["started"] is True
    async with asyncio.timeout(20):
        while (await status(client))["files"] < 6:
            await asyncio.sleep(0.05)
        while len(client.progress_reports) < 2 or not isinstance(list(client.progress_reports.values())[-1][-1],
                                                                    types.WorkDoneProgressEnd):
            await asyncio.sleep(0.05)


async def test_bad_setting_shows_a_message_and_uses_defaults(client, repo):
    init = {"completion": {"debounceMs": "fast"}, "lsp": {"embed": False, "retrievalMode": "psychic"}}
    await start(client, repo, init)
    current = await status(client)
    messages = [m.message for m in client.messages]
    assert any("completion.debounce_ms" in m and "integer" in m for m in messages)
    assert any("lsp.retrievalMode" in m for m in messages)
    assert current["completionModel"] is None and current["indexState"] in ("lexical", "ready")


async def test_saved_and_deleted_files_are_reindexed(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url, reindexDebounceMs=50))
    target = repo / "shop" / "shipping.py"
    target.write_text("def shipping_cost_by_zeppelin(weight):\n    return weight * 42\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=target.as_uri())))
    async with asyncio.timeout(20):
        while (await status(client))["files"] < 6:
            await asyncio.sleep(0.1)
    uri = open_document(client, repo / "shop" / "quote.py", "total = shipping_cost_by_zeppelin(3)\n")
    locations = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_FIND_SIMILAR, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}]))
    assert [loc["uri"] for loc in locations][:1] == [target.as_uri()]

    # workspace/didChangeWatchedFiles: a deleted file leaves the index.
    target.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=target.as_uri(), type=types.FileChangeType.Deleted)]))
    async with asyncio.timeout(20):
        while (await status(client))["files"] > 5:
            await asyncio.sleep(0.1)


async def test_clients_without_inline_completion_get_one_completion_item(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="price_with_tax(net)"))
    await start(client, repo, options(fake_openai.base_url), inline=False)
    text = "from shop.pricing import price_with_tax\n\n\ndef gross(net):\n    return "
    uri = open_document(client, repo / "shop" / "gross.py", text)
    line, character = end_of(text)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    [item] = result.items
    assert item.text_edit.new_text == "price_with_tax(net)"
    assert item.preselect is True and item.sort_text < "a"

    # A client that asks for inline completions (without declaring it) gets no duplicate model call here.
    await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
    again = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    assert again is None


async def test_toggle_turns_inline_completion_off(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url))
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command=protocol.CMD_TOGGLE))
    assert result["enabled"] is False
    uri = open_document(client, repo / "shop" / "x.py", "def f():\n    ")
    items = await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=4),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
    assert list(items.items) == []
    assert fake_openai.requests_of("completions") == []
    assert (await request(client, protocol.STATUS, {}))["enabled"] is False


async def test_dense_vectors_come_after_the_lexical_index(client, repo, fake_openai):
    init = options(fake_openai.base_url, embed=True)
    init["embeddings"] = {"provider": "openai", "baseUrl": fake_openai.base_url, "model": "fake-embed",
                          "apiKey": "test-key"}
    await start(client, repo, init, wait_index=False)
    async with asyncio.timeout(30):
        while (current := await status(client))["indexState"] != "ready":
            await asyncio.sleep(0.05)
    assert current["embedded"] == current["chunks"] > 0
    assert fake_openai.requests_of("embeddings")
    states = [s.indexState for s in client.statuses]
    assert states[-1] == "ready" and "error" not in states


async def test_a_save_during_another_index_run_is_kept_and_retried(client, repo, fake_openai, tmp_path):
    """Another process holds the index lock when the editor saves: the change waits and lands after."""
    from codeassist.indexer import open_index
    from codeassist.indexer.errors import IndexLocked
    from codeassist.indexer.lock import IndexLock

    index_dir = tmp_path / "index"
    init = options(fake_openai.base_url, reindexDebounceMs=50)
    init["index"] = {"indexDir": str(index_dir)}
    target = repo / "shop" / "versions.py"
    target.write_text("def first_version():\n    return 1\n")
    await start(client, repo, init)
    lock = IndexLock(index_dir)
    async with asyncio.timeout(20):  # the server's own first run may still hold it for a moment
        while True:
            try:
                lock.acquire()
                break
            except IndexLocked:
                await asyncio.sleep(0.05)
    try:
        target.write_text("def second_version_saved():\n    return 2\n")
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=target.as_uri())))
        await asyncio.sleep(1.5)  # the update tried (and failed to get the lock) meanwhile
    finally:
        lock.release()

    def indexed_text(query: str) -> str:
        index = open_index(repo, index_dir)
        try:
            return "\n".join(hit.text for hit in index.search(query, 5, mode="lexical"))
        finally:
            index.close()

    async with asyncio.timeout(30):
        while "def second_version_saved" not in indexed_text("second_version_saved"):
            await asyncio.sleep(0.1)
    assert "def first_version" not in indexed_text("first_version")
