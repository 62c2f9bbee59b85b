"""Inline completion: context assembly (pure) and the request lifecycle (debounce, supersession, cache,
deadline, offline fallback).

    request -> cache hit? -> debounce -> context (cursor, retrieval, open tabs) -> FIM prompt -> model
            -> post-process -> suggestion          (model missing / failing / late -> fallback)

The model call runs in a worker thread; the event loop only awaits it, so typing never waits on the
network. A newer request for the same document closes the older one's stream (aborting its HTTP request).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from codeassist.errors import CodeassistError
from codeassist.lsp.completion_model import endpoint_starter, usable_answer
from codeassist.lsp.context_assembly import (  # noqa: F401  (re-exported: the request types live with the engine's callers)
    INDEX_SNIPPETS,
    MAX_NEIGHBOR_DOCUMENTS,
    NEIGHBOR_SNIPPETS,
    SNIPPET_BUDGET_CHARS,
    SNIPPET_MAX_CHARS,
    SNIPPET_QUOTAS,
    AssembledContext,
    CompletionOptions,
    CompletionRequest,
    assemble_context,
    budget_snippets,
    redacted_prefix_suffix,
    with_selected_completion,
)
from codeassist.lsp.fallback import fallback_completion
from codeassist.lsp.fim import FimPrompt, strip_chat_answer
from codeassist.lsp.neighbors import NeighborIndex
from codeassist.lsp.postprocess import postprocess
from codeassist.lsp.recent_edits import RecentEdits
from codeassist.lsp.term_stats import TermStats
from codeassist.lsp.validate import validate_suggestion

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Suggestion:
    text: str
    source: str  # "model" | "cache" | "fallback"
    line: int
    character: int
    prompt: FimPrompt | None = None



@dataclass
class _DocState:
    generation: int = 0
    stream: Any = None
    cache: tuple[str, str, str] | None = None  # (text before cursor, text after cursor, suggestion)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CompletionEngine:
    """One per server. `searcher(document key)` returns the Index of the document's folder (or None); `documents()`
    returns the open documents as (uri, path, version, text); `client_factory(settings)` an LLM client."""

    def __init__(
        self,
        *,
        settings: Callable[[], Any],
        options: Callable[[], CompletionOptions],
        searcher: Callable[[str], Any],
        documents: Callable[[], list[tuple[str, str, object, str]]],
        read_file: Callable[[str], str | None] | None = None,
        client_factory: Callable[[Any], Any] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._settings = settings
        self._options = options
        self._searcher = searcher
        self._documents = documents
        self._read_file = read_file
        self._client_factory = client_factory or _default_client
        self._on_error = on_error or (lambda err: None)
        self._states: dict[str, _DocState] = {}
        # Context assembly and the fallback are quick CPU work; model calls may hang on a slow endpoint
        # (until its timeout): separate pools, so hung calls never queue the next keystroke's context.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="completion-context")
        self._model_executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="completion-model")
        self.neighbors = NeighborIndex()
        self.recent_edits = RecentEdits()
        self.last_context: AssembledContext | None = None
        # Which endpoint of the completion chain served the last model request, and why others were skipped.
        self.last_chain: dict | None = None
        self._client_cache: tuple[Any, Any] | None = None
        self._term_stats: tuple[Any, TermStats] | None = None
        self._client_lock = threading.Lock()

    def close(self) -> None:
        for state in self._states.values():
            _close_stream(state)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._model_executor.shutdown(wait=False, cancel_futures=True)

    def forget(self, uri: str) -> None:
        state = self._states.pop(uri, None)
        if state:
            _close_stream(state)
        self.neighbors.forget(uri)
        self.recent_edits.forget(uri)

    async def complete(self, req: CompletionRequest) -> Suggestion | None:
        options = self._options()
        if not options.enabled:
            return None
        state = self._states.setdefault(req.uri, _DocState())
        with state.lock:
            state.generation += 1
            generation = state.generation
        _close_stream(state)  # the older request's HTTP stream, if any: superseded
        before, after = _split_at(req)
        cached = _from_cache(state.cache, before, after)
        if cached is not None:
            return Suggestion(cached, "cache", req.line, req.character)
        await asyncio.sleep(options.debounce_ms / 1000)
        if state.generation != generation:
            return None
        loop = asyncio.get_running_loop()
        searcher = self._searcher(req.uri)  # the index of the folder holding the document
        documents = self._documents()  # snapshot here, on the event loop that owns the documents
        try:
            assembled = await loop.run_in_executor(self._executor, self._assemble, req, options, searcher,
                                                   documents)
        except Exception:  # noqa: BLE001 — a bug in context assembly must not surface as an editor error
            log.exception("context assembly failed for %s", req.path)
            return None
        self.last_context = assembled
        if state.generation != generation:
            return None
        text, source = "", "model"
        if options.model:
            abandon = threading.Event()  # set when this request stops waiting: the worker drops its stream
            model_call = loop.run_in_executor(self._model_executor, self._run_model, assembled, state,
                                              generation, options, abandon)
            model_call.add_done_callback(self._report_late_error)
            try:
                raw, used, _ = await asyncio.wait_for(asyncio.shield(model_call), timeout=options.deadline_ms / 1000)
                if state.generation != generation:
                    return None
                # Post-processing and the syntax check (a parse or two, ~1 ms) run off the event loop.
                text = await loop.run_in_executor(self._executor, _finish_suggestion, raw, used, assembled, req)
                if state.generation != generation:
                    return None
            except TimeoutError:
                log.info("completion model missed the %d ms deadline; using the index", options.deadline_ms)
                abandon.set()
                _close_stream(state, generation)
                source = "fallback"
            except CodeassistError:
                source = "fallback"  # reported by _report_late_error
            except asyncio.CancelledError:
                abandon.set()
                _close_stream(state, generation)
                raise
        else:
            source = "fallback"
        if source == "fallback":
            text = await loop.run_in_executor(self._executor, self._fallback, assembled, searcher)
            if state.generation != generation:
                return None
        if not text:
            return None
        state.cache = (before, after, text)
        return Suggestion(text, source, req.line, req.character, assembled.prompt)

    def chain_status(self) -> dict:
        """``{"completionChain": [...], "lastCompletion": {...} | None}`` for codeassist/status."""
        client = self._client() if self._settings() is not None and self._options().model else None
        chain = client.describe() if hasattr(client, "describe") else []
        return {"completionChain": chain, "lastCompletion": self.last_chain}

    def _client(self) -> Any:
        """One LLM client per settings object (it holds the HTTP connection pool)."""
        settings = self._settings()
        with self._client_lock:
            if self._client_cache is None or self._client_cache[0] is not settings:
                self._client_cache = (settings, self._client_factory(settings))
            return self._client_cache[1]

    # -- worker-thread parts --------------------------------------------------------------------
    def _assemble(self, req: CompletionRequest, options: CompletionOptions, searcher: Any,
                  documents: list[tuple[str, str, object, str]]) -> AssembledContext:
        return assemble_context(req, options=options, searcher=searcher, neighbors=self.neighbors,
                                open_documents=documents, term_stats=self._term_stats_for(searcher),
                                read_file=self._read_file, recent_edits=self.recent_edits)

    def _term_stats_for(self, searcher: Any) -> TermStats | None:
        if not hasattr(searcher, "document_frequencies"):
            return None
        with self._client_lock:
            if self._term_stats is None or self._term_stats[0] is not searcher:
                self._term_stats = (searcher, TermStats(searcher))
            return self._term_stats[1]

    def _report_late_error(self, future: asyncio.Future) -> None:
        """Model errors reach the user even when the request already fell back (deadline passed)."""
        if not future.cancelled() and isinstance(future.exception(), CodeassistError):
            self._on_error(future.exception())

    def _run_model(self, assembled: AssembledContext, state: _DocState, generation: int,
                   options: CompletionOptions, abandon: threading.Event) -> tuple[str, FimPrompt, Any]:
        """(raw text, the prompt of the endpoint that answered, the chain stream) — through the completion
        chain: each endpoint gets the FIM prompt of its own model family."""
        def dropped() -> bool:
            return abandon.is_set() or state.generation != generation

        prompts: dict[int, FimPrompt] = {}
        start = endpoint_starter(assembled.cursor, assembled.snippets, assembled.prompt, options, prompts)
        stream = self._client().stream(start, accept=usable_answer, buffered=True)
        with state.lock:
            if dropped():
                stream.close()
                return "", assembled.prompt, stream
            state.stream = (generation, stream)
        parts: list[str] = []
        try:
            for delta in stream:
                parts.append(delta)
                if dropped():
                    break
        finally:
            with state.lock:
                if state.stream is not None and state.stream[0] == generation:
                    state.stream = None
            if dropped():
                stream.close()
            self.last_chain = {"servedBy": stream.served_by or None, "position": stream.position,
                               "skipped": [list(s) for s in stream.skipped]}
        return "".join(parts), prompts.get(stream.position or 0, assembled.prompt), stream

    def _fallback(self, assembled: AssembledContext, searcher: Any) -> str:
        if searcher is None:
            return ""
        try:
            return fallback_completion(assembled.cursor, searcher, exclude=assembled.exclude,
                                       read_file=self._read_file, term_stats=self._term_stats_for(searcher))
        except CodeassistError as err:
            log.info("fallback skipped: %s", err)
            return ""


def _finish_suggestion(raw: str, used: FimPrompt, assembled: AssembledContext, req: CompletionRequest) -> str:
    """The model's raw text as a suggestion: unwrapped (chat prompts), post-processed, syntax-checked."""
    if used.is_chat:
        raw = strip_chat_answer(raw)
    return validate_suggestion(postprocess(raw, assembled.cursor), req.text, req.line, req.character,
                               assembled.cursor.language)


