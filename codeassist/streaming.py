"""Reading a model's text stream on behalf of a user who may cancel: deltas forwarded in order, and a set
`cancel` event closes the stream at once (close() from another thread unblocks a read that is waiting
on the network)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def read_stream(stream: Any, *, on_delta: Callable[[str], None] | None = None,
                cancel: threading.Event | None = None) -> None:
    """Consume `stream` (an iterable of text deltas with close(), used as a context manager), passing each
    delta to `on_delta`; returns when the stream ends or `cancel` is set (the stream is then closed)."""
    finished = threading.Event()
    if cancel is not None:
        def watch() -> None:
            while not finished.is_set():
                if cancel.wait(0.02):
                    stream.close()
                    return

        threading.Thread(target=watch, name="codeassist-cancel", daemon=True).start()
    try:
        with stream:
            for delta in stream:
                if on_delta is not None:
                    on_delta(delta)
                if cancel is not None and cancel.is_set():
                    stream.close()
                    break
    finally:
        finished.set()
