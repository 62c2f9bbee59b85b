"""Issue 16's robustness trial, language-server side: the real server over stdio in a hostile environment.

    python bench/robustness_lsp.py [--workdir DIR]

Starts `python -m codeassist.lsp.server` (temp HOME / XDG directories, a small indexed workspace, the fake
OpenAI server of tests/fake_openai.py on 127.0.0.1 as both model endpoints, short deadlines) and sends
>= 600 abusive messages, generated from the server's feature registry (`robustness_lsp_cases.py`,
`robustness_lsp_faults.py`): every request / notification method and command x malformed params shapes,
document-sync abuse, odd ids, framing faults, initialize and shutdown/exit faults, and model-endpoint
faults (hung, 500s, slow drip, malformed SSE, 5 MB answers, connection reset) on every model path.
After each case a `codeassist/status` probe must be answered.

Prints `{"rows": {row: {"count", "of", "target": 0, "details": [failing case names]}}, "cases": n,
"cases_by_kind": {...}, "slowest_answers_s": [[s, case], ...], "seconds": s, "settings": {...}}`. Rows:

- "lsp requests unanswered": expected responses that did not arrive within `UNANSWERED_S` (for model
  cases: deadline + slack + `UNANSWERED_S`); of = responses expected;
- "lsp server deaths": cases after which the process had exited or the probe went unanswered (and
  shutdown/exit cases where the process did not exit by itself with code 0/1); of = cases;
- "lsp tracebacks in the error stream outside a logged, answered error": cases whose stderr holds a
  traceback not directly under an `ERROR:` log line of a request that was answered; of = cases;
- "lsp answers past the deadline": model requests answered later than the configured deadline + `SLACK_S`,
  and codeassist/status requests (sent while the model call runs) answered later than `STATUS_SLACK_S`;
- "lsp framing faults not resynchronised": framing cases after which the probe was not served, or a
  frame that must be refused got no parse error / invalid request answer; of = framing cases;
- "lsp internal errors (a -32603 answer, or an exception in a notification handler)": cases answered
  -32603 or whose log shows pygls's "internal error" report (bad input must get -32602 with the fix, a
  result, or be dropped with a warning); of = non-framing cases;
- "lsp model answers over the size cap": model-case answers longer than `MAX_ANSWER_BYTES` (a server
  that ignores max_tokens must not reach the editor); of = model requests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

from robustness_lsp_cases import (  # noqa: E402
    Case,
    Workspace,
    document_cases,
    id_cases,
    notification,
    param_cases,
    request,
)
from robustness_lsp_client import StdioServer  # noqa: E402
from robustness_lsp_faults import (  # noqa: E402
    eof_cases,
    framing_cases,
    initialize_cases,
    lifecycle_cases,
    model_cases,
)

UNANSWERED_S = 5.0
SLACK_S = 3.0
STATUS_SLACK_S = 2.0
COMPLETION_DEADLINE_MS = 1000
CHAT_DEADLINE_S = 3.0
INTERNAL_ERROR = -32603
_INTERNAL_LINE = re.compile(r"^WARNING:codeassist\.lsp:server: internal error: (.*)$", re.MULTILINE)
MAX_ANSWER_BYTES = 100_000  # [context] answer_tokens (1,500) x ~6 characters, with room for JSON and sources
ROWS = {"request": "lsp requests unanswered", "death": "lsp server deaths",
        "traceback": "lsp tracebacks in the error stream outside a logged, answered error",
        "deadline": "lsp answers past the deadline", "framing": "lsp framing faults not resynchronised",
        "internal": "lsp internal errors (a -32603 answer, or an exception in a notification handler)",
        "size": "lsp model answers over the size cap"}
_TRACEBACK = re.compile(r"^(?:  \+ )?((?:Exception Group )?Traceback \(most recent call last\)|Exception in thread"
                        r"|Task exception was never retrieved)", re.MULTILINE)

SOURCES = {
    "app/greet.py": 'def greet(name):\n    """Say hello."""\n    return f"hello {name}"\n\n\n'
                    + "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(12)),
    "app/store.py": "class Store:\n    def __init__(self):\n        self.items = {}\n\n"
                    "    def put(self, key, value):\n        self.items[key] = value\n",
    "web/client.js": "export function fetchUser(id) {\n  return fetch(`/users/${id}`).then(r => r.json());\n}\n",
    "README.md": "# demo\n\nA small workspace for the robustness trial.\n",
}


def registry() -> tuple[list[str], list[str], list[str]]:
    """(request methods, notification methods, commands) the server serves, from its feature registry."""
    from lsprotocol.types import METHOD_TO_TYPES

    from codeassist.lsp import protocol
    from codeassist.lsp.server import server

    fm = server.protocol.fm
    methods = sorted(set(fm.features) | set(fm.builtin_features))
    requests, notifications = [], []
    for method in methods:
        types = METHOD_TO_TYPES.get(method)
        is_request = types[1] is not None if types else method in (protocol.ASK, protocol.STATUS)
        (requests if is_request else notifications).append(method)
    notifications = [m for m in notifications if m != "exit"] + ["$/cancelRequest"]  # exit: lifecycle cases
    return requests, notifications, sorted(fm.commands)


def make_workspace(workdir: Path) -> tuple[Path, dict[str, str]]:
    """The workspace folder and the server's environment (HOME and XDG directories under `workdir`)."""
    ws = workdir / "workspace"
    for rel, text in SOURCES.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEASSIST_", "OPENAI_", "XDG_"))}
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(workdir / name.lower())
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    return ws, env


