"""Inline completion's context assembly (pure, no model call): the cursor's context, the definitions of
the names at the cursor, recent edits, search hits and similar windows of open tabs, fitted into the
snippet budget, redacted, and rendered as the FIM prompt. `lsp/completion.py` runs the request lifecycle
around it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codeassist.lsp.cursor_context import CursorContext, document_language, extract_cursor_context
from codeassist.lsp.definition_context import definition_snippets
from codeassist.lsp.fim import FimPrompt, Snippet, build_fim_prompt
from codeassist.lsp.neighbors import NeighborIndex
from codeassist.lsp.recent_edits import RecentEdits
from codeassist.lsp.term_stats import TermStats, compact_query
from codeassist.redact import redact
from codeassist.redact_file import files_for, line_offset, redact_slice

log = logging.getLogger(__name__)

SNIPPET_BUDGET_CHARS = 4500
SNIPPET_MAX_CHARS = 1200
INDEX_SNIPPETS = 3
NEIGHBOR_SNIPPETS = 2
# Snippets per source, in priority order: definitions of the names at the cursor first (what the user is
# calling), then recent edits in other files, search hits, and similar windows of other open documents.
SNIPPET_QUOTAS = {"definition": 12, "edit": 2, "index": INDEX_SNIPPETS, "open": NEIGHBOR_SNIPPETS}
MAX_NEIGHBOR_DOCUMENTS = 10


@dataclass(slots=True)
class CompletionRequest:
    uri: str
    path: str  # relative to the workspace root when inside it (what the prompt and the index call it)
    text: str
    line: int
    character: int  # index into the line as a Python string
    language: str | None = None


def with_selected_completion(req: CompletionRequest, start: int, end: int, text: str) -> CompletionRequest:
    """The request as if the completion item selected in the editor's popup were already inserted (LSP
    `selectedCompletionInfo`): `start`..`end` of the cursor's line replaced by `text`, cursor after it."""
    lines = req.text.split("\n")
    line = lines[req.line]
    lines[req.line] = line[:start] + text + line[end:]
    return CompletionRequest(req.uri, req.path, "\n".join(lines), req.line, start + len(text), req.language)


@dataclass(slots=True)
class AssembledContext:
    cursor: CursorContext
    snippets: list[Snippet]
    prompt: FimPrompt
    exclude: list[tuple[str, int, int]]
    seconds: float = 0.0


@dataclass(slots=True)
class CompletionOptions:
    """The knobs completion reads from the settings object (plus LSP-only options)."""

    model: str = ""
    fim_template: str = ""
    debounce_ms: int = 150
    deadline_ms: int = 2000
    max_tokens: int = 128
    retrieval_mode: str = "lexical"
    enabled: bool = True
    context_style: str = "comments"  # "comments" | "files" (repository-level FIM format where it exists)
    repo: str = ""

    @classmethod
    def from_settings(cls, settings: Any, **extra: Any) -> CompletionOptions:
        c = settings.completion
        return cls(model=c.model, fim_template=c.fim_template, debounce_ms=c.debounce_ms,
                   deadline_ms=c.deadline_ms, max_tokens=c.max_tokens, **extra)


