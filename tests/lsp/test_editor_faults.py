"""Faults found in real editors, each as the editor saw it, over stdio against the real server:
completion items that eglot rejects or no client can match against the typed word, configuration
updates that wipe the configured models, message boxes in the middle of typing, ask without a
selection, docstrings past the end of the document, status starved by chat work."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.completion_items import item_text
from codeassist.lsp.options import merge_options
from tests.fake_openai import Reply
from tests.lsp.conftest import QWEN, end_of, inline_params, open_document, options, request, start, status

# (text before the cursor on its line, model suggestion, typed word, expected newText)
PARTLY_TYPED = [
    ("    ret", "urn self.name.upper()", "ret", "return self.name.upper()"),
    ("    total = price_wi", "th_tax(net)", "price_wi", "price_with_tax(net)"),
    ("  const ünïq", "ue = 1;", "ünïq", "ünïque = 1;"),
    ("    return ", "self.name", "", "self.name"),
    ("    x = foo.", "bar()", "", "bar()"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("prefix", "suggestion", "typed", "expected"), PARTLY_TYPED,
                         ids=[p[2] or f"after {p[0].strip()[-1]!r}" for p in PARTLY_TYPED])
async def test_completion_item_matches_the_partly_typed_word(client, repo, fake_openai, prefix, suggestion,
                                                             typed, expected):
    fake_openai.script("completions", Reply(text=suggestion))
    await start(client, repo, options(fake_openai.base_url), inline=False)
    text = "class User:\n    def shout(self):\n" + prefix
    uri = open_document(client, repo / "shop" / "user.py", text)
    line, character = end_of(text)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    [item] = result.items
    start_character = len(prefix.encode("utf-16-le")) // 2 - len(typed.encode("utf-16-le")) // 2
    assert item.text_edit.range == types.Range(start=types.Position(line=line, character=start_character),
                                               end=types.Position(line=line, character=character))
    assert item.text_edit.new_text == expected
    assert item.label.startswith(typed) and item.filter_text.startswith(typed)
    # Printable sort keys (eglot rejects "\u0000" and drops the whole reply), still sorted first.
    assert item.sort_text.isprintable() and item.sort_text < "a" and item.sort_text < "0001"


def test_completion_item_text_for_multiline_suggestions():
    shape = item_text("    ret", "urn [\n        1,\n    ]")
    assert (shape.start_character, shape.label, shape.filter_text) == (4, "return [", "return [")
    assert shape.new_text == "return [\n        1,\n    ]"


@pytest.mark.asyncio
@pytest.mark.parametrize("update", [{"codeassist": {}}, {}, None, {"codeassist": {"completion": {}}}],
                         ids=["empty section", "empty object", "null", "empty subsection"])
async def test_configuration_update_merges_over_initialize(client, repo, fake_openai, update):
    """Neovim 0.11's vim.lsp.config sends settings = {codeassist = {}} after initialize."""
    await start(client, repo, options(fake_openai.base_url))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=update))
    current = await status(client)
    assert current["completionModel"] == QWEN and current["chatModel"] == "fake-chat"
    # A real change merges: the model changes, the endpoint and the chat model stay.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"codeassist": {"completion": {"model": "starcoder2:3b"}}}))
    current = await status(client)
    assert current["completionModel"] == "starcoder2:3b" and current["chatModel"] == "fake-chat"
    uri = open_document(client, repo / "shop" / "x.py", "def f():\n    ")
    await client.text_document_inline_completion_async(inline_params(uri, 1, 4))
    sent = fake_openai.requests_of("completions")[-1]
    assert sent.json["model"] == "starcoder2:3b" and sent.json["prompt"].startswith("<fim_prefix>")


def test_merge_options_merges_tables_and_ignores_empty_ones():
    base = {"completion": {"model": "m", "baseUrl": "u"}, "lsp": {"embed": False}}
    assert merge_options(base, {"codeassist": {}}) == base
    assert merge_options(base, {"completion": {"model": "n"}, "lsp": {}}) == {
        "completion": {"model": "n", "baseUrl": "u"}, "lsp": {"embed": False}}
    assert merge_options({"codeassist": base}, {"chat": {"model": "c"}})["chat"] == {"model": "c"}


@pytest.mark.asyncio
async def test_completion_problems_never_interrupt_typing(client, repo, fake_openai):
    """Endpoint down, a stream cut without finish_reason, twice each: no window/showMessage, one status
    problem per cause (updated when the cause changes), and the log."""
    fake_openai.script("completions", Reply(status=503), Reply(status=503),
                       Reply(text="x = 1", finish_reason=None, truncate=True), Reply(status=503))
    await start(client, repo, options(fake_openai.base_url, deadline_ms=3000))
    text = "def f():\n    "
    uri = open_document(client, repo / "shop" / "x.py", text)
    for n in range(4):
        text += " "
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=n + 2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    await asyncio.sleep(0.3)
    assert client.messages == []
    problems = [s.problems.completion for s in client.statuses
                if getattr(s, "problems", None) and getattr(s.problems, "completion", None)]
    assert problems and "503" in problems[0]


def test_problems_are_reported_once_per_cause_until_they_change():
    from codeassist.lsp.notices import Notices

    logged, notified = [], []
    notices = Notices(log=logged.append, notify=lambda: notified.append(1))
    for _ in range(3):
        notices.report("completion", "endpoint down (HTTP 503)")
    notices.report("chat", "No chat model is configured.")
    notices.report("completion", "the stream ended without finish_reason")
    assert logged == ["completion: endpoint down (HTTP 503)", "chat: No chat model is configured.",
                      "completion: the stream ended without finish_reason"]
    assert notices.current() == {"completion": "the stream ended without finish_reason",
                                 "chat": "No chat model is configured."}
    notices.clear("completion")
    notices.report("completion", "endpoint down (HTTP 503)")  # after recovery, news again
    assert len(logged) == 4 and len(notified) == 5


