"""The real language server as a subprocess over stdio, spoken to in raw bytes, for the LSP robustness trial
(`bench/robustness_lsp.py`).

`StdioServer` starts `python -m codeassist.lsp.server` with its stderr (the server's log) in a file, reads
every framed message the server writes on a thread, answers the server's own requests (applyEdit: applied;
anything else: null) and records each response by id with its arrival time (`time.monotonic()` seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "codeassist.lsp.server"]


def frame(payload: Any) -> bytes:
    """One LSP message: `payload` (JSON data, or bytes sent as the body verbatim) with its header."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def id_key(msg_id: Any) -> str:
    """Responses are matched by the JSON spelling of their id (1 and "1" are different ids)."""
    return json.dumps(msg_id)


class StdioServer:
    """One server process. `send(bytes)`; `wait(ids, timeout)` -> {id key: [arrival times]} of the ids
    answered; `alive()`; `stderr_text(start)` -> the log written since byte offset `start`."""

    def __init__(self, cwd: Path, env: dict[str, str], stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("ab")
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     cwd=str(cwd), env=env)
        self.responses: dict[str, list[tuple[float, dict]]] = {}
        self.garbage = 0  # frames from the server that were not JSON: a broken writer
        self.closed = threading.Event()
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    # -- reading ---------------------------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = out.read(length or 0)
                try:
                    self._on_message(json.loads(body))
                except ValueError:
                    self.garbage += 1
        finally:
            self.closed.set()
            with self._cond:
                self._cond.notify_all()

    def _on_message(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self.garbage += 1
            return
        if "method" in msg:
            if "id" in msg:  # the server asks the client something: answer as an editor would
                result = {"applied": True} if msg["method"] == "workspace/applyEdit" else None
                self.send(frame({"jsonrpc": "2.0", "id": msg["id"], "result": result}))
            return
        with self._cond:
            self.responses.setdefault(id_key(msg.get("id")), []).append((time.monotonic(), msg))
            self._cond.notify_all()

    # -- writing ---------------------------------------------------------------------------------------
    def send(self, data: bytes) -> bool:
        """False when the server no longer reads (it exited)."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def close_stdin(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    # -- waiting ---------------------------------------------------------------------------------------
    def answered(self, key: str, count: int = 1) -> bool:
        return len(self.responses.get(key, ())) >= count

    def wait(self, keys: dict[str, int], timeout: float) -> bool:
        """Wait until each id key has at least its count of responses, the server closed stdout, or
        `timeout` seconds passed; True when all were answered."""
        ends = time.monotonic() + timeout
        with self._cond:
            while not all(self.answered(k, n) for k, n in keys.items()):
                left = ends - time.monotonic()
                if left <= 0 or self.closed.is_set():
                    break
                self._cond.wait(min(left, 0.2))
            return all(self.answered(k, n) for k, n in keys.items())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_offset(self) -> int:
        self._stderr.flush()
        return self.stderr_path.stat().st_size

    def stderr_text(self, start: int) -> str:
        with self.stderr_path.open("rb") as fh:
            fh.seek(start)
            return fh.read().decode("utf-8", "replace")

    def stop(self) -> int | None:
        """Kill the process if it still runs; its exit code (None when it had to be killed)."""
        code = self.proc.poll()
        if code is None:
            self.proc.kill()
        self.proc.wait(10)
        self._stderr.close()
        return code
