"""Local suggestion metrics from a real LSP client: items carry an id in their accept command; acceptance
through the command (VS Code) or the suggestionEvent notification (Neovim) lands in the prompt log; a
suggestion replaced without a verdict counts as dismissed; status says which endpoint served."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.promptlog import PromptLog
from tests.fake_openai import FakeOpenAI, Reply
from tests.lsp.conftest import end_of, inline_params, open_document, options, start, status

pytestmark = pytest.mark.asyncio

TEXT = "def refill(stock, sku, amount):\n    current_level = stock.get(sku, 0)\n    "


async def events(expected: int) -> list[tuple[str, str]]:
    async with asyncio.timeout(10):
        while True:
            rows = PromptLog().query("SELECT suggestion_id, kind FROM events ORDER BY id")
            if len(rows) >= expected:
                return [(row["suggestion_id"], row["kind"]) for row in rows]
            await asyncio.sleep(0.05)


async def suggest(client, uri: str, text: str) -> types.InlineCompletionItem:
    result = await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    [item] = result.items
    assert item.command.command == protocol.CMD_SUGGESTION_ACCEPTED
    return item


def change(client, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_metrics_count_acceptances_from_the_client(client, repo, fake_openai: FakeOpenAI):
    fake_openai.script("completions", Reply(text="stock[sku] = current_level + amount"),
                       Reply(text="return stock"), Reply(text="log(stock)"), Reply(text="print(stock)"))
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, repo / "shop" / "refill.py", TEXT)

    first = await suggest(client, uri, TEXT)
    first_id = first.command.arguments[0]["id"]
    client.protocol.notify(protocol.SUGGESTION_EVENT, {"id": first_id, "kind": "accepted", "acceptedChars": 35})

    text = TEXT + "stock[sku] = current_level + amount\n    "
    change(client, uri, text, 2)
    second = await suggest(client, uri, text)
    second_id = second.command.arguments[0]["id"]
    assert second_id != first_id
    # What VS Code does when the user accepts the item: run its command.
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=second.command.command, arguments=second.command.arguments))

    text += "return stock\n    "
    change(client, uri, text, 3)
    third = await suggest(client, uri, text)
    text += "x = 1\n    "
    change(client, uri, text, 4)
    await suggest(client, uri, text)  # replaces the third without a verdict: dismissed

    recorded = await events(7)
    third_id = third.command.arguments[0]["id"]
    assert [kind for sid, kind in recorded if sid == first_id] == ["shown", "accepted"]
    assert [kind for sid, kind in recorded if sid == second_id] == ["shown", "accepted"]
    assert [kind for sid, kind in recorded if sid == third_id] == ["shown", "dismissed"]
    assert sum(kind == "shown" for _, kind in recorded) == 4

    current = await status(client)
    assert current["lastCompletion"]["servedBy"] == f"{fake_openai.base_url} (qwen2.5-coder:1.5b)"
    assert current["completionChain"][0]["state"] == "closed"
    assert [e["model"] for e in current["chatChain"]] == ["fake-chat"]
    # Every completion request is a prompt-log row naming its FIM template and version.
    rows = PromptLog().query("SELECT template, template_version, chain_position, status FROM requests "
                             "WHERE purpose = 'completion'")
    assert {tuple(row) for row in rows} == {("fim-qwen", "1+context.1", 0, "ok")}


async def test_completion_chain_moves_to_the_fallback_endpoint(client, repo, fake_openai: FakeOpenAI):
    with FakeOpenAI(default_completion="stock[sku] = current_level + amount") as backup:
        init = options(fake_openai.base_url)
        init["completion"]["fallbacks"] = [{"baseUrl": backup.base_url, "model": "starcoder2:3b"}]
        fake_openai.script("completions", Reply(status=503))
        await start(client, repo, init)
        uri = open_document(client, repo / "shop" / "refill.py", TEXT)
        item = await suggest(client, uri, TEXT)
        assert item.insert_text == "stock[sku] = current_level + amount"
        [sent] = backup.requests_of("completions")
        assert sent.json["prompt"].startswith("<fim_prefix>")  # the fallback's own FIM family
        current = await status(client)
        assert current["lastCompletion"]["position"] == 1
        assert current["lastCompletion"]["skipped"] == [[f"{fake_openai.base_url} (qwen2.5-coder:1.5b)", "HTTP 503"]]
        assert current["completionChain"][0]["state"] == "open"


async def test_every_completion_endpoint_failing_kind_the_index_completer_answers(client, repo,
                                                                                  fake_openai: FakeOpenAI):
    with FakeOpenAI() as gone:
        down = gone.base_url
    init = options(fake_openai.base_url, deadline_ms=1500)
    init["completion"]["fallbacks"] = [{"baseUrl": down, "model": "qwen2.5-coder:1.5b"}]
    fake_openai.script("completions", Reply(status=503))
    await start(client, repo, init)
    uri = open_document(client, repo / "shop" / "refill.py", TEXT)
    item = await suggest(client, uri, TEXT)
    # The line that followed the most similar window in shop/inventory.py.
    assert item.insert_text == "stock[sku] = current_level + amount"
    current = await status(client)
    assert [s[1] for s in current["lastCompletion"]["skipped"]] == ["HTTP 503", "unreachable (connection failed)"]


async def test_size_cap_kind_a_server_ignoring_max_tokens_cannot_flood_the_editor(client, repo,
                                                                                 fake_openai: FakeOpenAI):
    flood = "total += 1; " * 420_000  # ~5 MB on one line
    fake_openai.script("completions", Reply(text=flood, chunks=[flood[i:i + 50_000]
                                                                for i in range(0, len(flood), 50_000)]))
    await start(client, repo, options(fake_openai.base_url))
    text = "def count(items):\n    total = 0\n    for item in items: "
    uri = open_document(client, repo / "shop" / "count.py", text)
    item = await suggest(client, uri, text)
    sent = fake_openai.requests_of("completions")[0].json["max_tokens"]
    assert 0 < len(item.insert_text) <= sent * 6  # the client stopped reading at ~6 characters per token
