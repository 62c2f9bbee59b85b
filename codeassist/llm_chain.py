"""The fallback chain of one role (``[chat]``, ``[completion]``): the section's own endpoint, then each of
its ``fallbacks``, tried in order under one overall deadline.

An endpoint is left for the next one after a connection error, a 5xx, a 429 (after its retries), a
timeout, an empty answer, or an answer the caller's `accept` check rejects (garbage). Retries of one
endpoint happen here, not in the openai client, so that every attempt fits in the deadline and the
final message can say what really happened ("attempt 1: no answer within 60 s; attempt 2: stopped at
the 120 s deadline"). A failed endpoint opens its circuit breaker (`codeassist.circuit_breaker`): later
requests skip it, without sending anything, until its back-off is over.

Once text has reached the caller, a failure is not hidden by switching endpoints (the answer would
change under the reader's eyes): it is raised. Every endpoint, local or remote, gets redacted text
unless it is on loopback, marked ``local = true`` and the section says ``redact_local = false``.
Each attempt is a prompt-log row carrying the request id, its chain position and why earlier
endpoints were skipped; when every endpoint fails, one more row with status ``failed`` says so.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

from codeassist.circuit_breaker import CircuitBreaker, breaker_for
from codeassist.errors import (
    LLMAuthError,
    LLMChainFailed,
    LLMContextTooLong,
    LLMError,
    LLMModelNotFound,
    LLMNotConfigured,
    LLMRateLimited,
    LLMServerError,
    LLMStreamTruncated,
    LLMTimeout,
    LLMUnreachable,
)
from codeassist.llm import LLMClient, TextStream
from codeassist.promptlog import LogEntry, PromptLog
from codeassist.redact import redact_text
from codeassist.settings import EndpointSettings

RETRYABLE = (LLMRateLimited, LLMServerError, LLMUnreachable, LLMTimeout)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
RETRY_PAUSE_S = 0.5


class RejectedAnswer(LLMError):
    """The endpoint answered, but with nothing usable (empty, or refused by the caller's check)."""


@dataclass(slots=True)
class ChainEndpoint:
    position: int
    settings: EndpointSettings
    client: LLMClient
    breaker: CircuitBreaker

    @property
    def label(self) -> str:
        return f"{redact_text(self.settings.base_url)} ({self.settings.model})"


def is_loopback(base_url: str) -> bool:
    return (urlparse(base_url).hostname or "") in LOOPBACK_HOSTS


def chain_settings(section: EndpointSettings) -> list[tuple[EndpointSettings, bool]]:
    """(endpoint, marked local) for the section's own endpoint and each fallback, in order; fallback
    fields left unset take the section's timeout and max_retries."""
    own = replace(section, fallbacks=[])
    result = [(own, section.local)] if section.model else []
    for fb in section.fallbacks:
        if not fb.model:
            continue
        endpoint = EndpointSettings(
            base_url=fb.base_url, model=fb.model, api_key=fb.api_key, api_key_env=fb.api_key_env,
            timeout=section.timeout if fb.timeout is None else fb.timeout,
            max_retries=section.max_retries if fb.max_retries is None else fb.max_retries)
        result.append((endpoint, fb.local))
    return result


class LLMChain:
    """The ordered endpoints of one role; `chat_stream` / `complete_stream` return a `ChainStream`.
    `deadline` (s) bounds a whole request: every endpoint and every retry."""

    def __init__(self, section: EndpointSettings, *, purpose: str = "chat", log: PromptLog | None = None,
                 deadline: float | None = None) -> None:
        self.section = section
        self.endpoint = section  # what single-endpoint callers read (base_url, timeout)
        self.purpose = purpose
        self.log = log
        self.deadline = deadline
        self.endpoints: list[ChainEndpoint] = []
        for position, (settings, local) in enumerate(chain_settings(section)):
            unredacted = local and not section.redact_local and is_loopback(settings.base_url)
            client = LLMClient(settings, purpose=purpose, log=log, redact_prompts=not unredacted)
            breaker = breaker_for(purpose, settings.base_url, settings.model, section.backoff_seconds)
            self.endpoints.append(ChainEndpoint(position, settings, client, breaker))
        self.model: str = self.endpoints[0].settings.model if self.endpoints else ""
        # How the last finished request went: {"servedBy", "position", "skipped": [[label, reason]...]}.
        self.last: dict[str, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Any, purpose: str) -> LLMChain:
        section = getattr(settings, purpose)
        deadline = getattr(section, "deadline", None)
        if purpose == "completion":
            deadline = section.deadline_ms / 1000
        return cls(section, purpose=purpose, log=PromptLog.from_settings(settings), deadline=deadline)

    def chat_stream(self, messages: list[dict], *, template: str = "", template_version: str = "",
                    max_tokens: int | None = None, temperature: float = 0.2,
                    stop: list[str] | None = None) -> ChainStream:
        def start(ep: ChainEndpoint, timeout: float, extra: dict[str, Any]) -> TextStream:
            return ep.client.chat_stream(messages, template=template, template_version=template_version,
                                         max_tokens=max_tokens, temperature=temperature, stop=stop,
                                         timeout=timeout, log_extra=extra)

        return self.stream(start, last_resort=True)

    def complete_stream(self, prompt: str, *, suffix: str | None = None, template: str = "",
                        template_version: str = "", max_tokens: int = 128, temperature: float = 0.0,
                        stop: list[str] | None = None, accept: Callable[[str], str] | None = None) -> ChainStream:
        def start(ep: ChainEndpoint, timeout: float, extra: dict[str, Any]) -> TextStream:
            return ep.client.complete_stream(prompt, suffix=suffix, template=template,
                                             template_version=template_version, max_tokens=max_tokens,
                                             temperature=temperature, stop=stop, timeout=timeout,
                                             log_extra=extra)

        return self.stream(start, accept=accept, buffered=True)

    def stream(self, start: Callable[[ChainEndpoint, float, dict[str, Any]], TextStream], *,
               accept: Callable[[str], str] | None = None, buffered: bool = False,
               last_resort: bool = False) -> ChainStream:
        """A request whose per-endpoint call is `start(endpoint, timeout_s, log_extra)`. `accept(text)`
        returns "" for a usable answer or why it is not; `buffered` yields the whole text at the end;
        `last_resort` tries the first endpoint even when every breaker is open (someone waits for it)."""
        if not self.endpoints:
            raise LLMNotConfigured(self.purpose)
        return ChainStream(self, start, accept=accept, buffered=buffered, last_resort=last_resort)

    def describe(self) -> list[dict[str, Any]]:
        """Each endpoint with its breaker state, for `status` and `doctor`."""
        return [{"position": ep.position, "endpoint": redact_text(ep.settings.base_url), "model": ep.settings.model,
                 **ep.breaker.state()} for ep in self.endpoints]


def describe_failure(err: Exception, timeout: float) -> str:
    """A few words on what one attempt ran into."""
    if isinstance(err, RejectedAnswer):
        return str(err)
    if isinstance(err, LLMTimeout):
        return f"no answer within {timeout:g} s"
    if isinstance(err, LLMUnreachable):
        return "unreachable (connection failed)"
    if isinstance(err, LLMRateLimited):
        return "rate limited (HTTP 429)"
    if isinstance(err, LLMServerError):
        status = re.search(r"HTTP (\d+)", str(err))
        return f"HTTP {status.group(1)}" if status else "server error"
    if isinstance(err, LLMStreamTruncated):
        return "the stream ended early"
    if isinstance(err, LLMAuthError):
        return "rejected the API key"
    if isinstance(err, LLMModelNotFound):
        return "does not have the model"
    if isinstance(err, LLMContextTooLong):
        return "the prompt is longer than the model accepts"
    return f"answer is not the OpenAI API ({type(err).__name__})"


class _Closed(Exception):
    """close() was called from another thread: stop without a verdict on the endpoint."""


class ChainStream:
    """One request through the chain. Iterate for the deltas (like `TextStream`); after iteration:
    `text`, `usage`, `model`, `served_by` / `position` (which endpoint answered), `skipped`
    (``[(label, reason)]`` for the endpoints passed over), `cut` (the size cap or the deadline stopped
    it), `deadline_hit`, `cancelled`. `close()` may be called from another thread."""

    def __init__(self, chain: LLMChain, start: Callable[[ChainEndpoint, float, dict[str, Any]], TextStream], *,
                 accept: Callable[[str], str] | None, buffered: bool, last_resort: bool = False) -> None:
        self._chain = chain
        self._last_resort = last_resort
        self._start = start
        self._accept = accept
        self._buffered = buffered
        self._lock = threading.Lock()
        self._current: TextStream | None = None
        self._closed = False
        self._expired = False
        self._yielded = False
        self._parts: list[str] = []
        self.request_id = uuid.uuid4().hex[:12]
        self.skipped: list[tuple[str, str]] = []
        self.served_by = ""
        self.position: int | None = None
        self.model = chain.model
        self.usage: dict | None = None
        self.finish_reason: str | None = None
        self.cut = False
        self.deadline_hit = False
        self.cancelled = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __enter__(self) -> ChainStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            # Set before the (slow) socket shutdown: the iterating thread may finish first and read it.
            self.cancelled = not self.served_by
            current = self._current
        if current is not None:
            current.close()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            current = self._current
        if current is not None:
            current.close()

    def __iter__(self) -> Iterator[str]:
        deadline = self._chain.deadline
        ends = time.monotonic() + deadline if deadline else None
        timer = threading.Timer(deadline, self._expire) if deadline else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        outcome: dict[str, Any] = {"last": None, "tried": 0}
        try:
            for ep in self._chain.endpoints:
                if self._closed:
                    return
                allowed, why = ep.breaker.allow()
                if not allowed:
                    self.skipped.append((ep.label, why))
                    continue
                if (yield from self._run_endpoint(ep, ends, outcome)):
                    return
            if outcome["tried"] == 0 and self._last_resort and not self._closed:
                # Every endpoint is in its back-off, and a person is waiting for this answer: try the
                # first one anyway rather than answer with nothing.
                ep = self._chain.endpoints[0]
                self.skipped = [s for s in self.skipped if s[0] != ep.label]
                if (yield from self._run_endpoint(ep, ends, outcome)):
                    return
        finally:
            if timer is not None:
                timer.cancel()
        if not self._closed:
            raise self._all_failed(outcome["last"], outcome["tried"])

    def _run_endpoint(self, ep: ChainEndpoint, ends: float | None, outcome: dict[str, Any]) -> Iterator[str]:
        """Try one endpoint, with its retries, inside the deadline; returns True once it answered."""
        deadline = self._chain.deadline
        outcome["tried"] += 1
        attempts: list[str] = []
        retry_after = None
        for attempt in range(ep.settings.max_retries + 1):
            remaining = None if ends is None else ends - time.monotonic()
            if self._expired or (remaining is not None and remaining <= 0.05):
                attempts.append(f"not tried: the {deadline:g} s deadline had passed")
                break
            timeout = ep.settings.timeout if remaining is None else min(ep.settings.timeout, remaining)
            try:
                yield from self._attempt(ep, timeout)
            except _Closed:
                ep.breaker.release()
                return True
            except LLMError as err:
                if self._yielded:
                    ep.breaker.failure(describe_failure(err, timeout))
                    raise
                outcome["last"] = err
                attempts.append(f"stopped at the {deadline:g} s deadline" if self._expired
                                else describe_failure(err, timeout))
                retry_after = getattr(err, "retry_after", None)
                if not isinstance(err, RETRYABLE) or attempt == ep.settings.max_retries:
                    break
                pause = min(retry_after or RETRY_PAUSE_S * 2 ** attempt, 30.0)
                if ends is not None and time.monotonic() + pause >= ends:
                    attempts.append(f"no retry: the {deadline:g} s deadline would pass")
                    break
                time.sleep(pause)
                continue
            ep.breaker.success()
            self.served_by, self.position = ep.label, ep.position
            self._chain.last = {"servedBy": ep.label, "position": ep.position,
                                "skipped": [list(s) for s in self.skipped]}
            return True
        what = attempts[0] if len(attempts) == 1 else "; ".join(
            f"attempt {i}: {a}" for i, a in enumerate(attempts, 1))
        if isinstance(outcome["last"], RejectedAnswer):
            ep.breaker.release()  # it works, it just had nothing usable this time: no back-off
        else:
            ep.breaker.failure(what, retry_after)
        self.skipped.append((ep.label, what))
        return False

    def _attempt(self, ep: ChainEndpoint, timeout: float) -> Iterator[str]:
        extra = {"request_id": self.request_id, "chain_position": ep.position,
                 "skipped": "; ".join(f"{label}: {reason}" for label, reason in self.skipped)}
        stream = self._start(ep, timeout, extra)
        with self._lock:
            if self._closed or self._expired:
                stream.close()
                if self._closed:
                    raise _Closed
                raise self._deadline_error(ep)
            self._current = stream
        pending = ""
        try:
            for delta in stream:
                if self._buffered or (not self._yielded and not delta.strip()):
                    pending += delta  # nothing shown before the answer is known to be more than blanks
                    continue
                self._yielded = True
                self._parts.append(pending + delta)
                yield pending + delta
                pending = ""
        finally:
            with self._lock:
                self._current = None
        if stream.cancelled:
            if not self._expired:
                raise _Closed
            if not self._yielded:
                raise self._deadline_error(ep)
            self.deadline_hit = self.cut = True
        elif not self._yielded:
            if not pending.strip():
                raise RejectedAnswer("empty answer")
            problem = self._accept(pending) if self._accept else ""
            if problem:
                raise RejectedAnswer(problem)
            self._yielded = True
            self._parts.append(pending)
            yield pending
        self.usage, self.finish_reason, self.model = stream.usage, stream.finish_reason, stream.model
        self.cut = self.cut or stream.cut

    def _deadline_error(self, ep: ChainEndpoint) -> LLMTimeout:
        purpose = self._chain.purpose
        return LLMTimeout(f"The {purpose} endpoint {ep.label} did not answer before the "
                          f"{self._chain.deadline:g} s deadline. Check the server, or raise [{purpose}] "
                          f"{'deadline_ms' if purpose == 'completion' else 'deadline'}.")

    def _all_failed(self, last: Exception | None, tried: int) -> LLMError:
        what = "; ".join(f"{label}: {reason}" for label, reason in self.skipped)
        log = self._chain.log
        if log is not None:
            try:
                log.record(LogEntry(purpose=self._chain.purpose, endpoint="", model="", request={}, status="failed",
                                    error=what, request_id=self.request_id, skipped=what))
            except Exception:  # noqa: BLE001 - the log must never break a request
                pass
        if len(self._chain.endpoints) == 1 and tried == 1 and isinstance(last, LLMError) \
                and not isinstance(last, RejectedAnswer):
            # One endpoint: keep the specific error (its fix), plus what really happened.
            reason = self.skipped[0][1]
            if reason != describe_failure(last, self._chain.section.timeout):
                last.args = (f"{last} What happened: {reason}.",)
            return last
        return LLMChainFailed(f"Every {self._chain.purpose} endpoint failed: {what}. Run `codeassist doctor` "
                              f"to check them; [{self._chain.purpose}] fallbacks adds more.",
                              list(self.skipped))