def init_options(base_url: str) -> dict:
    return {"lsp": {"embed": False, "indexOnStart": True, "reindexDebounceMs": 50},
            "completion": {"baseUrl": base_url, "model": "qwen2.5-coder:1.5b", "apiKey": "k", "debounceMs": 0,
                           "deadlineMs": COMPLETION_DEADLINE_MS, "timeout": 2},
            "chat": {"baseUrl": base_url, "model": "fake-chat", "apiKey": "k", "deadline": CHAT_DEADLINE_S,
                     "timeout": 2, "maxRetries": 1, "backoffSeconds": 0.1}}


class Trial:
    """Runs cases against sessions and keeps the rows."""

    def __init__(self, workdir: Path, base_url: str, fake: Any) -> None:
        self.ws_dir, self.env = make_workspace(workdir)
        self.workdir, self.base_url, self.fake = workdir, base_url, fake
        self.doc = (self.ws_dir / "app/greet.py").as_uri()
        self.sessions: dict[str, StdioServer] = {}
        self.rows = {key: {"count": 0, "of": 0, "target": 0, "details": []} for key in ROWS}
        self.stderr_n = 0
        self.latencies: list[tuple[float, str]] = []  # (seconds from sending to the answer, case name)

    # -- sessions --------------------------------------------------------------------------------------
    def start(self, initialize: bool = True) -> StdioServer:
        self.stderr_n += 1
        server = StdioServer(self.ws_dir, self.env, self.workdir / f"stderr-{self.stderr_n}.log")
        if initialize:
            self.initialize(server)
        return server

    def initialize(self, server: StdioServer) -> bool:
        data, key = request("initialize", {
            "processId": None, "rootUri": self.ws_dir.as_uri(), "initializationOptions": init_options(self.base_url),
            "capabilities": {"workspace": {"applyEdit": True}, "window": {"workDoneProgress": True},
                             "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}})
        server.send(data)
        ok = server.wait({key: 1}, 30)
        server.send(notification("initialized", {}) + notification("textDocument/didOpen", {"textDocument": {
            "uri": self.doc, "languageId": "python", "version": 1, "text": SOURCES["app/greet.py"]}}))
        return ok

    def session(self, name: str) -> StdioServer:
        if name not in self.sessions:
            self.sessions[name] = self.start()
        return self.sessions[name]

    def probe(self, server: StdioServer) -> bool:
        data, key = request("codeassist/status", {})
        return server.send(data) and server.wait({key: 1}, UNANSWERED_S)

    # -- one case --------------------------------------------------------------------------------------
    def fail(self, row: str, case: Case, why: str = "") -> None:
        self.rows[row]["count"] += 1
        label = f"{case.name} ({why})" if why else case.name
        if label not in self.rows[row]["details"]:
            self.rows[row]["details"].append(label)

    def run(self, case: Case) -> None:
        fresh = case.session == "fresh"
        server = self.start(initialize=case.row != "initialize") if fresh else self.session(case.session)
        start = server.stderr_offset()
        targets = {key: len(server.responses.get(key, ())) + n for key, n in case.expect.items()}
        if case.fault:
            self._script(*case.fault)
        sent_at = time.monotonic()
        if case.name.endswith("split_into_single_bytes"):
            for i in range(len(case.payload)):
                server.send(case.payload[i:i + 1])
        else:
            server.send(case.payload)
        late: list[str] = []
        if case.status_during:
            time.sleep(0.3)
            data, status_key = request("codeassist/status", {})
            status_at = time.monotonic()
            server.send(data)
            server.wait({status_key: 1}, UNANSWERED_S)
            self.rows["deadline"]["of"] += 1
            answered = server.responses.get(status_key)
            if not answered or answered[0][0] - status_at > STATUS_SLACK_S:
                late.append("codeassist/status while the model call runs")
        wait = (case.deadline or 0) + (SLACK_S if case.deadline else 0) + UNANSWERED_S
        if case.then_eof:
            server.close_stdin()
        if case.row == "framing" and not case.then_eof:
            wait = 0.0  # a Content-Length too big is only known to be wrong when the next message comes
            self.probe(server)
        server.wait(targets, wait)
        missing = [key for key, n in targets.items() if len(server.responses.get(key, ())) < n]
        if case.row != "framing":  # a framing case's expected answer is its refusal: the framing row
            self.rows["request"]["of"] += sum(case.expect.values())
            for key in missing:
                self.fail("request", case, f"id {key}")
        for key, n in targets.items():
            for at, msg in server.responses.get(key, [])[n - case.expect[key]:n]:
                self.latencies.append((round(at - sent_at, 2), case.name))
                if (msg.get("error") or {}).get("code") == INTERNAL_ERROR:
                    case.internal = msg["error"].get("message", "")[:80]
        if case.deadline is not None:
            self.rows["deadline"]["of"] += len(targets)
            self.rows["size"]["of"] += len(targets)
            for key, n in targets.items():
                times = server.responses.get(key, ())
                if len(times) < n or times[n - 1][0] - sent_at > case.deadline + SLACK_S:
                    late.append(f"id {key}")
                elif len(json.dumps(times[n - 1][1])) > MAX_ANSWER_BYTES:
                    self.fail("size", case, f"id {key}: {len(json.dumps(times[n - 1][1]))} bytes")
        for why in late:
            self.fail("deadline", case, why)
        self._after(case, server, missing, start, fresh)

    def _after(self, case: Case, server: StdioServer, missing: list[str], start: int, fresh: bool) -> None:
        if case.row == "initialize":  # then a valid initialize: the server must still serve
            self.initialize(server)
        survived = True
        self.rows["death"]["of"] += 1
        if case.expect_exit:
            try:
                code = server.proc.wait(UNANSWERED_S)
            except Exception:  # noqa: BLE001 — subprocess.TimeoutExpired
                code = None
            if code not in (0, 1):
                self.fail("death" if case.row != "framing" else "framing", case, f"exit code {code}")
        else:
            survived = self.probe(server) and server.alive()
            if not survived:
                self.fail("death", case, "exited" if not server.alive() else "probe unanswered")
        if case.row == "framing":
            self.rows["framing"]["of"] += 1
            if not survived or missing:
                self.fail("framing", case, "probe unanswered" if not survived else "no parse error answer")
        time.sleep(0.02)  # the log lines of the last message reach the file
        text = server.stderr_text(start)
        if case.row != "framing":
            self.rows["internal"]["of"] += 1
            raised = _INTERNAL_LINE.search(text)
            if case.internal or raised:
                self.fail("internal", case, case.internal or raised.group(1)[:80])
        if _unexcused_tracebacks(text, answered=not missing):
            self.fail("traceback", case)
        self.rows["traceback"]["of"] += 1
        if fresh or not survived:
            server.stop()
            if not fresh:
                self.sessions.pop(case.session, None)

    def _script(self, kind: str, replies: list) -> None:
        for queue in self.fake._scripts.values():
            while not queue.empty():
                queue.get_nowait()
        self.fake.script(kind, *replies)

    def close(self) -> None:
        for server in self.sessions.values():
            server.stop()


def _unexcused_tracebacks(text: str, *, answered: bool) -> int:
    """Tracebacks not directly under the ERROR log line of a request handler (pygls's or ours) of an
    answered request (asyncio's and concurrent.futures' "exception in a callback" are never excused)."""
    count = 0
    for match in _TRACEBACK.finditer(text):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        logged = before.startswith(("ERROR:pygls.protocol.json_rpc:", "ERROR:codeassist"))
        if not (logged and answered and "Traceback" in match.group(1)):
            count += 1
    return count


def all_cases(trial: Trial) -> list[Case]:
    requests, notifications, commands = registry()
    folder = trial.ws_dir.as_uri()
    ws = Workspace(trial.doc, f"{folder}/app/store.py", Path("/etc/hostname").as_uri())
    served = [m for m in requests if m not in ("initialize", "shutdown")]
    model_ws = Workspace(trial.doc, ws.closed, ws.outside)
    from tests.fake_openai import Reply

    return (param_cases(ws, commands, notifications) + document_cases(ws, folder) + id_cases() + framing_cases()
            + model_cases(model_ws, Reply, COMPLETION_DEADLINE_MS / 1000, CHAT_DEADLINE_S)
            + initialize_cases() + lifecycle_cases(served + ["shutdown"]) + eof_cases())


def trial(workdir: Path) -> dict:
    """-> {"rows": {row_name: {"count": int, "of": int, "target": 0, "details": [failing case names]}},
    "cases": int, "seconds": float, "settings": {...}}; runs every case against the real server."""
    from tests.fake_openai import FakeOpenAI

    began = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    with FakeOpenAI(default_chat="A short answer.", default_completion="pass") as fake:
        runner = Trial(workdir, fake.base_url, fake)
        cases = all_cases(runner)
        try:
            for case in cases:
                runner.run(case)
        finally:
            runner.close()
    kinds: dict[str, int] = {}
    for case in cases:
        kinds[case.row] = kinds.get(case.row, 0) + 1
    return {"rows": {ROWS[key]: row for key, row in runner.rows.items()}, "cases": len(cases), "cases_by_kind": kinds,
            "slowest_answers_s": sorted(set(runner.latencies), reverse=True)[:8],
            "seconds": round(time.monotonic() - began, 1),
            "settings": {"unanswered_s": UNANSWERED_S, "slack_s": SLACK_S, "status_slack_s": STATUS_SLACK_S,
                         "completion_deadline_ms": COMPLETION_DEADLINE_MS, "chat_deadline_s": CHAT_DEADLINE_S}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the workspace and server logs here (default: a temp dir)")
    args = parser.parse_args()
    if args.workdir:
        print(json.dumps(trial(args.workdir), indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="robustness-lsp-") as tmp:
        print(json.dumps(trial(Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
