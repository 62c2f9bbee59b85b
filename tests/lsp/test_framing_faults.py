"""Framing faults found by the robustness trial (bench/robustness_lsp.py), each kind against the real
server's stdin: a Content-Length too big with nothing after the next message, headers with bare line
feeds, bodies nested too deeply for the JSON parser, lone UTF-16 surrogates in document text, and
params that do not fit their method (answered or dropped with one log line, never a traceback)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from codeassist.lsp.framing import FramingError, MessageReader
from tests.lsp.raw_stdio import RawServer, frame

STATUS = {"jsonrpc": "2.0", "method": "codeassist/status", "params": {}}


@pytest.fixture
def raw(tmp_path: Path):
    server = RawServer(cwd=str(tmp_path), stderr_path=str(tmp_path / "stderr.log"))
    yield server
    server.close()


def test_content_length_too_big_resyncs_at_the_next_header_without_more_input(raw: RawServer, tmp_path: Path):
    """The body claims 200 bytes, holds 2, and ONE message follows (nothing after it): that message is
    served at once, not only when enough later bytes arrive to fill the 200."""
    raw.initialize(tmp_path.as_uri())
    raw.send(b"Content-Length: 200\r\n\r\n{}" + frame({**STATUS, "id": 9}))
    error = raw.response(None)
    assert error["error"]["code"] == -32700 and "200" in error["error"]["message"]
    assert "indexState" in raw.response(9)["result"]


@pytest.mark.parametrize("chunks", [[b"Content-Length: 5000\r\n\r\n{\"a\": 1}", frame({**STATUS, "id": 1})],
                                    [b"Content-Length: 5000\r\n\r\n{\"a\"", b": 1}Content-Le", b"ngth: 2\n\n{}"]],
                         ids=["header_in_one_read", "header_split_across_reads"])
def test_content_length_too_big_reader_cuts_the_body_at_an_embedded_header(chunks: list[bytes]):
    """The reader alone: the body is cut where a header line begins, the next message is read whole."""
    pending = list(chunks)

    async def read() -> bytes:
        return pending.pop(0) if pending else b""

    async def bodies() -> list:
        reader, out = MessageReader(read), []
        for _ in range(2):
            try:
                out.append(await reader.next_body())
            except FramingError as err:
                out.append(str(err))
        return out

    first, second = asyncio.run(bodies())
    assert "5000" in first
    assert second in (json.dumps({**STATUS, "id": 1}).encode(), b"{}")


@pytest.mark.parametrize("separator", [b"\n\n", b"\r\n\n", b"\n\r\n"], ids=["lf_lf", "crlf_lf", "lf_crlf"])
def test_headers_with_bare_line_feeds_are_read(raw: RawServer, tmp_path: Path, separator: bytes):
    raw.initialize(tmp_path.as_uri())
    body = json.dumps({**STATUS, "id": 21}).encode()
    raw.send(b"Content-Type: application/vscode-jsonrpc\n" + b"Content-Length: %d" % len(body) + separator + body)
    assert "indexState" in raw.response(21)["result"]
    raw.request(22, "codeassist/status", {})  # and the stream goes on
    assert "indexState" in raw.response(22)["result"]


NESTED = {
    "body_array_100000_deep": b"[" * 100000 + b"]" * 100000,
    "initialization_options_5000_deep": b'{"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {'
                                        b'"capabilities": {}, "initializationOptions": ' + b"[" * 5000
                                        + b"]" * 5000 + b"}}",
    "params_object_3000_deep": b'{"jsonrpc": "2.0", "id": 5, "method": "codeassist/status", "params": '
                               + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}",
    "lone_surrogate_900_deep": b'{"jsonrpc": "2.0", "id": 6, "method": "codeassist/status", "params": {"a": '
                               + b"[" * 900 + b'"\\ud800"' + b"]" * 900 + b"}}",
}


@pytest.mark.parametrize("body", list(NESTED.values()), ids=list(NESTED))
def test_json_nested_too_deeply_gets_a_parse_error_and_the_server_lives(raw: RawServer, tmp_path: Path, body: bytes):
    raw.send(frame(body))
    error = raw.response(None)
    assert error["error"]["code"] == -32700 and "nested too deeply" in error["error"]["message"]
    assert raw.initialize(tmp_path.as_uri())["result"]["serverInfo"]["name"] == "codeassist-lsp"
    assert raw.alive()
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


SURROGATE_TEXTS = {"lone_high": "def g(y):\n    s = '\ud800 and'\n    return y\n",
                   "lone_low_at_start": "\udc00# note\ndef g(y):\n    return y\n",
                   "reversed_pair": "def g(y):\n    return '\udfff\ud800'\n"}


def surrogate_requests(uri: str) -> dict:
    doc, where = {"uri": uri}, {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}}
    return {
        "textDocument/inlineCompletion": {"textDocument": doc, "position": {"line": 1, "character": 4},
                                          "context": {"triggerKind": 1}},
        "codeassist/ask": {"question": "What is s?", "textDocument": doc, "range": where},
        "codeAction/resolve": {"title": "docstring", "data": {"action": "codeassist.writeDocstring",
                                                              "textDocument": doc, "position": where["start"]}},
        "workspace/executeCommand": {"command": "codeassist.explain", "arguments": [{"textDocument": doc,
                                                                                     "range": where}]},
    }


@pytest.mark.parametrize("text", list(SURROGATE_TEXTS.values()), ids=list(SURROGATE_TEXTS))
def test_lone_utf16_surrogates_in_document_text_do_not_break_requests(tmp_path: Path, fake_openai, text: str):
    """JSON may spell lone surrogates (`"\\ud800"`); UTF-8 cannot. Every request on such a document is
    answered with a result (the surrogate reaches nothing downstream: it is U+FFFD from the start)."""
    fake_openai.default_chat = "Holds a string."
    raw = RawServer(cwd=str(tmp_path), stderr_path=str(tmp_path / "stderr.log"))
    try:
        raw.initialize(tmp_path.as_uri(), {"lsp": {"indexOnStart": False, "embed": False},
                                           "completion": {"baseUrl": fake_openai.base_url, "model": "qwen2.5-coder:1.5b",
                                                          "apiKey": "k", "debounceMs": 0},
                                           "chat": {"baseUrl": fake_openai.base_url, "model": "fake-chat",
                                                    "apiKey": "k"}})
        uri = (tmp_path / "s.py").as_uri()
        raw.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}}}))
        for n, (method, params) in enumerate(surrogate_requests(uri).items(), start=40):
            raw.request(n, method, params)
            response = raw.response(n)
            assert "result" in response, (method, response)
        sent = fake_openai.all_request_text()
        assert "\\ufffd" in sent  # what reached the model: the replacement character
        assert "surrogates not allowed" not in (tmp_path / "stderr.log").read_text()
    finally:
        raw.close()


BAD_NOTIFICATIONS = {
    "didOpen_params_a_string": ("textDocument/didOpen", "doc"),
    "didChange_position_negative": ("textDocument/didChange", {"textDocument": {"uri": "file:///x.py", "version": 2},
                                                              "contentChanges": [{"range": {
                                                                  "start": {"line": -1, "character": 0},
                                                                  "end": {"line": 0, "character": 0}}, "text": ""}]}),
    "cancelRequest_missing_id": ("$/cancelRequest", {}),
    "didChangeWatchedFiles_a_list": ("workspace/didChangeWatchedFiles", [1, 2]),
    "setTrace_a_number": ("$/setTrace", 5),
}


def test_notifications_with_invalid_params_log_one_line_without_a_traceback(raw: RawServer, tmp_path: Path):
    """A notification cannot be answered: its invalid params are one warning line naming the method and
    the field, not a traceback per message; and requests keep being served."""
    raw.initialize(tmp_path.as_uri())
    for method, params in BAD_NOTIFICATIONS.values():
        raw.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))
    raw.request(50, "textDocument/completion", {"textDocument": {"uri": "file:///x.py"}})  # invalid: answered
    assert raw.response(50)["error"]["code"] == -32602
    raw.request(51, "codeassist/status", {})
    assert "indexState" in raw.response(51)["result"]
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log
    for method, _ in BAD_NOTIFICATIONS.values():
        assert f"dropped a {method} notification with invalid params" in log, method
