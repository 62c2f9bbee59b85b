"""The real server as a subprocess, spoken to in raw bytes: for framing and malformed-message tests that
a well-behaved client library cannot send."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from typing import Any

SERVER = [sys.executable, "-m", "codeassist.lsp.server"]


def frame(payload: Any) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """`send(bytes)`, then `message(timeout)` for each framed message the server writes."""

    def __init__(self, cwd: str | None = None, stderr_path: str | None = None) -> None:
        """`stderr_path`: keep the server's log (its stderr) in this file (default: discarded)."""
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=cwd)
        self._messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._messages.put(None)
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self._messages.put(json.loads(out.read(length)))

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, msg_id: Any, method: str, params: Any = None, *, omit_params: bool = False) -> None:
        payload: dict = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if not omit_params:
            payload["params"] = params
        self.send(frame(payload))

    def message(self, timeout: float = 20.0) -> dict | None:
        """The next message the server wrote (requests and notifications it sends included)."""
        return self._messages.get(timeout=timeout)

    def response(self, msg_id: Any, timeout: float = 20.0) -> dict:
        """The response to `msg_id` (the parse errors with id null count for id None)."""
        while True:
            msg = self.message(timeout)
            if msg is None:
                raise EOFError(f"the server closed stdout before answering {msg_id!r}")
            if "method" not in msg and msg.get("id") == msg_id:
                return msg

    def initialize(self, root_uri: str | None = None, options: dict | None = None) -> dict:
        self.request(0, "initialize", {"processId": None, "rootUri": root_uri, "capabilities": {},
                                       "initializationOptions": options or {"lsp": {"indexOnStart": False}}})
        result = self.response(0)
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        return result

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        if self._stderr is not subprocess.DEVNULL:
            self._stderr.close()
