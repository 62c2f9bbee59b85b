"""The LLM client: the only module in ``codeassist`` that imports ``openai``.

One ``openai.OpenAI`` client per endpoint (base_url, key, timeout, max_retries from the settings),
created on first use. Both request kinds stream: chat (``/v1/chat/completions``) and text completions
(``/v1/completions``, used by FIM). Usage is requested with ``stream_options.include_usage``.

Every message and prompt passes `codeassist.redact.redact` before it leaves the process. The rule is
"always", local endpoint or not: it is the simplest rule that no caller can get wrong, it costs a few ms,
and "local" base URLs are often tunnels or shared boxes.

openai exceptions become `codeassist.errors.LLMError` subclasses whose message says what to do. A stream
that ends without a ``finish_reason`` is reported as truncated (openai does not raise on it).
Each request is written to the prompt log (when one is given) once it has finished, failed or been closed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import openai

from codeassist.errors import (
    LLMAuthError,
    LLMContextTooLong,
    LLMError,
    LLMMalformedResponse,
    LLMModelNotFound,
    LLMNotConfigured,
    LLMRateLimited,
    LLMServerError,
    LLMStreamTruncated,
    LLMTimeout,
    LLMUnreachable,
)
from codeassist.llm_wire import compatible_params, retry_after, server_message, shutdown_socket
from codeassist.promptlog import LogEntry, PromptLog
from codeassist.redact import redact, redact_text
from codeassist.settings import EndpointSettings

# Local servers (Ollama, llama.cpp) ignore the key, but the openai client insists on one.
_PLACEHOLDER_KEY = "no-key"


# A streamed answer stops being read past this many characters per token of its max_tokens budget:
# generous for real text (code averages 3-4), tight enough that a server ignoring max_tokens cannot flood.
CHARS_PER_TOKEN_CAP = 6


class LLMClient:
    """One OpenAI-compatible endpoint. `redact_prompts=False` only for a loopback endpoint the user marked
    local and allowed unredacted text (see `codeassist.llm_chain`); everything else is redacted."""

    def __init__(self, endpoint: EndpointSettings, *, purpose: str = "chat", log: PromptLog | None = None,
                 redact_prompts: bool = True) -> None:
        self.endpoint = endpoint
        self.purpose = purpose
        self.model: str = endpoint.model
        self.log = log
        self.redact_prompts = redact_prompts
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    def _clean(self, text: str) -> str:
        return redact(text).text if self.redact_prompts else text

    # -- plumbing ---------------------------------------------------------------------------
    def _openai(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                self._client = openai.OpenAI(
                    base_url=self.endpoint.base_url or None,
                    api_key=self.endpoint.api_key or _PLACEHOLDER_KEY,
                    timeout=self.endpoint.timeout,
                    max_retries=self.endpoint.max_retries,
                )
            return self._client

    def _require_model(self) -> None:
        if not self.model:
            raise LLMNotConfigured(self.purpose)

    def _env(self, key: str) -> str:
        return f"CODEASSIST_{self.purpose.upper()}_{key.upper()}"

    # -- requests ---------------------------------------------------------------------------
    def chat_stream(
        self,
        messages: list[dict],
        *,
        template: str = "",
        template_version: str = "",
        max_tokens: int | None = None,
        temperature: float = 0.2,
        stop: list[str] | None = None,
        timeout: float | None = None,
        log_extra: dict[str, Any] | None = None,
    ) -> TextStream:
        """Stream a chat answer. `timeout` (s) replaces the endpoint's for this request and turns off the
        openai client's own retries (the fallback chain does them, inside its deadline)."""
        self._require_model()
        clean = [{**m, "content": self._clean(m["content"])} if isinstance(m.get("content"), str) else m
                 for m in messages]
        params: dict[str, Any] = {"model": self.model, "messages": clean, "temperature": temperature}
        if max_tokens:
            params["max_tokens"] = max_tokens
        if stop:
            params["stop"] = stop
        return self._start("chat", params, template, template_version,
                           lambda p: self._openai_for(timeout).chat.completions.create(**p), max_tokens, log_extra)

    def complete_stream(
        self,
        prompt: str,
        *,
        suffix: str | None = None,
        template: str = "",
        template_version: str = "",
        max_tokens: int = 128,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        timeout: float | None = None,
        log_extra: dict[str, Any] | None = None,
    ) -> TextStream:
        """Stream a text completion (FIM); `timeout` as in `chat_stream`."""
        self._require_model()
        params: dict[str, Any] = {"model": self.model, "prompt": self._clean(prompt),
                                  "max_tokens": max_tokens, "temperature": temperature}
        if suffix is not None:
            params["suffix"] = self._clean(suffix)
        if stop:
            params["stop"] = stop
        return self._start("completion", params, template, template_version,
                           lambda p: self._openai_for(timeout).completions.create(**p), max_tokens, log_extra)

    def _openai_for(self, timeout: float | None) -> openai.OpenAI:
        client = self._openai()
        return client if timeout is None else client.with_options(timeout=max(timeout, 0.05), max_retries=0)

    def list_models(self, *, timeout: float | None = None) -> list[str]:
        client = self._openai()
        if timeout is not None:
            client = client.with_options(timeout=timeout, max_retries=0)
        try:
            return [model.id for model in client.models.list()]
        except openai.APIError as err:
            raise self.map_error(err) from None
        except (ValueError, AttributeError, TypeError) as err:
            raise self._malformed(err) from None

    def _start(self, kind: str, params: dict[str, Any], template: str, version: str,
               create: Callable[[dict[str, Any]], Any], max_tokens: int | None,
               log_extra: dict[str, Any] | None) -> TextStream:
        # The log stores redacted text even when a local endpoint was sent the original.
        logged = params if self.redact_prompts else _redacted_params(params)
        entry = LogEntry(purpose=self.purpose, endpoint=redact_text(self.endpoint.base_url), model=self.model,
                         request={k: v for k, v in logged.items() if k != "model"},
                         template=template, template_version=version, **(log_extra or {}))
        started = time.monotonic()
        params = {**params, "stream": True, "stream_options": {"include_usage": True}}
        try:
            try:
                raw = create(params)
            except openai.BadRequestError as err:
                retry = compatible_params(params, str(err))
                if retry is None:
                    raise
                raw = create(retry)
        except openai.APIError as err:
            mapped = self.map_error(err)
            self._record(entry, started, status="error", error=str(mapped))
            raise mapped from None
        cap = max_tokens * CHARS_PER_TOKEN_CAP if max_tokens else None
        return TextStream(self, kind, raw, entry, started, max_chars=cap)

    def _record(self, entry: LogEntry, started: float, **values: Any) -> None:
        if self.log is None:
            return
        entry.latency_ms = int((time.monotonic() - started) * 1000)
        for key, value in values.items():
            setattr(entry, key, value)
        try:
            self.log.record(entry)
        except Exception:  # noqa: BLE001 - the log must never break a request
            pass

    # -- errors -----------------------------------------------------------------------------
    def map_error(self, err: Exception) -> LLMError:
        """Turn an openai exception into a domain error whose message says what to do."""
        where = f"The {self.purpose} endpoint {self.endpoint.base_url}"
        if isinstance(err, openai.APITimeoutError):
            return LLMTimeout(
                f"{where} did not answer within {self.endpoint.timeout:g} s. Check that the server is not "
                f"overloaded, or raise [{self.purpose}] timeout (env {self._env('timeout')})."
            )
        if isinstance(err, openai.APIConnectionError):
            cause = err.__cause__ or err.__context__
            detail = f" ({type(cause).__name__})" if cause else ""
            return LLMUnreachable(
                f"Cannot reach the {self.purpose} endpoint at {self.endpoint.base_url}{detail}. Start the "
                f"server, or fix [{self.purpose}] base_url (env {self._env('base_url')} or OPENAI_BASE_URL)."
            )
        if isinstance(err, openai.APIResponseValidationError):
            return self._malformed(err)
        if not isinstance(err, openai.APIStatusError):
            return self._malformed(err)
        status = err.status_code
        server_says = server_message(err)
        if status in (401, 403):
            return LLMAuthError(
                f"{where} rejected the API key (HTTP {status}: {server_says}). Set OPENAI_API_KEY, or "
                f"{self._env('api_key')}, or [{self.purpose}] api_key_env = \"NAME_OF_YOUR_KEY_VARIABLE\"."
            )
        if status == 404:
            return LLMModelNotFound(f"{where} has no model '{self.model}' (HTTP 404). {self._model_hint()}")
        if status == 429:
            wait = retry_after(err)
            when = f"in {wait:g} s" if wait is not None else "in a minute"
            return LLMRateLimited(
                f"{where} is rate limiting requests (HTTP 429, after {self.endpoint.max_retries} retries): "
                f"{server_says}. Try again {when}, or raise [{self.purpose}] max_retries.",
                wait,
            )
        code = str(getattr(err, "code", "") or "")
        lowered = server_says.lower()
        if status in (400, 413) and (code == "context_length_exceeded" or "context length" in lowered
                                     or "maximum context" in lowered or "too long" in lowered):
            return LLMContextTooLong(
                f"The prompt is longer than model '{self.model}' accepts ({server_says}). Lower [context] "
                f"budget_tokens (env CODEASSIST_CONTEXT_BUDGET_TOKENS) or retrieve fewer snippets with -k."
            )
        return LLMServerError(
            f"{where} failed with HTTP {status}: {server_says}. Try again; if it persists, check the "
            f"server's logs and the model name '{self.model}'."
        )

    def _malformed(self, err: Exception) -> LLMMalformedResponse:
        return LLMMalformedResponse(
            f"The {self.purpose} endpoint {self.endpoint.base_url} sent a response that is not the OpenAI API "
            f"({type(err).__name__}: {str(err)[:120]}). Check that base_url points at an OpenAI-compatible "
            f"server and ends with /v1."
        )

    def _model_hint(self) -> str:
        try:
            available = self.list_models(timeout=3)
        except LLMError:
            return (f"Check the model name ({self._env('model')}) and that base_url ends with the API root "
                    f"(usually /v1).")
        shown = ", ".join(available[:15]) + (" …" if len(available) > 15 else "")
        return (f"Available models: {shown or 'none'}. Set [{self.purpose}] model "
                f"(env {self._env('model')}) to one of them.")


