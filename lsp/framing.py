"""The stdio transport: LSP base-protocol framing (`Content-Length` headers) and the first look at every
message, in place of pygls's own read loop.

pygls reads whatever `Content-Length` says (a header of 10**12 allocates until MemoryError) and waits
for ever on a missing, negative or non-numeric one; a body it cannot structure (params of the wrong
shape) is logged and never answered. Here:

- a message is at most `MAX_MESSAGE_BYTES`; a header block at most `MAX_HEADER_BYTES`;
- a malformed header block or body is answered with a JSON-RPC parse error (-32700, id null) and the
  reader resynchronises on the next `Content-Length:` header;
- a request whose params do not fit its method gets -32602 (invalid params) with its id, a request before
  `initialize` -32002 (server not initialized), a request after `shutdown` -32600 (invalid request):
  every request is answered;
- lone UTF-16 surrogates (`"\\ud800"` is valid JSON, but no UTF-8 encoder takes it) become U+FFFD;
- a header block may end with bare line feeds; a body nested too deeply for the parser is a parse error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from cattrs.errors import ClassValidationError
from cattrs.v import transform_error
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    ResponseErrorMessage,
)

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
_HEADER_START = re.compile(rb"content-length\s*:", re.IGNORECASE)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER_END = re.compile(rb"\r?\n\r?\n")  # CRLF as the spec says, or bare line feeds as some clients write
_EMBEDDED_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)


class FramingError(Exception):
    """A header block or body that is not a valid LSP message; the message says what was wrong."""


class MessageReader:
    """Splits a byte stream into message bodies. `read()` returns the next chunk of bytes (b"" at EOF).

    `next_body()` returns one body, None at end of stream, or raises FramingError; after an error the
    next call first skips to the next `Content-Length:` header (resynchronisation)."""

    def __init__(self, read: Callable[[], Awaitable[bytes]], *, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self._read = read
        self._buffer = bytearray()
        self._eof = False
        self._resync = False
        self.max_message_bytes = max_message_bytes

    async def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = await self._read()
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    async def _skip_to_header(self) -> bool:
        while True:
            match = _HEADER_START.search(self._buffer)
            if match:
                del self._buffer[:match.start()]
                self._resync = False
                return True
            keep = len("content-length:") + 8  # a header split across two reads
            del self._buffer[:max(0, len(self._buffer) - keep)]
            if not await self._fill():
                return False

    def resync_after(self, body: bytes) -> None:
        """A body that was not a message: a `Content-Length` that was too big swallowed the start of the
        next message(s), so they go back in front of the buffer; then skip to the next header."""
        match = _HEADER_START.search(body, 1)
        if match:
            self._buffer[:0] = body[match.start():]
        self._resync = True

    async def next_body(self) -> bytes | None:
        if self._resync and not await self._skip_to_header():
            return None
        while (found := _header_end(self._buffer)) is None:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._buffer.clear()
                self._resync = True
                raise FramingError(f"Header block longer than {MAX_HEADER_BYTES} bytes without an empty line.")
            if not await self._fill():
                return None
        end, separator = found
        headers = bytes(self._buffer[:end])
        del self._buffer[:end + len(separator)]
        length = self._content_length(headers)
        scanned = 0
        while len(self._buffer) < length:
            # A Content-Length too big: the next message's header arrives inside this body. A header line
            # (`Content-Length: N` and a raw line break) cannot be part of a JSON body (JSON strings escape
            # line breaks), so the body is cut there at once instead of waiting for bytes that never come.
            embedded = _EMBEDDED_HEADER.search(self._buffer, max(0, scanned - 64))
            if embedded:
                del self._buffer[:embedded.start()]
                raise FramingError(f"Malformed message: the body ended after {embedded.start()} of the {length} "
                                   "bytes its Content-Length announced (the next message's header followed).")
            scanned = len(self._buffer)
            if not await self._fill():
                return None
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return body

    def _content_length(self, headers: bytes) -> int:
        values = [line.split(b":", 1)[1].strip() for line in headers.split(b"\n")
                  if b":" in line and line.split(b":", 1)[0].strip().lower() == b"content-length"]
        problem = None
        if not values:
            problem = "no Content-Length header"
        elif not values[-1].isdigit():
            problem = f"Content-Length {values[-1][:40].decode('latin-1')!r} is not a non-negative integer"
        elif len(values[-1]) > 19 or int(values[-1]) > self.max_message_bytes:  # int() refuses 4,301+ digits
            problem = (f"Content-Length {values[-1][:40].decode('latin-1')} exceeds the maximum message size of "
                       f"{self.max_message_bytes} bytes")
        elif int(values[-1]) == 0:
            problem = "Content-Length 0: an empty message"
        if problem:
            self._resync = True
            raise FramingError(f"Malformed message header: {problem}.")
        return int(values[-1])


def _header_end(buffer: bytearray) -> tuple[int, bytes] | None:
    """(offset, separator) of the empty line that ends the header block, or None when it has not arrived."""
    match = _HEADER_END.search(buffer)
    return (match.start(), match.group()) if match else None


# -- the first look at a message ---------------------------------------------------------------------------
def error_response(msg_id: Any, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def dispatch(protocol: Any, body: bytes, reader: MessageReader | None = None) -> None:
    """Parse, check and hand one message body to pygls's protocol; every request gets an answer."""
    send = protocol._send_data
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as err:  # also UnicodeDecodeError
        if reader is not None:
            reader.resync_after(body)
        why = "nested too deeply" if isinstance(err, RecursionError) else err
        send(error_response(None, PARSE_ERROR, f"Parse error: the message body is not JSON ({why})."))
        return
    if _SURROGATE_ESCAPE.search(body):
        try:
            data = without_lone_surrogates(data)
        except RecursionError:
            send(error_response(None, PARSE_ERROR, "Parse error: the message body is nested too deeply."))
            return
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        msg_id = data.get("id") if isinstance(data, dict) else None
        send(error_response(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                            "Invalid request: expected a JSON-RPC 2.0 object (batches are not supported)."))
        return
    method, msg_id = data.get("method"), data.get("id")
    is_request = method is not None and "id" in data
    if is_request and not (_valid_id(msg_id) and isinstance(method, str)):
        send(error_response(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                            "Invalid request: 'id' must be a string or an integer and 'method' a string."))
        return
    if not getattr(protocol, "initialize_seen", False) and method not in (types.INITIALIZE, types.EXIT, None):
        if is_request:  # LSP: before initialize every request gets -32002 and notifications are dropped
            send(error_response(msg_id, SERVER_NOT_INITIALIZED, f"Server not initialized: send 'initialize' "
                                                                 f"before {method}."))
        return
    if protocol._shutdown and is_request and method != types.EXIT:
        send(error_response(msg_id, INVALID_REQUEST, f"Invalid request: the server is shut down; {method} "
                                                     "is not served after 'shutdown' (send 'exit')."))
        return
    if method is not None:
        data.setdefault("params", None)  # JSON-RPC lets a request omit params; pygls's types do not
    try:
        message = structure(protocol, data)
    except Exception as err:  # noqa: BLE001 — cattrs's errors, or a RecursionError on absurd nesting
        code = INVALID_PARAMS if isinstance(err, (ClassValidationError, RecursionError)) else INTERNAL_ERROR
        if is_request:
            send(error_response(msg_id, code, f"Invalid params for {method}: {_why(err)}."))
        else:
            log.warning("dropped a %s notification with invalid params: %s", method, _why(err))
        return
    if method == types.INITIALIZE:
        protocol.initialize_seen = True
    try:
        protocol.handle_message(message)
    except Exception:  # noqa: BLE001 — one bad message must not end the read loop
        log.exception("Unable to handle %s", method)
        if is_request:
            send(error_response(msg_id, INTERNAL_ERROR, f"Internal error while handling {method}."))


