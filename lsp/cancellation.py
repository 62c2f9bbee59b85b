"""`$/cancelRequest` for commands. pygls runs `workspace/executeCommand` through a builtin generator that
starts the command's coroutine as a task of its own; a cancel notification cancels only the request's outer
future, and the command would run on (a model call streaming to the end, an edit applied after the user
cancelled). `follow_request_cancellation()` ties the running command task to its request."""

from __future__ import annotations

import asyncio
from typing import Any


def follow_request_cancellation(ls: Any) -> None:
    """Call at the start of an async command handler: when the client cancels the request, the handler's
    task is cancelled (it sees CancelledError at its next await)."""
    protocol = ls.protocol
    msg_id = protocol.msg_id  # the request id, carried into the command's task by pygls's context variable
    task = asyncio.current_task()
    outer = getattr(protocol, "_request_futures", {}).get(msg_id) if msg_id is not None else None
    if outer is None or task is None or outer is task:
        return
    outer.add_done_callback(lambda future: task.cancel() if future.cancelled() and not task.done() else None)
