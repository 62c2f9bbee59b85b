"""Edit with an instruction: one region of a file rewritten by the chat model, validated before anything
is applied. Used by `codeassist edit` and by the language server's `codeassist.edit` command.

    request (file text, region, instruction, diagnostics) -> prompt: the selection, the file around it,
    definitions of the symbols it uses (symbol graph), retrieved snippets, diagnostics -> redacted ->
    chat model (streamed, cancellable) -> code extracted from any usual answer shape -> fitted to the
    selection -> validated (still parses; never writes a redaction placeholder) -> EditProposal

The region is replaced in the file's REAL text: secrets are redacted in what the model sees, while the
file keeps its real values everywhere outside the edited region.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codeassist.context import Source, build_context
from codeassist.edit_text import (
    EditRejected,
    Region,
    apply_replacement,
    extract_code,
    fit_to_selection,
    restore_redacted,
    trim_repeated_context,
    unified_diff,
)
from codeassist.errors import LLMNotConfigured
from codeassist.prompting import fence, render
from codeassist.redact import redact_text
from codeassist.redact_file import files_for, redact_hits, redact_slice
from codeassist.settings import Settings
from codeassist.streaming import read_stream

__all__ = ["DiagnosticNote", "EditProposal", "EditRejected", "EditRequest", "propose_edit"]

CONTEXT_LINES_BEFORE = 80
CONTEXT_LINES_AFTER = 40
MAX_DEFINITIONS = 8
_IDENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*[(.]")
_KEYWORDS = frozenset("if for while return print self this super elif else switch catch function def class "
                      "new await async yield lambda not and or in is with try except raise throw typeof "
                      "sizeof let const var fn func match case import from".split())
DEFAULT_FIX = "Fix the problems the diagnostics report, changing as little as possible."


@dataclass(frozen=True, slots=True)
class DiagnosticNote:
    """A diagnostic from any language server (or compiler output): it goes into the prompt verbatim."""

    message: str
    line: int = 0  # 1-based; 0 = unknown
    code: str = ""
    source: str = ""
    severity: str = ""

    def render(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        tags = ", ".join(t for t in (self.severity, self.source, f"code {self.code}" if self.code else "") if t)
        return f"- {where}{self.message}" + (f" ({tags})" if tags else "")


@dataclass(slots=True)
class EditRequest:
    path: str  # relative to the repository root (what the prompt and the index call it)
    text: str  # the whole file as the user sees it (the editor's buffer, or the file on disk)
    region: Region
    instruction: str
    language: str | None = None
    diagnostics: list[DiagnosticNote] = field(default_factory=list)


@dataclass(slots=True)
class EditProposal:
    path: str
    region: Region
    original: str  # the region's text before
    replacement: str  # the region's text after (the file's own line endings)
    new_text: str  # the whole file after
    diff: str
    sources: list[Source] = field(default_factory=list)
    model: str | None = None
    cancelled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.region.start_line, "end_line": self.region.end_line,
                "replacement": self.replacement, "diff": self.diff, "model": self.model,
                "sources": [s.to_json() for s in self.sources]}


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _definitions_block(req: EditRequest, searcher: Any, budget_chars: int = 4000) -> tuple[str, set[tuple]]:
    """Signatures and docs of what the selection calls, resolved through the file's imports (one hop)."""
    finder = getattr(searcher, "definitions", None)
    if finder is None:
        return "", set()
    selection = req.text[req.region.start:req.region.end]
    names = [n for n in dict.fromkeys(_IDENT.findall(selection)) if n not in _KEYWORDS][: MAX_DEFINITIONS * 2]
    parts, seen, used = [], set(), 0
    for name in names:
        try:
            found = finder(name, from_path=req.path, limit=1)
        except Exception:  # noqa: BLE001 — a missing graph or a locked index: edit without it
            return "", set()
        for d in found[:1]:
            inside = d.path == req.path and d.start_line >= req.region.start_line and d.end_line <= req.region.end_line
            key = (d.path, d.start_line)
            if inside or key in seen:
                continue
            text = d.signature.rstrip() + (f"\n{d.doc.strip()}" if d.doc.strip() else "")
            block = f"{d.path}:{d.start_line}-{d.end_line} {d.symbol}\n{text}\n"
            if used + len(block) > budget_chars:
                break
            seen.add(key)
            used += len(block)
            parts.append(block)
        if len(parts) >= MAX_DEFINITIONS:
            break
    if not parts:
        return "", seen
    return fence("\n".join(parts), "Definitions of what the selection uses"), seen


