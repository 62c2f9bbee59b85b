"""Framing, lifecycle, initialize and model-endpoint faults for the LSP robustness trial (the params-shape
cases are in `robustness_lsp_cases.py`; both build `Case` objects)."""

from __future__ import annotations

import json

from robustness_lsp_cases import Case, Workspace, notification, pos, request, rng
from robustness_lsp_client import frame, id_key

STATUS = {"jsonrpc": "2.0", "method": "codeassist/status", "params": {}}


def framing_cases() -> list[Case]:
    """Malformed frames on the shared server; the probe sent right after must be served (resynchronised).
    Where a frame must be refused the refusal (a parse error or invalid request, id null) is expected."""
    ok = json.dumps({**STATUS, "id": 1}).encode()
    bad: dict[str, bytes] = {
        "content_length_10_pow_12": b"Content-Length: 1000000000000\r\n\r\n{}",
        "content_length_missing": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
        "content_length_negative": b"Content-Length: -5\r\n\r\n{}",
        "content_length_non_numeric": b"Content-Length: twelve\r\n\r\n{}",
        "content_length_empty": b"Content-Length: \r\n\r\n{}",
        "content_length_float": b"Content-Length: 2.5\r\n\r\n{}",
        "content_length_zero": b"Content-Length: 0\r\n\r\n",
        "content_length_too_small": b"Content-Length: 10\r\n\r\n" + ok,
        "content_length_too_big": b"Content-Length: 200\r\n\r\n{}",
        "content_length_2_pow_63": b"Content-Length: 9223372036854775808\r\n\r\n{}",
        "content_length_5000_digits": b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n{}",
        "content_length_unicode_digits": "Content-Length: ١٢\r\n\r\n".encode() + b"{}",
        "header_lf_only": b"Content-Length: 2\n\n{}",
        "header_without_colon": b"Content-Length 2\r\n\r\n{}",
        "header_block_64KB": b"X-Pad: " + b"a" * 65536 + b"\r\nContent-Length: 2\r\n\r\n{}",
        "header_non_ascii": b"Content-Length: 2\r\nX-\xff\xfe: \x00\x01\r\n\r\n{}",
        "garbage_before_header": b"\x00\xff garbage bytes \r\n\r\n",
        "body_invalid_json": frame(b"{not json at all"),
        "body_truncated_json": frame(b'{"jsonrpc": "2.0", "id": 5, "method": "codeassist/sta'),
        "body_non_utf8": frame(b'{"jsonrpc": "2.0", "id": 3, "method": "\xff\xfe"}'),
        "body_utf8_bom": frame(b"\xef\xbb\xbf" + json.dumps({**STATUS, "id": 4}).encode()),
        "body_nesting_100000": frame(b"[" * 100000 + b"]" * 100000),
        "body_lone_surrogate_900_deep": frame(b'{"jsonrpc": "2.0", "id": 16, "method": "codeassist/status", "params": '
                                              + b"[" * 900 + b'"\\udc00"' + b"]" * 900 + b"}"),
        "body_json_array_batch": frame([{**STATUS, "id": 11}, {**STATUS, "id": 12}]),
        "body_json_empty_array": frame([]),
        "body_json_number": frame(b"42"),
        "body_json_string": frame(b'"hello"'),
        "body_json_null": frame(b"null"),
        "body_no_jsonrpc_field": frame({"id": 13, "method": "codeassist/status", "params": {}}),
        "body_jsonrpc_1_0": frame({"jsonrpc": "1.0", "id": 14, "method": "codeassist/status", "params": {}}),
        "body_method_not_a_string": frame({"jsonrpc": "2.0", "id": 15, "method": 7, "params": {}}),
    }
    refused = {"content_length_10_pow_12", "content_length_missing", "content_length_negative",
               "content_length_non_numeric", "content_length_empty", "content_length_float", "content_length_zero",
               "content_length_too_small", "content_length_too_big", "content_length_2_pow_63", "content_length_5000_digits",
               "content_length_unicode_digits", "header_without_colon", "header_block_64KB", "body_invalid_json",
               "body_truncated_json", "body_non_utf8", "body_json_array_batch", "body_json_empty_array",
               "body_json_number", "body_json_string", "body_json_null", "garbage_before_header",
               "body_nesting_100000", "body_lone_surrogate_900_deep"}
    cases = [Case(f"framing:{name}", "framing", data, {id_key(None): 1} if name in refused else {})
             for name, data in bad.items()]
    extra = {"header_extra_fields": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Odd:  x:y \r\n",
             "header_lowercase_name": b"", "header_duplicate_length": b"Content-Length: 999\r\n"}
    for name, headers in extra.items():
        data, key = request("codeassist/status", {})
        body = data.split(b"\r\n\r\n", 1)[1]
        length = b"content-length: %d\r\n" % len(body) if name == "header_lowercase_name" else \
            b"Content-Length: %d\r\n" % len(body)
        cases.append(Case(f"framing:{name}", "framing", headers + length + b"\r\n" + body, {key: 1}))
    response_only = frame({"jsonrpc": "2.0", "id": 987654, "result": {"x": 1}})
    cases.append(Case("framing:response_to_nothing", "framing", response_only))
    cases.append(Case("framing:id_without_method", "framing", frame({"jsonrpc": "2.0", "id": 987655})))
    cases.append(Case("framing:error_response_to_nothing", "framing",
                      frame({"jsonrpc": "2.0", "id": 987656, "error": {"code": 1, "message": "x"}})))
    cases.append(Case("framing:notification_unknown_method", "framing", notification("foo/bar", [1, 2])))
    data, key = request("codeassist/status", {})
    cases.append(Case("framing:split_into_single_bytes", "framing", data, {key: 1}))  # the runner sends byte by byte
    return cases


