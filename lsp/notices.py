"""Problems nobody asked to be told about in the middle of typing: a completion endpoint that is down, a
stream cut short, an index that cannot be built, a setting changed to a bad value.

A `window/showMessage` for each would put a "Press ENTER" prompt in front of a Neovim user on the next
keystroke (and lose that keystroke's suggestion). So they go to the log and into `codeassist/status`
(`problems`, sent with `codeassist/statusChanged`), once per cause until its message changes or it is
cleared. Only what the user invoked (a command, a chat request) answers with an error they see.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Notices:
    """`report(cause, problem)` -> logged and published once per (cause, message); `clear(cause)` when the
    cause is over (e.g. a completion succeeded again). `current()` -> {cause: message}."""

    def __init__(self, *, log: Callable[[str], None], notify: Callable[[], None]) -> None:
        self._log = log
        self._notify = notify
        self._problems: dict[str, str] = {}
        self._lock = threading.Lock()

    def report(self, cause: str, problem: Exception | str) -> bool:
        """True when this is news (first time, or a different message for the cause)."""
        message = str(problem)
        with self._lock:
            if self._problems.get(cause) == message:
                return False
            self._problems[cause] = message
        self._log(f"{cause}: {message}")
        self._notify()
        return True

    def clear(self, cause: str) -> None:
        with self._lock:
            if self._problems.pop(cause, None) is None:
                return
        self._notify()

    def current(self) -> dict[str, str]:
        with self._lock:
            return dict(self._problems)
