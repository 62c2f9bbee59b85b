"""Answering a question about the repository: retrieve, build context, render, stream. Reused by the
terminal (`codeassist ask` / `chat`) and the language server (chat panel, explain, docstring).

Follow-ups retrieve with the conversation in mind: the search query is the new question plus the
previous user question, so "and where is it called?" still finds the right code. History is kept
within ``[context] history_tokens`` (oldest turns dropped first).

With no chat model configured, `answer_question` raises LLMNotConfigured before doing any work; callers
fall back to showing the retrieved code (see `retrieve`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codeassist.context import Context, Source, build_context, count_tokens
from codeassist.definition_context import definition_hits
from codeassist.errors import LLMNotConfigured
from codeassist.llm import LLMClient
from codeassist.prompting import fence, render
from codeassist.promptlog import PromptLog
from codeassist.settings import Settings

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

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "sources": [s.to_json() for s in self.sources], "model": self.model,
                "usage": self.usage}


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
             selection: SelectionContext | None = None) -> Context:
    hits = searcher.search(retrieval_query(question, history, selection), k=settings.search.k)
    if selection is not None:  # the selection itself is shown separately; do not repeat it as a snippet
        hits = [h for h in hits if not (h.path == selection.path and h.start_line >= selection.start_line
                                        and h.end_line <= selection.end_line)]
    hits = list(hits)
    hits += definition_hits(hits, searcher=searcher, selection=selection)  # one hop: what the code uses
    return build_context(hits, budget_tokens=settings.context.budget_tokens,
                         max_per_file=settings.search.max_hits_per_file)


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
        extra = fence(_clip(extra_context, settings.context.extra_tokens), "Extra context piped in by the user",
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
    client: LLMClient | None = None,
) -> Answer:
    """Retrieve, render `template`, stream the model's answer (deltas to `on_delta`) and return it.

    Raises LLMNotConfigured when no chat model is set and other LLMError subclasses when the endpoint
    fails. Setting `cancel` closes the stream promptly; the partial answer comes back with cancelled=True.
    """
    if client is None:
        if not settings.chat.model:
            raise LLMNotConfigured("chat")
        client = LLMClient(settings.chat, purpose="chat", log=PromptLog.from_settings(settings))
    elif not client.model:
        raise LLMNotConfigured(client.purpose)
    context = retrieve(question, searcher=searcher, settings=settings, history=history, selection=selection)
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
    finished = threading.Event()
    if cancel is not None:
        # close() from another thread unblocks a read that is waiting on the network.
        def watch() -> None:
            while not finished.is_set():
                if cancel.wait(0.02):
                    stream.close()
                    return

        threading.Thread(target=watch, name="codeassist-cancel", daemon=True).start()
    try:
        with stream:
            for delta in stream:
                if on_delta is not None:
                    on_delta(delta)
                if cancel is not None and cancel.is_set():
                    stream.close()
                    break
    finally:
        finished.set()
    return Answer(stream.text, context.sources, stream.model, stream.usage, stream.cancelled, context,
                  prompt.template, prompt.version)
