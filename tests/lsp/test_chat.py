"""codeassist/ask and the explain command over stdio: streamed deltas, sources, follow-ups, cancellation,
redaction of the selection, and refusal of URIs outside the workspace."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from tests.fake_openai import Reply
from tests.lsp.conftest import options, request, start

pytestmark = pytest.mark.asyncio


async def test_deltas_arrive_in_order_and_make_the_answer_with_real_sources(client, repo, fake_openai):
    pieces = ["The cart ", "total adds ", "tax with ", "`price_with_tax` ", "[1]."]
    fake_openai.script("chat", Reply(text="".join(pieces), chunks=pieces))
    await start(client, repo, options(fake_openai.base_url))

    result = await request(client, protocol.ASK, {"question": "how is the tax rate applied to a price?",
                                                  "conversationId": "c1"})

    assert result["answer"] == "".join(pieces)
    assert result["conversationId"] == "c1"
    assert [d.text for d in client.deltas] == pieces
    assert {d.conversationId for d in client.deltas} == {"c1"}
    assert result["sources"], "the answer cites the retrieved code"
    for source in result["sources"]:
        lines = Path(urlparse(source["uri"]).path).read_text().split("\n")
        start_line, end_line = source["range"]["start"]["line"], source["range"]["end"]["line"]
        assert 0 <= start_line <= end_line < len(lines)
        assert source["range"]["end"]["character"] == len(lines[end_line])
    pricing = [s for s in result["sources"] if s["uri"].endswith("shop/pricing.py")]
    assert pricing
    cited = Path(urlparse(pricing[0]["uri"]).path).read_text().split("\n")
    span = "\n".join(cited[pricing[0]["range"]["start"]["line"]:pricing[0]["range"]["end"]["line"] + 1])
    assert "TAX_RATE" in span
    # Retrieved code reached the model fenced as data.
    sent = fake_openai.requests_of("chat")[0].json["messages"]
    assert "price_with_tax" in sent[-1]["content"]

    # A follow-up in the same conversation carries the history.
    fake_openai.script("chat", Reply(text="In shop/cart.py."))
    await request(client, protocol.ASK, {"question": "and where is it called?", "conversationId": "c1"})
    contents = [m["content"] for m in fake_openai.requests_of("chat")[1].json["messages"]]
    assert "how is the tax rate applied to a price?" in contents and "".join(pieces) in contents
    assert "and where is it called?" in contents[-1]


@pytest.mark.slow
async def test_cancel_request_stops_the_model_stream(client, repo, fake_openai):
    fake_openai.script("chat", Reply(text="word " * 100, chunk_delay=0.1))
    await start(client, repo, options(fake_openai.base_url))
    pending = asyncio.ensure_future(client.protocol.send_request_async(
        protocol.ASK, {"question": "explain the cart", "conversationId": "c3"}, msg_id="ask-1"))
    async with asyncio.timeout(10):
        while not client.deltas:
            await asyncio.sleep(0.02)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="ask-1"))
    with pytest.raises(Exception, match="cancel"):
        await pending
    [upstream] = fake_openai.requests_of("chat")
    deadline = time.monotonic() + 5
    while upstream.outcome == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert upstream.outcome == "aborted"
    assert len(client.deltas) < 40


async def test_explain_sends_the_redacted_selection(client, repo, fake_openai):
    secret = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"
    (repo / "shop" / "settings.py").write_text(f'API_KEY = "{secret}"\n\n\ndef connect():\n    return API_KEY\n')
    fake_openai.script("chat", Reply(text="It returns the configured key."))
    await start(client, repo, options(fake_openai.base_url))
    uri = (repo / "shop" / "settings.py").as_uri()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_EXPLAIN, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 17}}}]))
    assert result["answer"] == "It returns the configured key."
    sent = fake_openai.all_request_text()
    assert "def connect():" in sent
    assert secret not in sent


async def test_uris_outside_the_workspace_are_refused(client, repo, fake_openai):
    (repo.parent / "outside.py").write_text("SECRET = 1\n")
    await start(client, repo, options(fake_openai.base_url))
    for uri in ["file:///etc/passwd", f"{repo.as_uri()}/../outside.py",
                f"{repo.as_uri()}/shop/%2e%2e/%2e%2e/outside.py", "http://example.com/shop/cart.py"]:
        with pytest.raises(Exception, match="outside the workspace"):
            await request(client, protocol.ASK, {"question": "what is this?", "textDocument": {"uri": uri}})
        with pytest.raises(Exception, match="outside the workspace"):
            await client.workspace_execute_command_async(types.ExecuteCommandParams(
                command=protocol.CMD_EXPLAIN, arguments=[{"textDocument": {"uri": uri}, "range": {
                    "start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}]))
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[])))
        assert not actions
    assert fake_openai.requests_of("chat") == []


async def test_no_chat_model_answers_with_the_retrieved_code_and_says_how_to_configure(client, repo):
    await start(client, repo, options(None))
    result = await request(client, protocol.ASK, {"question": "how is the tax rate applied?"})
    assert "No chat model is configured" in result["answer"]
    # The sources come once, as `sources` (the client lists them), not also inside the answer text.
    assert "shop/pricing.py" not in result["answer"]
    assert any(s["uri"].endswith("shop/pricing.py") for s in result["sources"])
    await asyncio.sleep(0.1)
    # Not a message box: the answer says it; the status carries the problem.
    assert not any("chat model" in m.message for m in client.messages)
    assert "No chat model is configured" in (await request(client, protocol.STATUS, {}))["problems"]["chat"]
    # The same through the command, on the function under the cursor (an empty range).
    uri = (repo / "shop" / "pricing.py").as_uri()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_ASK, arguments=[{"question": "what does this do?", "textDocument": {"uri": uri},
                                              "range": {"start": {"line": 12, "character": 4},
                                                        "end": {"line": 12, "character": 4}}}]))
    assert "No chat model is configured" in result["answer"]


async def test_endpoint_down_reaches_the_user_with_the_fix(client, repo, fake_openai):
    fake_openai.script("chat", Reply(status=401))
    await start(client, repo, options(fake_openai.base_url))
    with pytest.raises(Exception, match="(?i)key"):
        await request(client, protocol.ASK, {"question": "how is tax computed?"})
    await asyncio.sleep(0.1)
    # The error response carries the fix and the client shows it: no second message box.
    assert not any("key" in m.message.lower() for m in client.messages)