def _redacted_params(params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if isinstance(out.get("prompt"), str):
        out["prompt"] = redact(out["prompt"]).text
    if isinstance(out.get("suffix"), str):
        out["suffix"] = redact(out["suffix"]).text
    if isinstance(out.get("messages"), list):
        out["messages"] = [{**m, "content": redact(m["content"]).text} if isinstance(m.get("content"), str)
                           else m for m in out["messages"]]
    return out


class TextStream:
    """The text of one streamed answer. Iterate (inside ``with``) for the deltas, in order.

    `close()` aborts the HTTP request and may be called from another thread; iteration then stops
    at the next chunk boundary and `cancelled` is true. Past `max_chars` characters the stream stops
    reading (the server ignored max_tokens): the text is cut there and `cut` is true.
    """

    def __init__(self, client: LLMClient, kind: str, raw: Any, entry: LogEntry, started: float,
                 max_chars: int | None = None) -> None:
        self._client = client
        self._kind = kind
        self._raw = raw
        self._entry = entry
        self._started = started
        self._first_token: float | None = None
        self._parts: list[str] = []
        self._closed = False
        self._done = False
        self._finish_lock = threading.Lock()
        self.usage: dict | None = None
        self.finish_reason: str | None = None
        self.cancelled = False
        self.cut = False
        self.max_chars = max_chars
        self._size = 0
        self.model: str = client.model
        self.endpoint: str = client.endpoint.base_url

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __enter__(self) -> TextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self._done:
            self.cancelled = True
        if not self._done:
            shutdown_socket(self._raw)
        try:
            self._raw.close()
        except Exception:  # noqa: BLE001 - closing a half-dead connection may fail; it is closed either way
            pass
        if not self._done:
            self._finish("cancelled")

    def __iter__(self) -> Iterator[str]:
        try:
            for chunk in self._raw:
                if self._closed:
                    break
                yield from self._take(chunk)
                if self.cut:
                    self._stop_reading()
                    return
        except openai.APIError as err:
            if self._closed:
                return
            self._fail(self._client.map_error(err))
        except (ValueError, AttributeError, TypeError) as err:
            if self._closed:
                return
            self._fail(self._client._malformed(err))
        except Exception:
            if self._closed:  # the connection was torn down under us by close()
                return
            raise
        if self._closed:
            return
        if self.finish_reason is None:
            if not self._parts and self.usage is None:
                self._fail(self._client._malformed(ValueError("the stream carried no events")))
            self._fail(LLMStreamTruncated(
                f"The {self._client.purpose} endpoint {self._client.endpoint.base_url} ended the stream "
                f"early (no finish_reason after {len(self.text)} characters). The answer is incomplete: "
                f"try again; if it keeps happening, check the server or any proxy in between."
            ))
        self._finish("ok")

    def _take(self, chunk: Any) -> Iterator[str]:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                          "total_tokens": usage.total_tokens}
        for choice in chunk.choices or []:
            if self._kind == "chat":
                piece = choice.delta.content if choice.delta is not None else None
            else:
                piece = choice.text
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
            if piece:
                if self._first_token is None:
                    self._first_token = time.monotonic()
                if self.max_chars is not None and self._size + len(piece) > self.max_chars:
                    piece = piece[: self.max_chars - self._size]
                    self.cut = True
                self._size += len(piece)
                if piece:
                    self._parts.append(piece)
                    yield piece
                if self.cut:
                    return

    def _stop_reading(self) -> None:
        """Past the size cap: log the cut answer as finished and drop the connection."""
        self.finish_reason = "client_size_cap"
        self._finish("ok")
        self._closed = True
        shutdown_socket(self._raw)
        try:
            self._raw.close()
        except Exception:  # noqa: BLE001 - the connection is being dropped on purpose
            pass

    def _fail(self, error: LLMError) -> None:
        self._finish("error", str(error))
        raise error

    def _finish(self, status: str, error: str = "") -> None:
        with self._finish_lock:  # close() from another thread may race the iterating thread
            if self._done:
                return
            self._done = True
        first = int((self._first_token - self._started) * 1000) if self._first_token else None
        self._client._record(
            self._entry, self._started, response=self.text, status=status, error=error,
            first_token_ms=first, finish_reason=self.finish_reason,
            prompt_tokens=(self.usage or {}).get("prompt_tokens"),
            completion_tokens=(self.usage or {}).get("completion_tokens"),
        )