def structure(protocol: Any, data: dict) -> Any:
    """pygls's `structure_message` without its logging: it logs a full traceback for every message whose
    params do not fit (the caller answers those with -32602 and one log line instead)."""
    method = data.get("method")
    if "jsonrpc" not in data:
        return data
    if "id" in data and "error" in data:
        message_type = ResponseErrorMessage
    elif "id" in data and method is not None:
        message_type = protocol.get_message_type(method) or JsonRPCRequestMessage
    elif "id" in data:
        message_type = protocol._result_types.pop(data["id"], None) or JsonRPCResponseMessage
    else:
        message_type = protocol.get_message_type(method or "") or JsonRPCNotification
    return protocol._converter.structure(data, message_type)


def without_lone_surrogates(value: Any) -> Any:
    """`value` (parsed JSON) with every lone UTF-16 surrogate in its strings replaced by U+FFFD. JSON may
    spell them (`"\\ud800"`); no UTF-8 encoder takes them, so one in a document would break every later
    request on it (tree-sitter, the model request). U+FFFD is one UTF-16 unit too: positions still match."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def _why(err: Exception) -> str:
    """What was wrong with the params, in cattrs's words (`invalid value ... @ $.params.position.line`)."""
    cause = err if isinstance(err, ClassValidationError) else err.__cause__
    if isinstance(cause, ClassValidationError):
        return "; ".join(transform_error(cause, path="$")[:3])
    if isinstance(err, RecursionError):
        return "they are nested too deeply"
    return "they do not match the method's parameter type"


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, str) or (isinstance(msg_id, int) and not isinstance(msg_id, bool))


def _read_chunk(stream: BinaryIO) -> Callable[[], bytes]:
    read1 = getattr(stream, "read1", None)
    return (lambda: read1(65536)) if read1 else (lambda: stream.read(1))


async def serve(server: Any, reader: MessageReader, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            body = await reader.next_body()
        except FramingError as err:
            log.warning("%s", err)
            server.protocol._send_data(error_response(None, PARSE_ERROR, f"Parse error: {err}"))
            continue
        if body is None:
            break
        try:
            dispatch(server.protocol, body, reader)
        except Exception:  # noqa: BLE001 — whatever one message does, the read loop goes on
            log.exception("Unable to handle a message")


def start_io(server: Any, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """Serve `server` (a pygls LanguageServer) over stdin/stdout with this module's reader."""
    stdin = stdin or sys.stdin.buffer
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    stdin_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stdin")
    read_chunk = _read_chunk(stdin)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        reader = MessageReader(lambda: loop.run_in_executor(stdin_thread, read_chunk))
        await serve(server, reader, stop)

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("Connection to the client is lost; shutting down.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stdin_thread.shutdown(wait=False, cancel_futures=True)
        server.shutdown()
