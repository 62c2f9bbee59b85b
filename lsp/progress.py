"""Server-initiated work-done progress (`window/workDoneProgress/create`), safe when the request fails.

pygls's `work_done_progress.create` calls `future.result()` inside the response callback: when the client
answers the create request with an error, or `shutdown` cancels it before the answer arrives, that raises
in a concurrent.futures callback and a traceback lands in the log for a progress bar nobody will see.
Here a failed create is one debug line; the progress notifications that follow are harmless either way.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from lsprotocol import types

log = logging.getLogger(__name__)


def create_progress_token(protocol: Any, token: str) -> Future:
    """Ask the client to create `token` (a pygls protocol's `send_request`); returns the request's future,
    whose failure (error answer, cancellation at shutdown) is logged, never raised."""
    future = protocol.send_request(types.WINDOW_WORK_DONE_PROGRESS_CREATE, types.WorkDoneProgressCreateParams(token=token))

    def created(done: Future) -> None:
        if done.cancelled():
            log.debug("progress %s: the create request was cancelled", token)
        elif done.exception() is not None:
            log.debug("progress %s: the client refused it: %s", token, done.exception())

    future.add_done_callback(created)
    return future
