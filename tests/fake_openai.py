"""A real HTTP server on 127.0.0.1 that speaks enough of the OpenAI API for tests.

Endpoints: ``POST /v1/chat/completions`` and ``POST /v1/completions`` (JSON or SSE streaming),
``POST /v1/embeddings``, ``GET /v1/models``. Answers are scripted per endpoint kind; when a script is
empty a default answer is used. Every request is recorded (path, headers, JSON body) so tests can assert
on exactly what left the process.

Usage in a test::

    with FakeOpenAI() as server:
        server.script("chat", Reply(text="The answer is 42."))
        server.script("chat", Reply(status=429, headers={"Retry-After": "1"}))
        ... point the code under test at server.base_url ...
        assert server.requests[0].json["messages"][-1]["content"] ...

Run standalone for editor end-to-end tests (prints the base URL on the first line of stdout)::

    python tests/fake_openai.py --chat "scripted answer" --completion "scripted completion"
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import queue
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KINDS = ("chat", "completions", "embeddings", "models")


@dataclass
class Reply:
    """One scripted answer.

    text: the answer (chat content or completion text).
    chunks: explicit stream pieces (default: ``text`` split into ~8-char pieces).
    status: HTTP status; non-200 sends an OpenAI-style error body with ``error_message``.
    delay: seconds to wait before answering (to trip client timeouts).
    chunk_delay: seconds between stream chunks (to test cancellation mid-stream).
    truncate: stream ends (connection closed) after half the chunks, without ``[DONE]``.
    reset: the connection is reset (TCP RST) instead of answering, after ``delay``.
    raw: send these bytes as the body verbatim (malformed JSON etc.).
    dimension / vectors: for embeddings.
    """

    text: str = ""
    chunks: list[str] | None = None
    status: int = 200
    error_message: str = ""
    error_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    truncate: bool = False
    reset: bool = False
    raw: bytes | None = None
    # Streaming only: send these bytes verbatim as the text/event-stream body (malformed events etc.).
    raw_stream: bytes | None = None
    dimension: int | None = None
    vectors: list[list[float]] | None = None
    finish_reason: str = "stop"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    kind: str
    # How the exchange ended: "completed", "aborted" (client went away mid-stream), "error".
    outcome: str = "pending"


def fake_vector(text: str, dimension: int) -> list[float]:
    """Deterministic unit vector from the text's hash: equal texts give equal vectors."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [((digest[i % len(digest)] + i * 7) % 255) / 127.0 - 1.0 for i in range(dimension)]
    norm = sum(x * x for x in raw) ** 0.5 or 1.0
    return [x / norm for x in raw]


