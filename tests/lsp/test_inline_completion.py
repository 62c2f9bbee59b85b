"""textDocument/inlineCompletion end to end: the prompt the model received, the items returned,
supersession, cancellation, the typing-along cache and the offline fallback."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types

from tests.fake_openai import Reply
from tests.lsp.conftest import end_of, inline_params, open_document, options, start

pytestmark = pytest.mark.asyncio

ORDERS = '''from shop.inventory import restock_warehouse


def receive_delivery(stock, sku, amount):
    # add the delivered units to the warehouse stock level and log the change
    '''


async def test_prompt_has_comment_retrieved_snippet_and_qwen_tokens(client, repo, fake_openai):
    fake_openai.script("completions", Reply(
        text="current_level = stock.get(sku, 0)\n    stock[sku] = current_level + amount\n"
             "    return stock[sku]\n\n\ndef unrelated():\n    pass\n"))
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    line, character = end_of(ORDERS)

    result = await client.text_document_inline_completion_async(inline_params(uri, line, character))

    [request] = fake_openai.requests_of("completions")
    body = request.json
    prompt = body["prompt"]
    assert body["model"] == "qwen2.5-coder:1.5b"
    assert prompt.startswith("<|fim_prefix|>") and prompt.endswith("<|fim_middle|>")
    assert "<|fim_suffix|>" in prompt
    # Comments as intent: the comment just above the cursor sits right before the hole.
    before_hole = prompt.split("<|fim_suffix|>")[0]
    assert before_hole.endswith("    # add the delivered units to the warehouse stock level and log the change\n    ")
    # Retrieval: the snippet from another file of the repository, labelled with its path, as comments.
    assert "# Reference code from shop/inventory.py" in prompt
    assert "#     current_level = stock.get(sku, 0)" in prompt
    assert body["stop"][0] == "\n\n\n"  # multi-line mode after a comment in a body
    assert body["temperature"] == 0.0

    assert result is not None
    [item] = result.items
    # Post-processed: stops at the end of the function body (the dedented `def` is cut).
    assert item.insert_text == ("current_level = stock.get(sku, 0)\n    stock[sku] = current_level + amount\n"
                                "    return stock[sku]")
    assert item.range == types.Range(start=types.Position(line=line, character=character),
                                     end=types.Position(line=line, character=character))


async def test_fim_tokens_follow_the_model_name_and_configuration_changes(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url, model="starcoder2:3b"))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    cases = [
        ("starcoder2:3b", "<fim_prefix>", "<fim_middle>"),
        ("deepseek-coder:1.3b-base", "<｜fim▁begin｜>", "<｜fim▁end｜>"),
        ("codestral-latest", "[SUFFIX]", "to the warehouse stock level and log the change\n    "),
        ("codellama:7b-code", "<PRE> ", " <MID>"),
        # Repository-level format: the retrieved snippet becomes a file of the repository.
        ("qwen2.5-coder:7b", "<|repo_name|>repo\n<|file_sep|>",
         "<|file_sep|>shop/orders.py\n<|fim_prefix|>" + ORDERS + "<|fim_suffix|><|fim_middle|>"),
    ]
    for n, (model, opening, closing) in enumerate(cases):
        if n:  # workspace/didChangeConfiguration switches the model on the fly
            client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
                settings={"codeassist": options(fake_openai.base_url, model=model,
                                                fimContext="files" if model.endswith("7b") else "comments")}))
        fake_openai.script("completions", Reply(text=f"return amount  # {n}"))
        result = await client.text_document_inline_completion_async(inline_params(uri, *end_of(ORDERS)))
        sent = fake_openai.requests_of("completions")[n].json
        assert sent["model"] == model
        assert sent["prompt"].startswith(opening) and sent["prompt"].endswith(closing)
        if "file_sep" in opening:
            assert "<|file_sep|>shop/inventory.py\ndef restock_warehouse(" in sent["prompt"]
        assert [i.insert_text for i in result.items] == [f"return amount  # {n}"]


async def test_chat_only_model_gets_a_hole_filling_prompt(client, repo, fake_openai):
    fake_openai.script("chat", Reply(text="```python\nreturn restock_warehouse(stock, sku, amount)\n```"))
    await start(client, repo, options(fake_openai.base_url, model="gpt-4o-mini"))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    result = await client.text_document_inline_completion_async(inline_params(uri, *end_of(ORDERS)))
    [request] = fake_openai.requests_of("chat")
    user = request.json["messages"][-1]["content"]
    assert "<CURSOR_HOLE>" in user and "shop/inventory.py" in user
    assert [i.insert_text for i in result.items] == ["return restock_warehouse(stock, sku, amount)"]
    assert fake_openai.requests_of("completions") == []


@pytest.mark.slow
async def test_newer_request_supersedes_and_aborts_the_older(client, repo, fake_openai):
    slow = Reply(text="x" * 200, chunk_delay=0.1)
    fake_openai.script("completions", slow, Reply(text="amount * 2"))
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    line, character = end_of(ORDERS)

    first = asyncio.ensure_future(client.text_document_inline_completion_async(inline_params(uri, line, character)))
    await asyncio.to_thread(fake_openai.wait_for_requests, "completions", 1)
    await asyncio.sleep(0.15)  # the first stream is flowing
    typed = ORDERS + "return "
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=typed)]))
    second = await client.text_document_inline_completion_async(inline_params(uri, *end_of(typed)))
    first_result = await first

    assert list(first_result.items) == []
    assert [i.insert_text for i in second.items] == ["amount * 2"]
    requests = fake_openai.requests_of("completions")
    assert len(requests) == 2
    deadline = time.monotonic() + 5
    while requests[0].outcome == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert [r.outcome for r in requests] == ["aborted", "completed"]


async def test_requests_inside_the_debounce_window_never_reach_the_model(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="amount"))
    await start(client, repo, options(fake_openai.base_url, debounce_ms=300))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    line, character = end_of(ORDERS)
    first = asyncio.ensure_future(client.text_document_inline_completion_async(inline_params(uri, line, character)))
    await asyncio.sleep(0.05)
    second = await client.text_document_inline_completion_async(inline_params(uri, line, character))
    assert list((await first).items) == []
    assert [i.insert_text for i in second.items] == ["amount"]
    assert len(fake_openai.requests_of("completions")) == 1


async def test_cancel_request_aborts_the_model_stream(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="y" * 200, chunk_delay=0.1))
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, repo / "shop" / "orders.py", ORDERS)
    pending = asyncio.ensure_future(client.protocol.send_request_async(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, *end_of(ORDERS)), msg_id="inline-1"))
    await asyncio.to_thread(fake_openai.wait_for_requests, "completions", 1)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="inline-1"))
    with pytest.raises(Exception, match="cancel"):
        await pending
    request = fake_openai.requests_of("completions")[0]
    deadline = time.monotonic() + 5
    while request.outcome == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert request.outcome == "aborted"


async def test_typing_along_the_suggestion_is_served_from_the_cache(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="restock_warehouse(stock, sku, amount)"))
    await start(client, repo, options(fake_openai.base_url))
    text = ORDERS + "return "
    uri = open_document(client, repo / "shop" / "orders.py", text)
    first = await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    assert [i.insert_text for i in first.items] == ["restock_warehouse(stock, sku, amount)"]

    typed = text + "restock_"
    line, character = end_of(text)
    here = types.Position(line=line, character=character)
    client.text_document_did_change(types.DidChangeTextDocumentParams(  # incremental sync, as editors send it
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=here, end=here),
                                                                text="restock_")]))
    second = await client.text_document_inline_completion_async(inline_params(uri, *end_of(typed)))

    assert [i.insert_text for i in second.items] == ["warehouse(stock, sku, amount)"]
    assert len(fake_openai.requests_of("completions")) == 1


async def test_model_down_or_late_falls_back_to_the_index_within_the_deadline(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="late", delay=30.0), Reply(status=500))
    await start(client, repo, options(fake_openai.base_url, deadline_ms=1000))
    text = ("def refill(stock, sku, amount):\n"
            "    current_level = stock.get(sku, 0)\n"
            "    ")
    uri = open_document(client, repo / "shop" / "refill.py", text)
    for attempt in ("endpoint misses the deadline", "endpoint fails", "endpoint in its back-off"):
        started = time.monotonic()
        result = await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
        # The line that followed the most similar window in shop/inventory.py.
        assert [i.insert_text for i in result.items] == ["stock[sku] = current_level + amount"], attempt
        assert time.monotonic() - started < 15, attempt  # the 1 s deadline, not the endpoint's 30 s
        text += " "  # a new position, so the cache does not answer
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    # The failed endpoint is not asked again inside its back-off.
    assert len(fake_openai.requests_of("completions")) == 2
    async with asyncio.timeout(5):  # the failure reaches the status (and the log) with what to check
        while not any("HTTP 500" in str(getattr(s, "problems", "")) for s in client.statuses):
            await asyncio.sleep(0.05)
    assert not client.messages  # never a message box in the middle of typing


async def test_no_model_configured_uses_the_index(client, repo):
    await start(client, repo, options(None))
    text = "def refill(stock, sku, amount):\n    current_level = stock.get(sku, 0)\n    stock[sku] = "
    uri = open_document(client, repo / "shop" / "refill.py", text)
    result = await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    assert [i.insert_text for i in result.items] == ["current_level + amount"]


async def test_the_item_selected_in_the_completion_popup_counts_as_typed(client, repo, fake_openai):
    fake_openai.script("completions", Reply(text="(stock, sku, amount)"))
    await start(client, repo, options(fake_openai.base_url))
    text = ORDERS + "return rest"
    uri = open_document(client, repo / "shop" / "orders.py", text)
    line, character = end_of(text)
    replaced = types.Range(start=types.Position(line=line, character=character - 4),
                           end=types.Position(line=line, character=character))
    params = inline_params(uri, line, character)
    params.context = types.InlineCompletionContext(
        trigger_kind=types.InlineCompletionTriggerKind.Automatic,
        selected_completion_info=types.SelectedCompletionInfo(range=replaced, text="restock_warehouse"))
    result = await client.text_document_inline_completion_async(params)
    prompt = fake_openai.requests_of("completions")[0].json["prompt"]
    assert prompt.split("<|fim_suffix|>")[0].endswith("    return restock_warehouse")
    [item] = result.items
    assert item.insert_text == "restock_warehouse(stock, sku, amount)" and item.range == replaced
