"""Abusive LSP traffic against the real server's stdin (raw bytes): every malformed frame is answered with a
parse error and the stream resynchronises; every request gets a result or a JSON-RPC error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeassist.lsp.framing import MAX_MESSAGE_BYTES
from tests.lsp.raw_stdio import RawServer, frame

STATUS_REQUEST = {"jsonrpc": "2.0", "id": 7, "method": "codeassist/status", "params": {}}


@pytest.fixture
def raw(tmp_path: Path):
    server = RawServer(cwd=str(tmp_path))
    yield server
    server.close()


BAD_FRAMES = {
    "huge_content_length": b"Content-Length: 1000000000000\r\n\r\n{}",
    "content_length_5000_digits": b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n{}",
    "over_the_maximum": b"Content-Length: %d\r\n\r\n{}" % (MAX_MESSAGE_BYTES + 1),
    "missing_content_length": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
    "negative_content_length": b"Content-Length: -5\r\n\r\n{}",
    "non_numeric_content_length": b"Content-Length: twelve\r\n\r\n{}",
    "too_small_content_length": b"Content-Length: 10\r\n\r\n" + json.dumps(STATUS_REQUEST).encode(),
    "body_not_json": frame(b"{not json at all"),
    "body_not_utf8": frame(b'{"jsonrpc": "2.0", "id": 3, "method": "\xff\xfe"}'),
}


@pytest.mark.parametrize("bad", list(BAD_FRAMES.values()), ids=list(BAD_FRAMES))
def test_malformed_framing_gets_a_parse_error_and_the_stream_resyncs(raw: RawServer, bad: bytes, tmp_path: Path):
    raw.send(bad)
    error = raw.response(None)
    assert error["error"]["code"] == -32700
    assert "Content-Length" in error["error"]["message"] or "JSON" in error["error"]["message"]
    # The next well-formed message is served: the server neither died nor stayed stuck.
    result = raw.initialize(tmp_path.as_uri())
    assert result["result"]["serverInfo"]["name"] == "codeassist-lsp"
    raw.request(8, "codeassist/status", {})
    assert raw.response(8)["result"]["indexState"] in ("none", "lexical", "ready", "building")
    assert raw.alive()


def test_a_content_length_too_big_does_not_swallow_the_next_message(raw: RawServer, tmp_path: Path):
    """The body claims 200 bytes but holds 2 and the next message follows: that message is still served."""
    raw.initialize(tmp_path.as_uri())
    raw.send(b"Content-Length: 200\r\n\r\n{}" + frame(STATUS_REQUEST) + frame({"jsonrpc": "2.0", "id": 9,
                                                                             "method": "codeassist/status"}) * 4)
    assert raw.response(None)["error"]["code"] == -32700
    assert "indexState" in raw.response(9)["result"]


INVALID_PARAMS = {
    "line_negative": ("textDocument/inlineCompletion", {
        "textDocument": {"uri": "file:///tmp/a.py"}, "position": {"line": -1, "character": 0},
        "context": {"triggerKind": 1}}),
    "character_negative": ("textDocument/inlineCompletion", {
        "textDocument": {"uri": "file:///tmp/a.py"}, "position": {"line": 0, "character": -5},
        "context": {"triggerKind": 1}}),
    "line_2_pow_40": ("textDocument/inlineCompletion", {
        "textDocument": {"uri": "file:///tmp/a.py"}, "position": {"line": 2**40, "character": 0},
        "context": {"triggerKind": 1}}),
    "params_a_string": ("textDocument/inlineCompletion", "line 3"),
    "params_a_list": ("textDocument/completion", [{"uri": "file:///tmp/a.py"}, 1, 2]),
    "missing_fields": ("textDocument/completion", {"textDocument": {"uri": "file:///tmp/a.py"}}),
    "code_action_null_params": ("textDocument/codeAction", None),
    "execute_command_a_number": ("workspace/executeCommand", 42),
    "ask_a_list": ("codeassist/ask", ["why?"]),
}


def test_requests_with_invalid_params_get_invalid_params_errors(raw: RawServer, tmp_path: Path):
    raw.initialize(tmp_path.as_uri())
    for n, (kind, (method, params)) in enumerate(INVALID_PARAMS.items(), start=100):
        raw.request(n, method, params)
        response = raw.response(n)
        assert response.get("error", {}).get("code") == -32602, (kind, response)
        assert method in response["error"]["message"] or "object" in response["error"]["message"], kind
    # A request with no params at all where they are required: the same.
    raw.request(200, "textDocument/codeAction", omit_params=True)
    assert raw.response(200)["error"]["code"] == -32602
    assert raw.alive()


def test_positions_past_the_document_are_clamped_and_answered(raw: RawServer, tmp_path: Path):
    raw.initialize(tmp_path.as_uri(), {"lsp": {"indexOnStart": False}, "completion": {"debounceMs": 0}})
    uri = (tmp_path / "a.py").as_uri()
    raw.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": "def f():\n    return 1\n"}}}))
    for n, position in enumerate([{"line": 1000, "character": 0}, {"line": 1, "character": 5000},
                                  {"line": 2**31 - 1, "character": 2**31 - 1}], start=300):
        raw.request(n, "textDocument/inlineCompletion", {"textDocument": {"uri": uri}, "position": position,
                                                         "context": {"triggerKind": 1}})
        response = raw.response(n)
        assert "error" not in response, (position, response)
        assert response["result"] == {"items": []} or isinstance(response["result"]["items"], list)


def test_requests_after_shutdown_get_invalid_request(raw: RawServer, tmp_path: Path):
    raw.initialize(tmp_path.as_uri())
    raw.request(1, "shutdown")
    assert raw.response(1) == {"jsonrpc": "2.0", "id": 1, "result": None}
    for n, method in enumerate(["codeassist/status", "textDocument/completion", "shutdown",
                                "workspace/executeCommand"], start=2):
        raw.request(n, method, {})
        error = raw.response(n)["error"]
        assert error["code"] == -32600 and "shut down" in error["message"], method
    raw.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert raw.proc.wait(10) == 0