class FakeOpenAI:
    def __init__(
        self,
        *,
        default_chat: str = "This is the default answer.",
        default_completion: str = "pass",
        dimension: int = 8,
        models: tuple[str, ...] = ("fake-chat", "qwen2.5-coder:1.5b", "fake-embed"),
    ) -> None:
        self.default_chat = default_chat
        self.default_completion = default_completion
        self.dimension = dimension
        self.models = list(models)
        self.requests: list[Recorded] = []
        self._scripts: dict[str, queue.Queue[Reply]] = {k: queue.Queue() for k in KINDS}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval makes stop() (and so every test using the server) return quickly.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection -----------------------------------------------------------
    def script(self, kind: str, *replies: Reply) -> None:
        assert kind in KINDS, kind
        for reply in replies:
            self._scripts[kind].put(reply)

    def requests_of(self, kind: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    def wait_for_requests(self, kind: str, count: int, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests_of(kind)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} {kind} requests, got {len(self.requests_of(kind))}")

    def all_request_text(self) -> str:
        """Everything the server received, as one string (for 'secret never left' assertions)."""
        with self._lock:
            return "\n".join(json.dumps(r.json) + json.dumps(r.headers) for r in self.requests)

    def _next(self, kind: str) -> Reply | None:
        try:
            return self._scripts[kind].get_nowait()
        except queue.Empty:
            return None

    # -- HTTP -------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/models"):
                    rec = server._record(self, None, "models")
                    reply = server._next("models")
                    if reply and reply.delay:
                        time.sleep(reply.delay)
                    if reply and reply.status != 200:
                        return server._send_error(self, rec, reply)
                    if reply and reply.raw is not None:
                        return server._send_bytes(self, rec, reply.raw, "application/json")
                    data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in server.models]
                    server._send_json(self, rec, {"object": "list", "data": data})
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
                path = self.path.split("?")[0].rstrip("/")
                if path.endswith("/chat/completions"):
                    kind = "chat"
                elif path.endswith("/completions"):
                    kind = "completions"
                elif path.endswith("/embeddings"):
                    kind = "embeddings"
                else:
                    self.send_error(404)
                    return
                rec = server._record(self, body, kind)
                server._answer(self, rec, kind, body if isinstance(body, dict) else {})

        return Handler

    def _record(self, handler: BaseHTTPRequestHandler, body: Any, kind: str) -> Recorded:
        rec = Recorded(handler.command, handler.path, dict(handler.headers.items()), body, kind)
        with self._lock:
            self.requests.append(rec)
        return rec

    def _answer(self, h: BaseHTTPRequestHandler, rec: Recorded, kind: str, body: dict) -> None:
        reply = self._next(kind) or Reply(text=self.default_chat if kind == "chat" else self.default_completion)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.reset:
            return _reset(h, rec)
        if reply.status != 200:
            return self._send_error(h, rec, reply)
        if reply.raw is not None:
            return self._send_bytes(h, rec, reply.raw, "application/json")
        model = body.get("model", "fake")
        if kind == "embeddings":
            inputs = body.get("input", [])
            if isinstance(inputs, str):
                inputs = [inputs]
            dim = reply.dimension or self.dimension
            vectors = reply.vectors or [fake_vector(str(t), dim) for t in inputs]
            data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
            usage = {"prompt_tokens": sum(len(str(t).split()) for t in inputs), "total_tokens": 0}
            return self._send_json(h, rec, {"object": "list", "data": data, "model": model, "usage": usage})
        prompt_tokens = len(json.dumps(body.get("messages") or body.get("prompt") or "")) // 4
        pieces = reply.chunks if reply.chunks is not None else _split(reply.text)
        completion_tokens = max(1, len(reply.text) // 4) if reply.text else 0
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if not body.get("stream"):
            text = "".join(pieces)
            if kind == "chat":
                choice = {"index": 0, "message": {"role": "assistant", "content": text},
                          "finish_reason": reply.finish_reason}
                obj = "chat.completion"
            else:
                choice = {"index": 0, "text": text, "finish_reason": reply.finish_reason, "logprobs": None}
                obj = "text_completion"
            payload = {"id": "fake-1", "object": obj, "created": 0, "model": model,
                       "choices": [choice], "usage": usage}
            return self._send_json(h, rec, payload)
        self._stream(h, rec, kind, model, pieces, reply, usage, body)

    def _stream(self, h, rec, kind, model, pieces, reply, usage, body) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        limit = len(pieces) // 2 if reply.truncate else len(pieces)
        if reply.raw_stream is not None:
            h.wfile.write(reply.raw_stream)
            h.wfile.flush()
            rec.outcome = "completed"
            h.close_connection = True
            return
        try:
            for i, piece in enumerate(pieces[:limit]):
                if kind == "chat":
                    delta = {"content": piece} if i else {"role": "assistant", "content": piece}
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                    obj = "chat.completion.chunk"
                else:
                    choice = {"index": 0, "text": piece, "finish_reason": None, "logprobs": None}
                    obj = "text_completion"
                event = {"id": "fake-1", "object": obj, "created": 0, "model": model, "choices": [choice]}
                h.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                h.wfile.flush()
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
            if reply.truncate:
                rec.outcome = "truncated"
                h.close_connection = True
                return
            last_choice: dict[str, Any] = {"index": 0, "finish_reason": reply.finish_reason}
            if kind == "chat":
                last_choice["delta"] = {}
                obj = "chat.completion.chunk"
            else:
                last_choice.update(text="", logprobs=None)
                obj = "text_completion"
            final = {"id": "fake-1", "object": obj, "created": 0, "model": model, "choices": [last_choice]}
            h.wfile.write(b"data: " + json.dumps(final).encode() + b"\n\n")
            if (body.get("stream_options") or {}).get("include_usage"):
                usage_event = {"id": "fake-1", "object": obj, "created": 0, "model": model,
                               "choices": [], "usage": usage}
                h.wfile.write(b"data: " + json.dumps(usage_event).encode() + b"\n\n")
            h.wfile.write(b"data: [DONE]\n\n")
            h.wfile.flush()
            rec.outcome = "completed"
        except (BrokenPipeError, ConnectionResetError):
            rec.outcome = "aborted"
        h.close_connection = True

    def _send_json(self, h: BaseHTTPRequestHandler, rec: Recorded, payload: Any, status: int = 200,
                   headers: dict[str, str] | None = None) -> None:
        self._send_bytes(h, rec, json.dumps(payload).encode(), "application/json", status, headers)

    def _send_bytes(self, h, rec, data: bytes, ctype: str, status: int = 200, headers=None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
            rec.outcome = "completed" if status == 200 else "error"
        except (BrokenPipeError, ConnectionResetError):
            rec.outcome = "aborted"

    def _send_error(self, h: BaseHTTPRequestHandler, rec: Recorded, reply: Reply) -> None:
        defaults = {401: ("Incorrect API key provided.", "invalid_api_key"),
                    404: ("The model does not exist.", "model_not_found"),
                    429: ("Rate limit reached.", "rate_limit_exceeded"),
                    400: ("This model's maximum context length is 4096 tokens.", "context_length_exceeded")}
        message, code = defaults.get(reply.status, ("The server had an error.", None))
        error = {"message": reply.error_message or message, "type": "error",
                 "param": None, "code": reply.error_code or code}
        self._send_json(h, rec, {"error": error}, reply.status, reply.headers)


def _reset(h: BaseHTTPRequestHandler, rec: Recorded) -> None:
    """Close the connection with a TCP RST (SO_LINGER 0): the client sees "connection reset by peer"."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.wfile = io.BytesIO()  # nothing more is written to the reset socket
    h.connection.close()
    rec.outcome = "reset"


def _split(text: str, size: int = 8) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chat", default="This is the default answer.")
    parser.add_argument("--completion", default="pass")
    parser.add_argument("--dimension", type=int, default=8)
    parser.add_argument("--log", help="append each request as a JSON line to this file")
    args = parser.parse_args()
    server = FakeOpenAI(default_chat=args.chat, default_completion=args.completion, dimension=args.dimension)
    server.start()
    print(server.base_url, flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.05)
            if args.log and len(server.requests) > seen:
                with open(args.log, "a", encoding="utf-8") as fh:
                    for rec in server.requests[seen:]:
                        fh.write(json.dumps({"kind": rec.kind, "path": rec.path, "json": rec.json}) + "\n")
                seen = len(server.requests)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