def build_edit_messages(req: EditRequest, *, searcher: Any, settings: Settings) -> tuple[list[dict], Any, Any]:
    """(chat messages, context of retrieved snippets, rendered prompt). Repository text is redacted over
    the whole file first (so a key block cut by the selection is still recognised), with line numbers kept."""
    text = _lf(req.text)
    start, end = len(_lf(req.text[: req.region.start])), len(_lf(req.text[: req.region.end]))
    redacted = redact_text(text)
    lines_r = redacted.split("\n")
    selection = redact_slice(text, start, end)  # as the whole file's redaction shows it
    before_start = max(0, req.region.start_line - 1 - CONTEXT_LINES_BEFORE)
    before = "\n".join(lines_r[before_start: req.region.start_line - 1])
    after = "\n".join(lines_r[req.region.end_line: req.region.end_line + CONTEXT_LINES_AFTER])
    language = req.language or "text"
    definitions, defined = _definitions_block(req, searcher)
    hits = []
    if searcher is not None:
        try:
            hits = list(searcher.search(f"{req.instruction}\n{selection[:1500]}", k=settings.search.k))
        except Exception:  # noqa: BLE001 — no index yet: the edit still has the file
            hits = []
    hits = [h for h in hits if not (h.path == req.path and h.start_line <= req.region.end_line + CONTEXT_LINES_AFTER
                                    and h.end_line >= before_start + 1)
            and (h.path, h.start_line) not in defined]
    # Retrieved chunks are redacted as cuts of their whole files (codeassist.redact_file), like ask's.
    context = build_context(redact_hits(hits, files_for(searcher)), budget_tokens=settings.context.budget_tokens // 2,
                            max_per_file=settings.search.max_hits_per_file)
    diagnostics = ""
    if req.diagnostics:
        diagnostics = fence("\n".join(d.render() for d in req.diagnostics), "Diagnostics reported for this code",
                            kind="tool output")
    prompt = render(
        "edit",
        path=req.path, language=language, instruction=req.instruction.strip(),
        start_line=str(req.region.start_line), end_line=str(req.region.end_line),
        before=fence(before, f"File before the selection (lines {before_start + 1}-{req.region.start_line - 1})",
                     language=language) if before else "(the selection starts the file)",
        selection=fence(selection, f"Selected lines {req.region.start_line}-{req.region.end_line}", language=language),
        after=fence(after, f"File after the selection (from line {req.region.end_line + 1})", language=language)
        if after.strip() else "(the selection ends the file)",
        definitions=definitions, context=context.text or "(none)", diagnostics=diagnostics,
    )
    messages = list(prompt.messages or [{"role": "user", "content": prompt.text or ""}])
    return messages, context, prompt


def propose_edit(
    req: EditRequest,
    *,
    searcher: Any,
    settings: Settings,
    client: Any = None,
    on_delta: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> EditProposal:
    """Ask the chat model for the region's new text and validate it.

    Raises LLMNotConfigured (no chat model), LLMError subclasses (endpoint failures) and EditRejected
    (the answer does not parse, breaks the file's syntax or would write a redaction placeholder; its
    `proposed` holds the model's text). A set `cancel` stops the stream; the proposal then has
    cancelled=True and nothing to apply."""
    from codeassist.llm_chain import LLMChain

    if client is None:
        if not settings.chat.model:
            raise LLMNotConfigured("chat")
        client = LLMChain.from_settings(settings, "chat")  # the [chat] fallback chain
    messages, context, prompt = build_edit_messages(req, searcher=searcher, settings=settings)
    original = req.text[req.region.start:req.region.end]
    if cancel is not None and cancel.is_set():
        return EditProposal(req.path, req.region, original, original, req.text, "", context.sources,
                            client.model, cancelled=True)
    stream = client.chat_stream(messages, template=prompt.template, template_version=prompt.version,
                                max_tokens=settings.context.answer_tokens, temperature=0.0)
    read_stream(stream, on_delta=on_delta, cancel=cancel)
    if stream.cancelled or (cancel is not None and cancel.is_set()):
        return EditProposal(req.path, req.region, original, original, req.text, "", context.sources,
                            stream.model, cancelled=True)
    replacement = replacement_from_answer(stream.text, req)
    new_text = apply_replacement(req.text, req.region, replacement, req.language)
    return EditProposal(req.path, req.region, original, replacement, new_text,
                        unified_diff(req.text, new_text, req.path), context.sources, stream.model)


def replacement_from_answer(answer: str, req: EditRequest) -> str:
    """The region's new text from a model answer in any usual shape, in the file's line endings."""
    crlf = "\r\n" in req.text
    text = _lf(req.text)
    start = len(_lf(req.text[: req.region.start]))
    end = len(_lf(req.text[: req.region.end]))
    selection, before, after = text[start:end], text[:start], text[end:]
    code = extract_code(_lf(answer))
    code = trim_repeated_context(code, before, after, selection)
    code = fit_to_selection(code, selection, starts_line=start == 0 or text[start - 1] == "\n")
    code = restore_redacted(code, selection, redact_slice(text, start, end))  # what the model saw
    return code.replace("\n", "\r\n") if crlf else code
