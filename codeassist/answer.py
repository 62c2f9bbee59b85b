"""Answering a question about the repository: retrieve, build context, render, stream. Reused by the
terminal (`codeassist ask` / `chat`) and the language server (chat panel, explain, docstring).

Follow-ups retrieve with the conversation in mind: the search query is the new question plus the
previous user question, so "and where is it called?" still finds the right code. History is kept
within ``[context] history_tokens`` (oldest turns dropped first). Citations stay true across turns: the
snippets of the earlier answers (`cited`) keep their numbers [1]..[n] in the follow-up's context, and
freshly retrieved code is numbered after them (at most 3/4 of the budget goes to the earlier snippets;
the oldest beyond that are dropped from the end, so kept numbers never shift).

The model is reached through the role's fallback chain (`codeassist.llm_chain`): the Answer says which
endpoint served it, which were skipped and whether it was cut (size cap or deadline).

With no chat model configured, `answer_question` raises LLMNotConfigured before doing any work; callers
fall back to showing the retrieved code (see `retrieve`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codeassist.context import Context, Snippet, Source, build_context, count_tokens, format_snippet
from codeassist.definition_context import definition_hits
from codeassist.errors import LLMNotConfigured
from codeassist.llm_chain import LLMChain
from codeassist.prompting import fence, render
from codeassist.redact import redact_text
from codeassist.redact_file import files_for, redact_hits
from codeassist.settings import Settings
from codeassist.streaming import read_stream

__all__ = ["Answer", "SelectionContext", "Source", "answer_question", "retrieval_query", "retrieve"]


@dataclass(slots=True)
class SelectionContext:
    """Code the user pointed at in an editor (explain / docstring / "ask about this")."""

    path: str
    start_line: int
    end_line: int
    text: str
    language: str = ""
    symbol: str = ""


@dataclass(slots=True)
class Answer:
    answer: str
    sources: list[Source] = field(default_factory=list)
    model: str | None = None
    usage: dict | None = None
    cancelled: bool = False
    # The context the answer was grounded on (for `/sources`, --json and the editor's source list).
    context: Context | None = None
    template: str = ""
    template_version: str = ""
    # Which endpoint of the chain answered ("base_url (model)"), and [(endpoint, why)] for the others.
    served_by: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # The answer stopped early: the size cap (server ignored max_tokens) or the deadline.
    cut: bool = False
    deadline_hit: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "sources": [s.to_json() for s in self.sources], "model": self.model,
                "usage": self.usage, "servedBy": self.served_by, "skipped": [list(s) for s in self.skipped],
                "cut": self.cut}

    @property
    def cut_note(self) -> str:
        """One line saying why the answer is incomplete, or ""."""
        if self.deadline_hit:
            return "(answer cut: the [chat] deadline passed before the model finished)"
        if self.cut:
            return (f"(answer cut at {len(self.answer):,} characters: the server did not stop at "
                    f"[context] answer_tokens)")
        return ""


def retrieval_query(question: str, history: list[dict] | None = None, selection: SelectionContext | None = None) -> str:
    """What to search for: the question, the previous user question, and the selected symbol/code."""
    parts = [question.strip()]
    previous = [m["content"] for m in (history or []) if m.get("role") == "user" and m.get("content")]
    if previous:
        parts.append(str(previous[-1]).strip())
    if selection is not None:
        parts.append(selection.symbol or selection.text[:1000])
    return "\n".join(p for p in parts if p)


def retrieve(question: str, *, searcher: Any, settings: Settings, history: list[dict] | None = None,
             selection: SelectionContext | None = None, redact: bool = True) -> Context:
    """The context for a question: search, drop what the selection already shows, fit the budget.

    With `redact` (the default: the context is for a model) every hit's text is redacted with its whole
    file in view (`codeassist.redact_file`); only a purely local display passes False."""
    hits = searcher.search(retrieval_query(question, history, selection), k=settings.search.k)
    if selection is not None:  # the selection itself is shown separately; do not repeat it as a snippet
        hits = [h for h in hits if not (h.path == selection.path and h.start_line >= selection.start_line
                                        and h.end_line <= selection.end_line)]
    hits = list(hits)
    hits += definition_hits(hits, searcher=searcher, selection=selection)  # one hop: what the code uses
    if redact:  # after the definitions joined: they are repository text too
        hits = redact_hits(hits, files_for(searcher))
    return build_context(list(hits), budget_tokens=settings.context.budget_tokens,
                         max_per_file=settings.search.max_hits_per_file)


def keep_cited(fresh: Context, cited: list[Snippet], budget: int) -> Context:
    """The earlier turns' snippets first, with their numbers, then the fresh ones that do not overlap them."""
    kept: list[Snippet] = []
    used = 0
    for snip in cited:
        cost = count_tokens(format_snippet(len(kept) + 1, snip)) + 2
        if kept and used + cost > budget * 3 // 4:
            break
        kept.append(snip)
        used += cost
    for snip in fresh.snippets:
        if any(k.path == snip.path and k.repo == snip.repo and k.start_line <= snip.end_line
               and snip.start_line <= k.end_line for k in kept):
            continue
        cost = count_tokens(format_snippet(len(kept) + 1, snip)) + 2
        if used + cost > budget:
            continue
        kept.append(snip)
        used += cost
    text = "\n\n".join(format_snippet(n, snip) for n, snip in enumerate(kept, start=1))
    return Context(kept, [s.source for s in kept], used, text, fresh.dropped)