def _close_stream(state: _DocState, generation: int | None = None) -> None:
    with state.lock:
        current = state.stream
        if current is None or (generation is not None and current[0] != generation):
            return
        state.stream = None
    try:
        current[1].close()
    except Exception:  # noqa: BLE001 — closing an already-broken stream must not fail the request
        log.debug("closing a completion stream failed", exc_info=True)


def _split_at(req: CompletionRequest) -> tuple[str, str]:
    lines = req.text.split("\n")
    line = lines[req.line] if req.line < len(lines) else ""
    before = "\n".join(lines[:req.line] + [line[:req.character]])
    after = "\n".join([line[req.character:]] + lines[req.line + 1:])
    return before, after


def _from_cache(cache: tuple[str, str, str] | None, before: str, after: str) -> str | None:
    """The rest of the last suggestion when the user typed its head; None when the cache does not apply."""
    if cache is None:
        return None
    old_before, old_after, suggestion = cache
    if after != old_after or not before.startswith(old_before):
        return None
    typed = before[len(old_before):]
    if not typed or not suggestion.startswith(typed) or typed == suggestion:
        return None  # nothing typed yet, typed something else, or took all of it: ask anew
    return suggestion[len(typed):]


def _default_client(settings: Any) -> Any:
    from codeassist.llm_chain import LLMChain

    return LLMChain.from_settings(settings, "completion")