def eof_cases() -> list[Case]:
    """Stdin closed mid-message: the server must exit by itself (code 0 or 1), without a traceback."""
    return [Case(f"eof:{name}", "framing", data, session="fresh", then_eof=True, expect_exit=True)
            for name, data in {"content_length_too_big_then_eof": b"Content-Length: 5000\r\n\r\n{\"jsonrpc\"",
                               "header_then_eof": b"Content-Length: 20\r\n",
                               "after_initialize": b""}.items()]


def initialize_cases() -> list[Case]:
    """A malformed initialize as the first message of a fresh server, then a valid one: both answered."""
    shapes = {"null": None, "string": "init", "number": 3, "list": [1], "empty_object": {},
              "processId_string": {"processId": "abc", "capabilities": {}},
              "capabilities_a_list": {"processId": None, "capabilities": [1]},
              "rootUri_a_number": {"processId": None, "rootUri": 42, "capabilities": {}},
              "rootUri_http": {"processId": None, "rootUri": "http://example.com/", "capabilities": {}},
              "rootUri_dotdot": {"processId": None, "rootUri": "file:///../../", "capabilities": {}},
              "workspaceFolders_a_string": {"processId": None, "workspaceFolders": "x", "capabilities": {}},
              "workspaceFolders_untitled": {"processId": None, "capabilities": {},
                                            "workspaceFolders": [{"uri": "untitled:x", "name": "x"}]},
              "rootUri_missing_directory": {"processId": None, "rootUri": "file:///nonexistent/dir", "capabilities": {}},
              "rootUri_a_file": {"processId": None, "rootUri": "file:///etc/hostname", "capabilities": {}},
              "workspaceFolders_duplicate_and_nested": {"processId": None, "capabilities": {}, "workspaceFolders": [
                  {"uri": "file:///tmp", "name": "a"}, {"uri": "file:///tmp", "name": "b"},
                  {"uri": "file:///nonexistent", "name": "c"}], "initializationOptions": {"lsp": {"indexOnStart": False}}},
              "initializationOptions_a_string": {"processId": None, "capabilities": {},
                                                 "initializationOptions": "fast"},
              "initializationOptions_bad_values": {"processId": None, "capabilities": {}, "initializationOptions": {
                  "completion": {"deadlineMs": "soon", "debounceMs": 2**63}, "lsp": {"indexOnStart": "yes"}}},
              }
    cases = []
    for name, params in shapes.items():
        bad, bad_key = request("initialize", params)
        cases.append(Case(f"initialize:{name}", "initialize", bad, {bad_key: 1}, session="fresh"))
    nested = b'{"jsonrpc": "2.0", "id": 77, "method": "initialize", "params": {"processId": null, "capabilities": {}, ' \
             b'"initializationOptions": {"completion": ' + b"[" * 5000 + b"]" * 5000 + b"}}}"
    # Too deep to parse: no id can be read, so the parse error carries id null (JSON-RPC 2.0, section 5).
    cases.append(Case("initialize:initializationOptions_nested_5000", "initialize", frame(nested),
                      {id_key(None): 1}, session="fresh"))
    data, key = request("codeassist/status", {})
    cases.append(Case("request_before_initialize", "initialize", data, {key: 1}, session="fresh"))
    return cases


