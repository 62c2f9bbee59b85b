"""Handler faults found by the robustness trial (bench/robustness_lsp.py), each kind over stdio against the
real server: requests before initialize, params fields of the wrong type or out of the LSP integer range
reaching handler code (answered -32602 with the fix, never -32603 internal error, never a traceback in
the log), and whole-file work for a cursor in a huge document."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeassist.lsp import actions
from codeassist.lsp.chat import MAX_CHAT_REQUESTS
from codeassist.lsp.neighbors import MAX_NEIGHBOR_CHARS, NeighborIndex
from tests.fake_openai import Reply
from tests.lsp.raw_stdio import RawServer, frame


@pytest.fixture
def raw(tmp_path: Path):
    server = RawServer(cwd=str(tmp_path), stderr_path=str(tmp_path / "stderr.log"))
    yield server
    server.close()


@pytest.mark.parametrize("method", ["codeassist/status", "workspace/symbol", "textDocument/completion", "shutdown"])
def test_requests_before_initialize_get_server_not_initialized(raw: RawServer, tmp_path: Path, method: str):
    raw.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {}}))  # dropped, not fatal
    raw.request(1, method, {})
    error = raw.response(1)["error"]
    assert error["code"] == -32002 and "initialize" in error["message"]
    assert raw.initialize(tmp_path.as_uri())["result"]["serverInfo"]["name"] == "codeassist-lsp"
    raw.request(2, "codeassist/status", {})
    assert "indexState" in raw.response(2)["result"]


def command(name: str, argument: object) -> tuple[str, dict]:
    return "workspace/executeCommand", {"command": name, "arguments": [argument]}


def wrong_params(uri: str) -> dict[str, tuple[str, object]]:
    big = {"start": {"line": 2**40, "character": 0}, "end": {"line": 2**40, "character": 1}}
    return {
        "writeDocstring_textDocument_a_string": command("codeassist.writeDocstring", {
            "textDocument": "a.py", "position": {"line": 0, "character": 0}}),
        "findSimilar_textDocument_a_string": command("codeassist.findSimilar", {"textDocument": "a.py"}),
        "explain_textDocument_a_number": command("codeassist.explain", {"textDocument": 7}),
        "resolve_textDocument_a_string": ("codeAction/resolve", {"title": "t", "data": {
            "action": "codeassist.writeDocstring", "textDocument": "a.py", "position": {"line": 0, "character": 0}}}),
        "suggestionAccepted_argument_a_string": command("codeassist.suggestionAccepted", "abc"),
        "edit_range_line_2_pow_40": command("codeassist.edit", {"textDocument": {"uri": uri}, "range": big,
                                                                 "instruction": "x", "apply": False}),
        "edit_range_character_2_pow_63": command("codeassist.edit", {"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 2**63}, "end": {"line": 0, "character": 2**63}}, "instruction": "x"}),
        "ask_range_line_2_pow_40": ("codeassist/ask", {"question": "q", "textDocument": {"uri": uri}, "range": big}),
        "writeDocstring_position_2_pow_31": command("codeassist.writeDocstring", {
            "textDocument": {"uri": uri}, "position": {"line": 2**31, "character": 0}}),
    }


def test_params_of_the_wrong_type_or_range_are_invalid_params_from_every_handler(raw: RawServer, tmp_path: Path):
    """The answer is -32602 with a message saying what the field must be, and the log has no traceback."""
    (tmp_path / "a.py").write_text("def f(x):\n    return x\n")
    uri = (tmp_path / "a.py").as_uri()
    raw.initialize(tmp_path.as_uri())
    for n, (kind, (method, params)) in enumerate(wrong_params(uri).items(), start=10):
        raw.request(n, method, params)
        error = raw.response(n).get("error") or {}
        assert error.get("code") == -32602, (kind, error)
        assert any(word in error["message"] for word in ("textDocument", "range", "position", "object")), kind
    raw.request(99, "codeassist/status", {})
    assert raw.response(99)["result"]["problems"] == {}  # refused requests are no internal errors
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


@pytest.mark.parametrize("language, declaration, body", [
    ("python", "def target(a, b):", "    return a + b"),
    ("javascript", "function target(a, b) {", "  return a + b;\n}"),
])
def test_declaration_in_a_huge_document_is_found_around_the_cursor(language: str, declaration: str, body: str):
    """A 10 MB document: the declaration around the cursor is found (only the lines near it are parsed)."""
    filler = "x = 1\n" if language == "python" else "let x = 1;\n"
    count = 10 * 1024 * 1024 // len(filler)
    text = filler * count + declaration + "\n" + body + "\n" + filler * 100
    inside = count + 1  # the body's first line
    assert actions.find_declaration(text, inside, language) == (count, count)
    assert actions.declaration_span(text, count, count, language)[0] == count
    assert actions.find_declaration(text, 2**31 - 1, language) is None  # past the end: nothing, no error


def test_questions_waiting_for_a_chat_slot_share_the_chat_deadline(tmp_path: Path, fake_openai):
    """Two more asks than chat slots on a hung endpoint, a 2 s [chat] deadline: the deadline runs from each
    request's arrival, so the two that waited for a slot are refused when the slots free (the deadline is
    spent) with a message saying so, instead of starting a second full deadline at the model."""
    fake_openai.script("chat", *[Reply(text="late", delay=30.0) for _ in range(MAX_CHAT_REQUESTS + 2)])
    raw = RawServer(cwd=str(tmp_path))
    try:
        raw.initialize(tmp_path.as_uri(), {"lsp": {"indexOnStart": False, "embed": False}, "chat": {
            "baseUrl": fake_openai.base_url, "model": "fake-chat", "apiKey": "k", "deadline": 2}})
        asks = [f"q{i}" for i in range(MAX_CHAT_REQUESTS + 2)]
        raw.send(b"".join(frame({"jsonrpc": "2.0", "id": q, "method": "codeassist/ask", "params": {"question": q}})
                          for q in asks))
        errors = {}
        while len(errors) < len(asks):
            msg = raw.message(timeout=30)
            assert msg is not None, errors
            if msg.get("id") in asks:
                errors[msg["id"]] = msg["error"]
        busy = [e for e in errors.values() if "slots were busy" in e["message"]]
        assert len(busy) == 2 and all(e["code"] == -32602 and "deadline" in e["message"] for e in busy)
        assert len(fake_openai.requests_of("chat")) == MAX_CHAT_REQUESTS  # the two never reached the model
    finally:
        raw.close()


@pytest.mark.parametrize("huge_chars", [MAX_NEIGHBOR_CHARS + 1, 10 * 1024 * 1024])
def test_huge_open_documents_are_no_neighbours(huge_chars: int):
    """An open 10 MB generated file holding the best match is passed over (scanning it would slow every
    keystroke in every other file); an ordinary open file still supplies its similar window."""
    wanted = "def load_config(path):\n    with open(path) as fh:\n        return parse_config(fh.read())\n"
    huge = wanted + "x = 1\n" * ((huge_chars - len(wanted)) // 6 + 1)
    small = "import json\n\n\ndef load_config_file(path):\n    with open(path) as fh:\n        return json.load(fh)\n"
    found = NeighborIndex().similar("def load_config(path):\n    with open(path) as fh:", [
        ("file:///w/huge.py", "huge.py", 1, huge), ("file:///w/small.py", "small.py", 1, small)], k=2)
    assert [snippet.path for _, snippet in found] == ["small.py"]


NOT_OPEN = ["file:///never/opened.py", "untitled:Untitled-1", "http://example.com/a.py", "file:///tmp/a%00b.py", ""]


def test_notifications_about_documents_that_are_not_open_are_dropped_not_internal_errors(raw: RawServer,
                                                                                        tmp_path: Path):
    """didChange / didClose / didSave for documents never opened, and a workspace folder whose URI holds a
    percent-encoded NUL: dropped (a warning), never an internal error in the status, and the server goes on."""
    raw.initialize(tmp_path.as_uri())
    for uri in NOT_OPEN:
        for method, params in [("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
                                   {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
                                    "text": "y"}]}),
                               ("textDocument/didClose", {"textDocument": {"uri": uri}}),
                               ("textDocument/didSave", {"textDocument": {"uri": uri}}),
                               ("workspace/didChangeWorkspaceFolders", {"event": {"added": [{"uri": uri, "name": "x"}],
                                                                                  "removed": []}})]:
            raw.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))
    raw.request(1, "codeassist/status", {})
    status = raw.response(1)["result"]
    assert not any("internal error" in problem for problem in status["problems"].values()), status["problems"]
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log and "which is not open" in log


@pytest.mark.parametrize("uri", ["file:///tmp/a%00b.py", "file:///%00", "file:///c%3A/x%00/y.py"])
def test_percent_encoded_nul_in_a_uri_names_no_path(uri: str):
    from codeassist.lsp.uris import document_key, key_path, local_path, uri_path

    assert uri_path(uri) is None and local_path(uri) is None and key_path(document_key(uri)) is None


@pytest.mark.parametrize("client_answer", ["never", "an_error"])
def test_a_progress_token_the_client_refuses_or_never_creates_logs_no_traceback(raw: RawServer, tmp_path: Path,
                                                                               client_answer: str):
    """The server asks the client to create a progress token when indexing starts; an error answer, or
    `shutdown` cancelling the request before the answer, is one debug line, not a callback traceback."""
    (tmp_path / "a.py").write_text("def f():\n    return 1\n")
    raw.request(0, "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {
        "window": {"workDoneProgress": True}}, "initializationOptions": {"lsp": {"embed": False}}})
    raw.response(0)
    raw.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    while (msg := raw.message()) is not None and msg.get("method") != "window/workDoneProgress/create":
        pass
    assert msg is not None
    if client_answer == "an_error":
        raw.send(frame({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no progress here"}}))
    raw.request(1, "shutdown")
    assert raw.response(1)["result"] is None
    raw.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert raw.proc.wait(10) == 0
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_a_selection_of_megabytes_is_cut_at_a_token_boundary_and_redacted():
    """A 3 MB one-line selection (a generated file) is cut before it is redacted (redacting megabytes took
    seconds), at whitespace so no secret is cut in half, and still redacted; the note says it was cut."""
    from codeassist.lsp.chat import MAX_SELECTION_CHARS, selection_from

    key = "AKIA" + "QWERTYUIOPASDFGH"  # an AWS access key id shape
    text = "def f():\n    return [" + " ".join(f"'{key}', 'value{i}'," for i in range(60_000)) + "]\n"
    selection = selection_from(text, "gen.py", 0, 2)
    body, _, note = selection.text.rpartition("\n… (")
    assert "selection was cut" in note and (selection.start_line, selection.end_line) == (1, 2)
    assert MAX_SELECTION_CHARS // 2 < len(body) <= MAX_SELECTION_CHARS * 2
    assert key not in body and key[:12] not in body
    assert body.endswith(",")  # a whole token: the cut fell on whitespace


def test_no_declaration_is_searched_in_megabytes_of_one_line():
    """A 10 MB one-line document: no parse (it took seconds), no declaration; the caller's window applies."""
    text = "x = [" + "1, " * (10 * 1024 * 1024 // 3) + "]\ny = 2\n"
    assert actions.find_declaration(text, 0, "python") is None
    assert actions.declaration_span(text, 1, 1, "python") == (1, 1)
