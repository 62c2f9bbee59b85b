"""Circuit breakers for the endpoints of a fallback chain: a failing endpoint is skipped for a back-off
period, then probed again with one request.

    closed --failure--> open (skip for `backoff` s) --back-off over--> one probe
    probe ok -> closed (back-off reset);  probe failed -> open again, back-off doubled (at most 10x);
    a probe that ends neither way (cancelled, superseded) frees the slot for the next request.

One breaker per (role, base_url, model) per process, shared by every client of that endpoint (the
language server rebuilds clients when the settings change; the breaker's memory survives that).
A request is never sent to an endpoint inside its back-off: `allow()` says no, with the reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_BACKOFF_FACTOR = 10


@dataclass
class CircuitBreaker:
    """The state of one endpoint. Times are `clock()` seconds (monotonic by default)."""

    backoff: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    open_until: float = 0.0
    last_error: str = ""
    probing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self) -> tuple[bool, str]:
        """(may this request go to the endpoint, why not). Claims the probe slot when the back-off is over."""
        with self._lock:
            if not self.failures:
                return True, ""
            now = self.clock()
            if now < self.open_until:
                return False, f"in its back-off after: {self.last_error}"
            if self.probing:
                return False, f"a probe request is in flight after: {self.last_error}"
            self.probing = True
            return True, ""

    def success(self) -> None:
        with self._lock:
            self.failures = 0
            self.open_until = 0.0
            self.last_error = ""
            self.probing = False

    def failure(self, reason: str, retry_after: float | None = None) -> None:
        """Open the circuit: skip the endpoint for the back-off (doubled per consecutive failure) or for the
        server's Retry-After when that is longer."""
        with self._lock:
            self.failures += 1
            wait = self.backoff * min(2 ** (self.failures - 1), MAX_BACKOFF_FACTOR)
            if retry_after:
                wait = max(wait, retry_after)
            self.open_until = self.clock() + wait
            self.last_error = reason
            self.probing = False

    def release(self) -> None:
        """The request that held the probe slot ended without a verdict (cancelled)."""
        with self._lock:
            self.probing = False

    def state(self) -> dict:
        """``{"state": "closed"|"open"|"probing"|"half-open", "retryInS": float|None, "lastError": str}``."""
        with self._lock:
            if not self.failures:
                return {"state": "closed", "retryInS": None, "lastError": ""}
            left = self.open_until - self.clock()
            name = "probing" if self.probing else ("open" if left > 0 else "half-open")
            return {"state": name, "retryInS": round(max(left, 0.0), 1), "lastError": self.last_error}


_breakers: dict[tuple[str, str, str], CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(role: str, base_url: str, model: str, backoff: float) -> CircuitBreaker:
    """The process-wide breaker of one endpoint (created on first use; `backoff` updated from settings)."""
    key = (role, base_url.rstrip("/"), model)
    with _registry_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(backoff=backoff)
        breaker.backoff = backoff
        return breaker


def reset_breakers() -> None:
    """Forget every endpoint's failures (tests; a settings reload does not need it)."""
    with _registry_lock:
        _breakers.clear()
