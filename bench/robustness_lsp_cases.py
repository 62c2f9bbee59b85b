"""Abusive LSP messages for the robustness trial, generated from the server's own feature registry:
every request and notification method it serves (and every `workspace/executeCommand` command) x
malformed params shapes, plus document-sync abuse and odd request ids.

A `Case` is what one step of the trial sends (`payload`, bytes) and which responses it must get
(`expect`: {id key: count}); `name` is the kind (`<method>:<shape>`), shown when the case fails.
Framing, lifecycle, initialize and model-endpoint faults are in `robustness_lsp_faults.py`.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from robustness_lsp_client import frame, id_key

_ids = itertools.count(1000)


@dataclass
class Case:
    """One abusive step. `session`: "shared" (one long-lived server), "model" (the model-fault server) or
    "fresh" (a server of its own: initialize and lifecycle faults). `deadline` (s): model cases, by
    when each expected id must be answered. `fault`: the fake endpoint's scripted replies (kind, [Reply]).
    `status_during`: a codeassist/status request is sent while the model call runs. `then_eof`: stdin is
    closed after the payload. `expect_exit`: the server is meant to exit (its exit code must be 0 or 1)."""

    name: str
    row: str
    payload: bytes = b""
    expect: dict[str, int] = field(default_factory=dict)
    session: str = "shared"
    deadline: float | None = None
    fault: tuple[str, list] | None = None
    status_during: bool = False
    then_eof: bool = False
    expect_exit: bool = False
    internal: str = ""  # set by the runner: the message of a -32603 answer


def request(method: str, params: Any = None, *, omit_params: bool = False, msg_id: Any = None) -> tuple[bytes, str]:
    """A framed request and the key of its id (a fresh integer id unless given)."""
    msg_id = next(_ids) if msg_id is None else msg_id
    payload: dict = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if not omit_params:
        payload["params"] = params
    return frame(payload), id_key(msg_id)


def notification(method: str, params: Any = None, *, omit_params: bool = False) -> bytes:
    payload: dict = {"jsonrpc": "2.0", "method": method}
    if not omit_params:
        payload["params"] = params
    return frame(payload)


class Workspace:
    """The URIs the cases point at: `doc` (open), `closed` (a workspace file never opened), `outside`."""

    def __init__(self, doc: str, closed: str, outside: str) -> None:
        self.doc, self.closed, self.outside = doc, closed, outside


def pos(line: int = 1, character: int = 4) -> dict:
    return {"line": line, "character": character}


def rng(a: int = 0, b: int = 3) -> dict:
    return {"start": pos(a, 0), "end": pos(b, 0)}


def request_params(ws: Workspace, commands: list[str]) -> dict[str, Any]:
    """A valid params object for every request method (commands: `workspace/executeCommand <name>`)."""
    doc = {"uri": ws.doc}
    params: dict[str, Any] = {
        "textDocument/inlineCompletion": {"textDocument": doc, "position": pos(), "context": {"triggerKind": 1}},
        "textDocument/completion": {"textDocument": doc, "position": pos()},
        "textDocument/codeAction": {"textDocument": doc, "range": rng(), "context": {"diagnostics": []}},
        "codeAction/resolve": {"title": "codeassist: Write a docstring", "data": {
            "action": "codeassist.writeDocstring", "textDocument": doc, "position": pos()}},
        "workspace/symbol": {"query": "greet"},
        "codeassist/status": {},
        "codeassist/ask": {"question": "What does this do?", "textDocument": doc, "range": rng()},
    }
    arguments = {
        "codeassist.ask": [{"question": "Why?", "textDocument": doc, "range": rng()}],
        "codeassist.explain": [{"textDocument": doc, "range": rng()}],
        "codeassist.writeDocstring": [{"textDocument": doc, "position": pos()}],
        "codeassist.findSimilar": [{"textDocument": doc, "range": rng()}],
        "codeassist.edit": [{"textDocument": doc, "range": rng(), "instruction": "Rename x to y.", "apply": False}],
        "codeassist.suggestionAccepted": [{"id": "no-such-suggestion", "acceptedChars": 3}],
    }
    for command in commands:
        params[f"workspace/executeCommand {command}"] = {"command": command, "arguments": arguments.get(command, [])}
    return params


def notification_params(ws: Workspace) -> dict[str, Any]:
    doc = {"uri": ws.doc}
    scratch = {"uri": ws.doc.rsplit("/", 1)[0] + "/scratch.py"}
    return {
        "textDocument/didOpen": {"textDocument": {**scratch, "languageId": "python", "version": 1, "text": "s = 1\n"}},
        "textDocument/didClose": {"textDocument": scratch},
        "textDocument/didChange": {"textDocument": {**doc, "version": 50}, "contentChanges": [
            {"range": rng(0, 0), "text": ""}]},
        "textDocument/didSave": {"textDocument": doc},
        "workspace/didChangeConfiguration": {"settings": {"completion": {"debounceMs": 0}}},
        "workspace/didChangeWatchedFiles": {"changes": [{"uri": ws.closed, "type": 2}]},
        "workspace/didChangeWorkspaceFolders": {"event": {"added": [{"uri": ws.doc.rsplit("/", 2)[0] + "/missing_dir",
                                                                     "name": "missing"}],
                                                          "removed": [{"uri": ws.doc.rsplit("/", 1)[0], "name": "app"}]}},
        "codeassist/suggestionEvent": {"id": "no-such-suggestion", "kind": "accepted", "acceptedChars": 2},
        "$/cancelRequest": {"id": 999999},
        "$/setTrace": {"value": "off"},
        "window/workDoneProgress/cancel": {"token": "no-such-token"},
        "initialized": {},
    }


# -- shapes ---------------------------------------------------------------------------------------------
WHOLE_SHAPES: dict[str, Any] = {"null": None, "string": "params", "number": 42, "list": [1, "two", None],
                                "empty_object": {}, "true": True}


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,), item
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield path + (i,), item
            yield from _paths(item, path + (i,))


def _replaced(value: Any, path: tuple, new: Any, delete: bool = False) -> Any:
    out = copy.deepcopy(value)
    target = out
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return out


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return "1"
    if isinstance(value, str):
        return 7
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return {"0": 1}
    return []


def uri_variants(ws: Workspace) -> dict[str, str]:
    return {"untitled": "untitled:Untitled-1", "http": "http://example.com/a.py", "dotdot": "file:///../../etc/passwd",
            "nul": "file:///tmp/a%00b.py", "outside": ws.outside, "never_opened": ws.closed,
            "missing_file": ws.closed.replace(".py", "_missing.py"), "relative": "a.py", "empty": "",
            "unc": "file://server/share/a.py", "percent_garbage": "file:///%zz%", "no_scheme_path": "/etc/hosts"}


def position_variants() -> dict[str, dict]:
    big = 2**40
    return {"line_negative": pos(-1, 0), "character_negative": pos(0, -5), "line_2_pow_40": pos(big, 0),
            "line_2_pow_63": pos(2**63, 0), "character_2_pow_63": pos(0, 2**63), "line_float": {"line": 1.5,
            "character": 0}, "past_the_end": pos(2**31 - 1, 2**31 - 1), "missing_character": {"line": 0}}


def shaped(params: Any, ws: Workspace) -> Iterator[tuple[str, Any]]:
    """(shape name, params) for every malformed variant of a valid `params` object."""
    yield from WHOLE_SHAPES.items()
    for path, value in list(_paths(params)):
        where = ".".join(str(p) for p in path)
        if path[-1] == "command":
            continue  # another command: covered by that command's own cases
        yield f"{where}_wrong_type", _replaced(params, path, _wrong_type(value))
        if isinstance(path[-1], str):
            yield f"{where}_missing", _replaced(params, path, None, delete=True)
        if isinstance(value, dict) and set(value) == {"line", "character"}:
            for name, variant in position_variants().items():
                yield f"{where}_{name}", _replaced(params, path, variant)
        if isinstance(value, dict) and set(value) == {"start", "end"}:
            yield f"{where}_end_before_start", _replaced(params, path, {"start": pos(5, 0), "end": pos(1, 0)})
            yield f"{where}_huge", _replaced(params, path, {"start": pos(2**40, 0), "end": pos(2**63, 2**63)})
        if path[-1] == "uri":
            for name, uri in uri_variants(ws).items():
                yield f"{where}_{name}", _replaced(params, path, uri)


def param_cases(ws: Workspace, commands: list[str], notifications: list[str]) -> list[Case]:
    """Every request method x shape (answered: result or error) and every notification method x shape."""
    cases = []
    for label, params in request_params(ws, commands).items():
        method = label.split(" ")[0]
        for shape, variant in shaped(params, ws):
            data, key = request(method, variant)
            cases.append(Case(f"{label}:{shape}", "request", data, {key: 1}))
        data, key = request(method, omit_params=True)
        cases.append(Case(f"{label}:params_omitted", "request", data, {key: 1}))
        data, key = request(method, params)  # cancelled in the same write: a result or -32800, never silence
        cancel = notification("$/cancelRequest", {"id": json.loads(key)})
        cases.append(Case(f"{label}:cancelled_at_once", "request", data + cancel, {key: 1}))
    known = notification_params(ws)
    for method in notifications:
        base = known.get(method, {})
        for shape, variant in shaped(base, ws) if base else WHOLE_SHAPES.items():
            cases.append(Case(f"{method}:{shape}", "notification", notification(method, variant)))
    return cases


def document_cases(ws: Workspace, folder_uri: str) -> list[Case]:
    """Document-sync abuse, each followed by requests on that document that must be answered."""
    cases = []

    def on(uri: str, label: str, before: bytes) -> None:
        for method, params in request_params(Workspace(uri, ws.closed, ws.outside), []).items():
            if method in ("workspace/symbol", "codeassist/status"):
                continue
            data, key = request(method, params)
            cases.append(Case(f"{label}:then_{method}", "request", before + data, {key: 1}))
            before = b""  # the document state is set up once; later requests reuse it

    def did_open(uri: str, text: str, version: int = 1) -> bytes:
        return notification("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": version, "text": text}})

    big = "def f(x):\n    return x\n" * (10 * 1024 * 1024 // 24)
    on(f"{folder_uri}/big_open.py", "didOpen_10MB_text", did_open(f"{folder_uri}/big_open.py", big))
    change_uri = f"{folder_uri}/big_change.py"
    on(change_uri, "didChange_10MB_text", did_open(change_uri, "x = 1\n") + notification(
        "textDocument/didChange", {"textDocument": {"uri": change_uri, "version": 2}, "contentChanges": [{"text": big}]}))
    # Lone UTF-16 surrogates (JSON "\ud800" escapes): valid JSON, not encodable as UTF-8.
    surrogate_uri = f"{folder_uri}/surrogates.py"
    text = "def g(y):\n    s = '\ud800 and \udfff'\n    return y\n"
    on(surrogate_uri, "invalid_utf16_surrogates_in_text", did_open(surrogate_uri, text))
    change = notification("textDocument/didChange", {"textDocument": {"uri": ws.doc, "version": 2}, "contentChanges": [
        {"range": rng(0, 0), "text": "\udc00# lone low surrogate\n"}]})
    on(ws.doc, "invalid_utf16_surrogates_in_change", change)
    order_uri = f"{folder_uri}/versions.py"
    out_of_order = did_open(order_uri, "a = 1\nb = 2\n", 5) + b"".join(notification("textDocument/didChange", {
        "textDocument": {"uri": order_uri, "version": v}, "contentChanges": [{"text": f"a = {v}\nb = 2\n"}]})
        for v in (3, 9, 1, -4))
    on(order_uri, "versions_out_of_order", out_of_order)
    never = notification("textDocument/didChange", {"textDocument": {"uri": ws.closed, "version": 2},
                                                    "contentChanges": [{"range": rng(0, 1), "text": "y"}]})
    never += notification("textDocument/didClose", {"textDocument": {"uri": ws.closed}})
    on(ws.closed, "didChange_didClose_never_opened", never)
    past_uri = f"{folder_uri}/ranges.py"
    past = did_open(past_uri, "a = 1\n") + b"".join(notification("textDocument/didChange", {
        "textDocument": {"uri": past_uri, "version": n}, "contentChanges": [{"range": r, "text": "z"}]})
        for n, r in enumerate([rng(50, 60), {"start": pos(0, 99), "end": pos(0, 2)},
                               {"start": pos(-3, -1), "end": pos(-1, 0)}, {"start": pos(2**40, 0), "end": pos(2**63, 0)}],
                              start=2))
    on(past_uri, "didChange_ranges_past_the_end", past)
    twice = did_open(past_uri, "b = 2\n") + did_open(past_uri, "c = 3\n", 0)
    on(past_uri, "didOpen_twice", twice)
    odd_texts = {
        "one_line_of_10MB": "x = [" + "1, " * (10 * 1024 * 1024 // 3) + "]\n",
        "nested_brackets_20000": "def h():\n    return " + "(" * 20000 + "1" + ")" * 20000 + "\n",
        "nul_and_control_characters": "def k():\n    s = '\x00\x01\x1b[31m\x7f'\n    return s\x00\n",
        "lone_carriage_returns": "def m():\r    a = 1\r    return a\r\rdef n():\r    pass\r",
        "one_million_empty_lines": "\n" * 1_000_000 + "def p():\n    pass\n",
    }
    for label, text in odd_texts.items():
        uri = f"{folder_uri}/{label}.py"
        on(uri, f"document_{label}", did_open(uri, text))
    return cases


def id_cases() -> list[Case]:
    """Odd request ids: duplicates, strings, out-of-range numbers, ids of the wrong type; cancellations of
    requests nobody sent; methods nobody serves."""
    cases = []
    dup = next(_ids)
    data, key = request("codeassist/status", {}, msg_id=dup)
    cases.append(Case("duplicate_request_ids", "request", data + request("workspace/symbol", {"query": "g"},
                                                                         msg_id=dup)[0], {key: 2}))
    for name, msg_id in {"string_id": "req-ü-1", "empty_string_id": "", "negative_id": -7, "id_2_pow_63": 2**63,
                         "id_2_pow_31": 2**31}.items():
        data, key = request("codeassist/status", {}, msg_id=msg_id)
        cases.append(Case(name, "request", data, {key: 1}))
    for name, msg_id in {"float_id": 1.5, "bool_id": True, "object_id": {"a": 1}, "list_id": [1], "null_id": None}.items():
        data = frame({"jsonrpc": "2.0", "id": msg_id, "method": "codeassist/status", "params": {}})
        cases.append(Case(name, "request", data, {id_key(None): 1}))  # invalid request: answered with id null
    for name, params in {"unknown_int": {"id": 123456789}, "unknown_string": {"id": "nobody"}, "null": None,
                         "id_an_object": {"id": {"x": 1}}, "missing_id": {}}.items():
        cases.append(Case(f"$/cancelRequest:{name}", "notification", notification("$/cancelRequest", params)))
    for method in ("codeassist/nope", "textDocument/hover", "$/unknownRequest", ""):
        data, key = request(method, {})
        cases.append(Case(f"unknown_request_method:{method or 'empty'}", "request", data, {key: 1}))
    burst, keys = b"", {}
    for i in range(150):  # pipelined in one write, cancellations of some of them in between
        method, params = [("codeassist/status", {}), ("workspace/symbol", {"query": f"h{i}"}),
                          ("textDocument/completion", {"textDocument": {"uri": "file:///nowhere.py"},
                                                       "position": pos(i, 0)})][i % 3]
        data, key = request(method, params)
        burst += data + (notification("$/cancelRequest", {"id": json.loads(key)}) if i % 7 == 0 else b"")
        keys[key] = 1
    cases.append(Case("burst_of_150_pipelined_requests_with_cancellations", "request", burst, keys))
    for method in ("codeassist/nope", "$/unknownNotification", "textDocument/didFrobnicate"):
        cases.append(Case(f"unknown_notification:{method}", "notification", notification(method, {"x": 1})))
    return cases


def dumps(case: Case) -> str:
    return json.dumps({"name": case.name, "row": case.row, "bytes": len(case.payload)})