def assemble_context(
    req: CompletionRequest,
    *,
    options: CompletionOptions,
    searcher: Any = None,
    neighbors: NeighborIndex | None = None,
    open_documents: list[tuple[str, str, object, str]] = (),
    term_stats: TermStats | None = None,
    read_file: Callable[[str], str | None] | None = None,
    recent_edits: RecentEdits | None = None,
) -> AssembledContext:
    """Everything but the model call: cursor context, definitions of the names at the cursor, recent
    edits, retrieved snippets, the prompt. `read_file(path)` gives a workspace file's text (definition
    bodies); `open_documents` are (uri, path, version, text), newest first."""
    started = time.perf_counter()
    ctx = extract_cursor_context(req.text, req.line, req.character, path=req.path, language=req.language)
    exclude = _visible_range(req, ctx)
    try:
        snippets: list[Snippet] = definition_snippets(ctx, req.text, index=searcher, path=req.path,
                                                      read_file=read_file)
    except Exception:  # noqa: BLE001 — a bug in definition lookup must not cost the completion
        log.exception("definition context failed for %s", req.path)
        snippets = []
    if recent_edits is not None:
        snippets += recent_edits.snippets(req.uri, list(open_documents))
    query = compact_query(ctx.query, term_stats=term_stats)
    if searcher is not None and query:
        try:
            # Excluded ranges are filtered here rather than by the index: asking the index to exclude
            # makes it fetch hundreds of candidates, and the typing path cannot afford that.
            hits = searcher.search(query, INDEX_SNIPPETS * 3, mode=options.retrieval_mode)
        except Exception as err:  # noqa: BLE001 — an index being rebuilt, locked or broken: complete without it
            log.info("retrieval skipped: %s", err)
            hits = []
        snippets += [Snippet(h.path, h.start_line, h.end_line, h.text, "index") for h in hits
                     if not any(p == h.path and s <= h.end_line and h.start_line <= e for p, s, e in exclude)]
    if neighbors is not None:
        same_language = [d for d in open_documents if d[0] != req.uri
                         and document_language(d[1]) in (None, req.language)]
        others = same_language[:MAX_NEIGHBOR_DOCUMENTS]
        query = "\n".join(ctx.previous_lines[-10:] + [ctx.line_prefix])
        snippets += [s for _, s in neighbors.similar(query, others, k=NEIGHBOR_SNIPPETS)]
    snippets = budget_snippets(_redacted_snippets(snippets, req, searcher, open_documents), ctx)
    prefix, suffix = redacted_prefix_suffix(req, ctx)
    stop = ["\n"] if not ctx.multiline else ["\n\n\n"]
    prompt = build_fim_prompt(model=options.model, prefix=prefix, suffix=suffix, snippets=snippets,
                              language=ctx.language, path=req.path, override=options.fim_template, stop=stop,
                              context_style=options.context_style, repo=options.repo)
    return AssembledContext(ctx, snippets, prompt, exclude, time.perf_counter() - started)


def redacted_prefix_suffix(req: CompletionRequest, ctx: CursorContext) -> tuple[str, str]:
    """The prompt's prefix and suffix, redacted as cuts of the whole document (a cursor inside a key
    block, or inside a token, still hides the secret; see `codeassist.redact_file`)."""
    cursor = line_offset(req.text, req.line + 1) + req.character
    start, end = cursor - len(ctx.prefix), cursor + len(ctx.suffix)
    if start >= 0 and req.text[start:cursor] == ctx.prefix and req.text[cursor:end] == ctx.suffix:
        return redact_slice(req.text, start, cursor), redact_slice(req.text, cursor, end)
    return redact(ctx.prefix).text, redact(ctx.suffix).text


def _redacted_snippets(snippets: list[Snippet], req: CompletionRequest, searcher: Any,
                       open_documents: list[tuple[str, str, object, str]]) -> list[Snippet]:
    """Snippets redacted with their whole files in view: the open buffer, else the file on disk."""
    if not snippets:
        return snippets
    buffers = {path: text for _, path, _, text in open_documents}
    buffers[req.path] = req.text
    files = files_for(searcher, open_text=buffers.get)
    return [Snippet(s.path, s.start_line, s.end_line, files.redact(s.text, s.path, s.start_line), s.source)
            for s in snippets]


def budget_snippets(snippets: list[Snippet], ctx: CursorContext, budget: int = SNIPPET_BUDGET_CHARS) -> list[Snippet]:
    """Dedupe (same file, overlapping lines; text already in the prefix/suffix) and cut to the budget,
    at most `SNIPPET_QUOTAS[source]` per source. The input is best-first (definitions, edits, index hits,
    open documents); the chosen ones are returned best-last (nearest the cursor)."""
    chosen: list[Snippet] = []
    used = 0
    visible = ctx.prefix + ctx.suffix
    quotas = dict(SNIPPET_QUOTAS)
    for snip in snippets:
        text = snip.text.strip("\n")
        if not text.strip() or text in visible:
            continue
        if any(c.path == snip.path and c.start_line <= snip.end_line and snip.start_line <= c.end_line
               for c in chosen):
            continue
        if quotas.get(snip.source, 0) <= 0:
            continue
        if len(text) > SNIPPET_MAX_CHARS:
            text = text[:SNIPPET_MAX_CHARS].rsplit("\n", 1)[0]
        if used + len(text) > budget:
            continue  # a smaller one further down may still fit
        quotas[snip.source] -= 1
        used += len(text)
        chosen.append(Snippet(snip.path, snip.start_line, snip.end_line, text, snip.source))
    return list(reversed(chosen))


def _visible_range(req: CompletionRequest, ctx: CursorContext) -> list[tuple[str, int, int]]:
    """The part of the current file the prompt already shows, plus the cursor's own chunk."""
    first = ctx.prefix_first_line
    last = ctx.line + 1 + ctx.suffix.count("\n")
    ranges = [(req.path, first, last)]
    if ctx.enclosing:
        ranges.append((req.path, *ctx.enclosing))
    return ranges


# -- the request lifecycle -------------------------------------------------------------------------------
