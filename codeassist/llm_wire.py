"""Pieces of the OpenAI wire protocol that need no `openai` import: retry-with-compatible-params after a 400,
the server's error message, Retry-After parsing, and waking a blocked read."""

from __future__ import annotations

import email.utils
import socket
import time
from typing import Any


def compatible_params(params: dict[str, Any], complaint: str) -> dict[str, Any] | None:
    """What to retry with once after a 400, or None: some servers reject stream_options
    (usage is then unknown), and newer OpenAI models want max_completion_tokens instead of max_tokens."""
    if "stream_options" in complaint and "stream_options" in params:
        return {k: v for k, v in params.items() if k != "stream_options"}
    if "max_completion_tokens" in complaint and "max_tokens" in params:
        fixed = {k: v for k, v in params.items() if k != "max_tokens"}
        fixed["max_completion_tokens"] = params["max_tokens"]
        return fixed
    return None


def server_message(err: Any) -> str:
    body = err.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message = body.get("message") if isinstance(body, dict) else None
    if message:
        return " ".join(str(message).split())[:300].rstrip(".")
    return err.response.reason_phrase or "error"


def retry_after(err: Any) -> float | None:
    headers = err.response.headers
    if headers.get("retry-after-ms"):
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def shutdown_socket(raw: Any) -> None:
    """Wake a read blocked in another thread: closing the response alone does not interrupt recv()."""
    try:
        network_stream = raw.response.extensions.get("network_stream")
        sock = network_stream.get_extra_info("socket") if network_stream is not None else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001 - best effort; the response is closed right after
        pass