def lifecycle_cases(request_methods: list[str]) -> list[Case]:
    """Requests after shutdown (-32600 each), shutdown with odd params, exit with and without shutdown."""
    cases = []
    shutdown, key = request("shutdown")
    after = {}
    data = shutdown
    for method in request_methods:
        more, more_key = request(method, {})
        data += more
        after[more_key] = 1
    cases.append(Case("requests_after_shutdown", "lifecycle", data + notification("exit"), {key: 1, **after},
                      session="fresh", expect_exit=True))
    for name, params in {"string": "now", "list": [1], "number": 0, "object": {"x": 1}}.items():
        data, key = request("shutdown", params)
        cases.append(Case(f"shutdown_params_{name}", "lifecycle", data, {key: 1}, session="fresh"))
    first, k1 = request("shutdown")
    second, k2 = request("shutdown")
    cases.append(Case("shutdown_twice", "lifecycle", first + second, {k1: 1, k2: 1}, session="fresh"))
    cases.append(Case("exit_without_shutdown", "lifecycle", notification("exit"), session="fresh", expect_exit=True))
    cases.append(Case("exit_with_garbage_params", "lifecycle", notification("exit", "bye"), session="fresh",
                      expect_exit=True))
    opened, k3 = request("shutdown")
    cases.append(Case("notifications_after_shutdown", "lifecycle", opened + notification("textDocument/didOpen", {
        "textDocument": {"uri": "file:///tmp/x.py", "languageId": "python", "version": 1, "text": "x"}})
        + notification("exit"), {k3: 1}, session="fresh", expect_exit=True))
    return cases


def model_cases(ws: Workspace, reply_type: type, completion_deadline: float, chat_deadline: float) -> list[Case]:
    """Each model path x each endpoint fault, on the model server: answered within the deadline (+ slack),
    with codeassist/status answered while the model call runs."""
    huge = ["x" * 65536] * 80  # 5 MB, ignoring max_tokens
    faults = {
        "hung": [reply_type(text="late", delay=60.0)] * 3,
        "http_500": [reply_type(status=500)] * 3,
        "slow_drip": [reply_type(text="a" * 400, chunks=["a"] * 400, chunk_delay=0.25)] * 3,
        "malformed_sse": [reply_type(raw_stream=b"data: {not json\n\ndata: {\"choices\": 5}\n\ndata: [DONE]\n\n")] * 3,
        "answer_5MB": [reply_type(text="x", chunks=huge)] * 3,
        "connection_reset": [reply_type(reset=True)] * 3,
        "truncated_stream": [reply_type(text="b = 1\n" * 50, truncate=True)] * 3,
        "invalid_json_body": [reply_type(raw=b"{\"choices\": [")] * 3,
    }
    cases = []
    for n, (fault, replies) in enumerate(faults.items()):
        line = 2 + n  # a new cursor each time: no cached suggestion answers in place of the model
        paths = {
            "inlineCompletion": ("completions", completion_deadline, request("textDocument/inlineCompletion", {
                "textDocument": {"uri": ws.doc}, "position": pos(line, 4), "context": {"triggerKind": 1}})),
            "ask": ("chat", chat_deadline, request("codeassist/ask", {"question": f"q {fault}", "textDocument": {
                "uri": ws.doc}, "range": rng(0, 3)})),
            "explain": ("chat", chat_deadline, request("workspace/executeCommand", {
                "command": "codeassist.explain", "arguments": [{"textDocument": {"uri": ws.doc}, "range": rng(1, 4)}]})),
            "edit": ("chat", chat_deadline, request("workspace/executeCommand", {"command": "codeassist.edit", "arguments": [
                {"textDocument": {"uri": ws.doc}, "range": rng(0, 2), "instruction": "Add types.", "apply": False}]})),
            "writeDocstring": ("chat", chat_deadline, request("workspace/executeCommand", {
                "command": "codeassist.writeDocstring", "arguments": [{"textDocument": {"uri": ws.doc}, "position": pos(0, 0)}]})),
        }
        for path, (kind, deadline, (data, key)) in paths.items():
            cases.append(Case(f"model_{fault}:{path}", "model", data, {key: 1}, session="model", deadline=deadline,
                              fault=(kind, replies), status_during=True))
    # More questions than chat slots on a hung endpoint: the ones waiting for a slot are answered in time too.
    asks = [request("codeassist/ask", {"question": f"q{i}"}) for i in range(6)]
    cases.append(Case("model_hung:six_asks_at_once", "model", b"".join(data for data, _ in asks),
                      {key: 1 for _, key in asks}, session="model", deadline=chat_deadline,
                      fault=("chat", [reply_type(text="late", delay=60.0)] * 18), status_during=True))
    return cases