def selected_code(fake_openai, n: int) -> str:
    """The "Selected code path:first-last" block of the n-th chat request's question."""
    content = fake_openai.requests_of("chat")[n].json["messages"][-1]["content"]
    return content[content.index("Selected code"):content.index("Question:")]


@pytest.mark.asyncio
async def test_ask_without_a_selection_sends_the_enclosing_symbol_with_its_real_range(client, repo, fake_openai):
    fake_openai.script("chat", Reply(text="It is the cart total."), Reply(text="ok"), Reply(text="ok"))
    filler = "".join(f"CONSTANT_{i} = {i}\n" for i in range(400))
    text = filler + "\n\ndef cart_total(items):\n    total = 0\n    for item in items:\n        total += item\n" \
        "    return total\n" + filler
    target = repo / "shop" / "big.py"
    target.write_text(text)
    await start(client, repo, options(fake_openai.base_url))
    uri = open_document(client, target, text)
    def_line = text.split("\n").index("def cart_total(items):")
    # The cursor inside the function (a position, no range) -> the function, labelled with its lines.
    await request(client, protocol.ASK, {"question": "what is this?", "textDocument": {"uri": uri},
                                         "position": {"line": def_line + 2, "character": 8}})
    prompt = selected_code(fake_openai, 0)
    assert prompt.startswith(f"Selected code shop/big.py:{def_line + 1}-{def_line + 5}")
    assert "CONSTANT_0 = 0" not in prompt and "CONSTANT_399" not in prompt
    # A cursor outside any declaration -> a window around it, not the whole file from the top.
    await request(client, protocol.ASK, {"question": "and this?", "textDocument": {"uri": uri},
                                         "range": {"start": {"line": 200, "character": 0},
                                                   "end": {"line": 200, "character": 0}}})
    prompt = selected_code(fake_openai, 1)
    assert prompt.startswith("Selected code shop/big.py:171-231") and "CONSTANT_200 = 200" in prompt and "CONSTANT_0 = 0" not in prompt
    # Nothing but the document: a window at the top, labelled as such (not "1-802").
    await request(client, protocol.ASK, {"question": "and the file?", "textDocument": {"uri": uri}})
    prompt = selected_code(fake_openai, 2)
    assert prompt.startswith("Selected code shop/big.py:1-31") and "CONSTANT_31 = 31" not in prompt


@pytest.mark.asyncio
@pytest.mark.parametrize("line", [3, 50, 2**31 - 1], ids=["last line", "past the end", "max uinteger"])
async def test_write_docstring_past_the_end_of_the_document_is_clamped(client, repo, fake_openai, line):
    fake_openai.script("chat", Reply(text="Double the value."))
    await start(client, repo, options(fake_openai.base_url))
    text = "def double(x):\n    return 2 * x\n"
    uri = open_document(client, repo / "shop" / "double.py", text)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_WRITE_DOCSTRING,
        arguments=[{"textDocument": {"uri": uri}, "position": {"line": line, "character": 0}}]))
    assert result == {"applied": True}
    [edit] = client.applied_edits
    [change] = edit.changes[uri]
    assert "Double the value." in change.new_text
    assert change.range.start.line <= 2


def test_status_is_answered_while_chat_requests_hang(repo, fake_openai):
    """Five asks on a hung endpoint: status still answers at once, at most MAX_CHAT_REQUESTS reach the
    model, $/cancelRequest answers the cancelled ones and frees their slots for the next question."""
    from codeassist.lsp.chat import MAX_CHAT_REQUESTS
    from tests.lsp.raw_stdio import RawServer, frame

    # One hung reply per slot; anything after them (the question after the cancellations, and the fifth
    # ask if it started before its cancellation arrived) gets the fast default answer.
    fake_openai.script("chat", *[Reply(text="late", delay=60.0) for _ in range(MAX_CHAT_REQUESTS)])
    fake_openai.default_chat = "fast answer"
    raw = RawServer(cwd=str(repo))
    try:
        raw.initialize(repo.as_uri(), options(fake_openai.base_url))
        for i in range(5):
            raw.request(f"hung-{i}", protocol.ASK, {"question": f"q{i}"})
        deadline = time.monotonic() + 10
        while len(fake_openai.requests_of("chat")) < MAX_CHAT_REQUESTS and time.monotonic() < deadline:
            time.sleep(0.05)
        for n in range(3):  # each within 30 s, while the model holds every chat slot for 60 s
            raw.request(f"status-{n}", protocol.STATUS, {})
            assert "indexState" in raw.response(f"status-{n}", timeout=30)["result"]
        assert not [r for r in fake_openai.requests_of("chat") if r.outcome != "pending"]  # the chats are still hung
        time.sleep(0.3)
        assert len(fake_openai.requests_of("chat")) == MAX_CHAT_REQUESTS  # bounded: the fifth waits

        for i in range(5):
            raw.send(frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": f"hung-{i}"}}))
        answered = {}
        deadline = time.monotonic() + 30
        while len(answered) < 5 and time.monotonic() < deadline:
            msg = raw.message(timeout=30)
            if msg is not None and str(msg.get("id", "")).startswith("hung-"):
                answered[msg["id"]] = msg
        assert len(answered) == 5 and all(m["error"]["code"] == -32800 for m in answered.values()), answered
        raw.request("after", protocol.ASK, {"question": "and now?"})  # the slots are free again
        assert raw.response("after", timeout=10)["result"]["answer"] == "fast answer"
    finally:
        raw.close()