def _trim_history(history: list[dict], budget: int) -> list[dict]:
    kept: list[dict] = []
    used = 0
    for message in reversed(history):
        cost = count_tokens(str(message.get("content", ""))) + 4
        if used + cost > budget:
            break
        kept.append({"role": message["role"], "content": message["content"]})
        used += cost
    kept.reverse()
    while kept and kept[0]["role"] != "user":  # never start mid-exchange
        kept.pop(0)
    return kept


def _clip(text: str, budget: int) -> str:
    if count_tokens(text) <= budget:
        return text
    # Keep the head: for a diff or a log, the beginning says what it is about. ~3 chars per token.
    cut = text[: budget * 3]
    return cut[: cut.rfind("\n") + 1 or len(cut)] + "… (cut to fit the context budget)\n"


def _prompt_variables(question: str, context: Context, extra_context: str | None,
                      selection: SelectionContext | None, settings: Settings) -> dict[str, str]:
    extra = ""
    if extra_context and extra_context.strip():
        # Redacted whole before it is clipped: the clip must not cut a key block away from its BEGIN line.
        extra = fence(_clip(redact_text(extra_context), settings.context.extra_tokens), "Extra context piped in by the user",
                      kind="user-provided data")
    selected = ""
    if selection is not None:
        label = f"Selected code {selection.path}:{selection.start_line}-{selection.end_line}"
        selected = fence(_clip(selection.text, settings.context.extra_tokens), label,
                         language=selection.language, kind="repository data")
    return {
        "question": question.strip(),
        "context": context.text or "(no repository snippets matched the question)",
        "extra": extra,
        "selection": selected,
        "language": (selection.language if selection else "") or "source",
    }


def answer_question(
    question: str,
    *,
    searcher: Any,
    settings: Settings,
    history: list[dict] | None = None,
    extra_context: str | None = None,
    selection: SelectionContext | None = None,
    template: str = "ask",
    on_delta: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    client: Any = None,
    cited: list[Snippet] | None = None,
) -> Answer:
    """Retrieve, render `template`, stream the model's answer (deltas to `on_delta`) and return it.

    `client`: an LLMChain or LLMClient (default: the [chat] chain). `cited`: the snippets earlier turns of
    the conversation were given (their `Answer.context.snippets`), kept under the same numbers.
    Raises LLMNotConfigured when no chat model is set, LLMChainFailed (or the one endpoint's LLMError)
    when every endpoint fails. Setting `cancel` closes the stream promptly; the partial answer comes back
    with cancelled=True.
    """
    if client is None:
        if not settings.chat.model:
            raise LLMNotConfigured("chat")
        client = LLMChain.from_settings(settings, "chat")
    elif not client.model:
        raise LLMNotConfigured(client.purpose)
    context = retrieve(question, searcher=searcher, settings=settings, history=history, selection=selection)
    if cited:
        context = keep_cited(context, cited, settings.context.budget_tokens)
    prompt = render(template, **_prompt_variables(question, context, extra_context, selection, settings))
    messages = list(prompt.messages or [{"role": "user", "content": prompt.text or ""}])
    past = _trim_history(history or [], settings.context.history_tokens)
    # History sits between the system message and the new question (which carries fresh context).
    cut = 1 if messages and messages[0]["role"] == "system" else 0
    messages = messages[:cut] + past + messages[cut:]

    if cancel is not None and cancel.is_set():
        return Answer("", context.sources, client.model, None, True, context, prompt.template, prompt.version)
    stream = client.chat_stream(messages, template=prompt.template, template_version=prompt.version,
                                max_tokens=settings.context.answer_tokens)
    read_stream(stream, on_delta=on_delta, cancel=cancel)
    return Answer(stream.text, context.sources, stream.model, stream.usage, stream.cancelled, context,
                  prompt.template, prompt.version, served_by=getattr(stream, "served_by", ""),
                  skipped=list(getattr(stream, "skipped", [])), cut=stream.cut,
                  deadline_hit=getattr(stream, "deadline_hit", False))
