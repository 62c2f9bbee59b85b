"""`codeassist/ask`, explain and docstring generation in the editor: the glue between LSP params and
`codeassist.answer.answer_question`.

Owns the conversations (history per conversationId), the params check (every URI must lie inside the
workspace), streaming (deltas forwarded in order as `codeassist/answerDelta` notifications) and
cancellation (a cancelled request sets the event that closes the model stream, aborting the HTTP request).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeassist.errors import CodeassistError, LLMNotConfigured
from codeassist.lsp.actions import cursor_span, resolve_workspace_path
from codeassist.lsp.cursor_context import document_language
from codeassist.redact_file import line_offset, redact_lines, redact_slice

MAX_TURNS = 20
MAX_CONVERSATIONS = 100
# Chat requests (ask, explain, docstrings) answered at once; more wait for a slot. Cheap requests
# (status, find similar) run on their own pool and never wait behind these.
MAX_CHAT_REQUESTS = 4
# The editor selection sent with a question, in characters: far above what a prompt keeps of it ([context]
# extra_tokens, ~3 characters a token), so only a selection of megabytes is cut, before it is redacted.
MAX_SELECTION_CHARS = 400_000


# A question waiting for a chat slot spends its own deadline: the [chat] deadline bounds the whole request
# from its arrival, the wait included. With less than this left once a slot frees, it is not sent at all.
MIN_MODEL_SECONDS = 0.5


class InvalidParams(CodeassistError):
    exit_code = 2


class ChatBusy(CodeassistError):
    """Every chat slot stayed busy until (nearly) the whole [chat] deadline had passed: not sent."""


@asynccontextmanager
async def chat_slot(slots: asyncio.Semaphore, settings: Any, arrived: float) -> AsyncIterator[Any]:
    """Hold one of the MAX_CHAT_REQUESTS slots for a request that arrived at `arrived` (time.monotonic()
    seconds). Yields `settings` with the [chat] deadline cut by the time spent waiting; raises ChatBusy
    when less than MIN_MODEL_SECONDS of it is left."""
    deadline = settings.chat.deadline

    def busy() -> ChatBusy:
        return ChatBusy(f"All {MAX_CHAT_REQUESTS} chat slots were busy for {time.monotonic() - arrived:.1f} s of "
                        f"the {deadline:g} s [chat] deadline, so the question was not sent. Try again, or cancel "
                        "the questions still waiting for the model.")

    try:  # asyncio.timeout, not wait_for: 3.11's wait_for drops a cancellation that races the acquire
        async with asyncio.timeout(max(0.0, deadline - (time.monotonic() - arrived))):
            await slots.acquire()
    except TimeoutError:
        raise busy() from None
    try:
        left = deadline - (time.monotonic() - arrived)
        if left < MIN_MODEL_SECONDS:
            raise busy()
        yield dataclasses.replace(settings, chat=dataclasses.replace(settings.chat, deadline=left))
    finally:
        slots.release()


@dataclass(slots=True)
class AskRequest:
    question: str
    conversation_id: str
    uri: str | None = None
    path: Path | None = None  # resolved, inside the workspace
    range: dict | None = None  # LSP Range as JSON
    position: dict | None = None  # LSP Position as JSON: the cursor, when nothing is selected


@dataclass(slots=True)
class Selection:
    """The code a request points at, already redacted."""

    rel_path: str
    start_line: int  # 1-based inclusive
    end_line: int
    text: str
    language: str


@dataclass
class Conversations:
    """History per conversation id: alternating user/assistant messages, newest last."""

    histories: dict[str, list[dict]] = field(default_factory=dict)
    # The snippets the conversation's answers were grounded on, in citation order: a follow-up keeps
    # them under the same numbers, so "[1]" in an earlier answer still points at the same code.
    cited: dict[str, list] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def history(self, conversation_id: str) -> list[dict]:
        with self.lock:
            return list(self.histories.get(conversation_id, []))

    def snippets(self, conversation_id: str) -> list:
        with self.lock:
            return list(self.cited.get(conversation_id, []))

    def record(self, conversation_id: str, question: str, answer: str, snippets: list | None = None) -> None:
        with self.lock:
            if snippets is not None:
                self.cited[conversation_id] = list(snippets)
            turns = self.histories.pop(conversation_id, [])  # re-inserted last: dicts keep recency order
            turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            del turns[: max(0, len(turns) - 2 * MAX_TURNS)]
            self.histories[conversation_id] = turns
            while len(self.histories) > MAX_CONVERSATIONS:
                oldest = next(iter(self.histories))
                del self.histories[oldest]
                self.cited.pop(oldest, None)


def parse_ask_params(params: Any, root: Path, *, default_question: str = "") -> AskRequest:
    """Validate `{question, textDocument?, range?, conversationId?}`; refuses URIs outside the workspace."""
    data = params_dict(params)
    question = data.get("question") or default_question
    if not isinstance(question, str) or not question.strip():
        raise InvalidParams("codeassist/ask needs a non-empty 'question' string.")
    conversation_id = data.get("conversationId") or uuid.uuid4().hex
    if not isinstance(conversation_id, str):
        raise InvalidParams("'conversationId' must be a string.")
    doc = data.get("textDocument")
    uri = doc.get("uri") if isinstance(doc, dict) else None
    if doc is not None and not isinstance(uri, str):
        raise InvalidParams("'textDocument' must be {uri: string}.")
    path = resolve_workspace_path(uri, root) if uri else None
    rng = data.get("range")
    if rng is not None and not valid_range(rng):
        raise InvalidParams("'range' must be an LSP Range {start: {line, character}, end: {line, character}}.")
    position = data.get("position")
    if position is not None and not valid_range({"start": position, "end": position}):
        raise InvalidParams("'position' must be an LSP Position {line, character}.")
    return AskRequest(question.strip(), conversation_id, uri, path, rng, position)


def selected_lines(text: str, rng: dict | None, position: dict | None, language: str | None) -> tuple[int, int]:
    """The lines (0-based, inclusive) a request is about: a selection's lines (whole lines; one ending at
    column 0 stops at the line before); for a bare cursor (an empty range or a position) the enclosing
    declaration or a window around it; with neither, a window at the top of the file -- never the whole
    file cut wherever the prompt budget ends."""
    if rng is not None and rng["start"] != rng["end"]:
        start, end = rng["start"]["line"], rng["end"]["line"]
        if end > start and rng["end"]["character"] == 0:
            end -= 1
        return start, end
    cursor = rng["start"] if rng is not None else position
    return cursor_span(text, cursor["line"] if cursor else 0, language)


def selection_from(text: str, rel_path: str, start: int, end: int, language_id: str | None = None) -> Selection:
    """Lines `start`..`end` (0-based, inclusive; clamped to the text), redacted, labelled 1-based. A selection
    over MAX_SELECTION_CHARS is cut at the last whitespace before that many characters (never inside a
    token, so no part of a secret is left unredacted) and ends with a note; `end_line` is where it stops."""
    lines = text.split("\n")
    start = max(0, min(start, len(lines) - 1))
    end = max(start, min(end, len(lines) - 1))
    language = document_language(rel_path, language_id) or ""
    first = line_offset(text, start + 1)
    if sum(len(line) + 1 for line in lines[start:end + 1]) > MAX_SELECTION_CHARS:
        limit = first + MAX_SELECTION_CHARS
        cut = max(text.rfind(c, first, limit) for c in " \t\n")
        cut = cut if cut > first else first
        body = redact_slice(text[:cut], first, cut)  # redacted as a cut of the document up to there
        note = f"\n… (the selection was cut at {cut - first} of its characters)"
        return Selection(rel_path, start + 1, start + 1 + text.count("\n", first, cut), body + note, language)
    # Redacted as a cut of the whole document: a range that starts inside a key block is still a key.
    body = redact_lines(text, start + 1, end + 1)
    return Selection(rel_path, start + 1, end + 1, body, language)


def source_json(source: Any, root: Path) -> dict:
    """A cited source as {uri, range, symbol}: whole lines start..end, the end at the last line's end."""
    path = (root / source.path).resolve()
    end_character = 0
    try:
        lines = path.read_text("utf-8", errors="replace").split("\n")
        end_character = len(lines[source.end_line - 1]) if source.end_line - 1 < len(lines) else 0
    except OSError:
        pass
    return {
        "uri": path.as_uri(),
        "range": {"start": {"line": source.start_line - 1, "character": 0},
                  "end": {"line": source.end_line - 1, "character": end_character}},
        "symbol": source.symbol,
    }


async def run_answer(
    request: AskRequest,
    *,
    conversations: Conversations,
    searcher: Any,
    settings: Any,
    root: Path,
    executor: Executor,
    send_delta: Callable[[dict], None],
    selection: Selection | None = None,
    template: str = "ask",
    answer_fn: Callable[..., Any] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    client_name: str = "",
) -> dict:
    """Answer in a worker thread, forwarding deltas in order; cancelling the awaiting task stops the model."""
    from codeassist.answer import Answer, SelectionContext, answer_question, retrieve

    answer_fn = answer_fn or answer_question
    loop = asyncio.get_running_loop()
    cancel = threading.Event()
    cid = request.conversation_id

    def on_delta(text: str) -> None:
        # call_soon_threadsafe keeps the order, and the final response is queued after the last delta.
        loop.call_soon_threadsafe(send_delta, {"conversationId": cid, "text": text})

    selected = None
    if selection is not None:
        selected = SelectionContext(selection.rel_path, selection.start_line, selection.end_line, selection.text,
                                    selection.language)

    def work() -> Any:
        try:
            return answer_fn(request.question, searcher=searcher, settings=settings,
                             history=conversations.history(cid), selection=selected, template=template,
                             on_delta=on_delta, cancel=cancel, cited=conversations.snippets(cid))
        except LLMNotConfigured as err:
            # Offline: the retrieved code (as `sources`, which the client lists once) and how to configure
            # a model in this editor.
            if on_error is not None:
                loop.call_soon_threadsafe(on_error, err)
            context = retrieve(request.question, searcher=searcher, settings=settings, selection=selected)
            text = offline_hint(client_name, bool(context.sources))
            on_delta(text)
            return Answer(text, context.sources, None, None, False, context)

    future = loop.run_in_executor(executor, work)
    try:
        answer = await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        raise
    if not answer.cancelled:
        conversations.record(cid, request.question, answer.answer,
                             answer.context.snippets if answer.context is not None else None)
    return {
        "conversationId": cid,
        "answer": answer.answer,
        "sources": [source_json(s, root) for s in answer.sources],
        "model": answer.model,
        "cancelled": answer.cancelled,
    }


# How to configure a chat model, in the terms of the editor asking (LSP clientInfo.name).
CHAT_SETTING_HINTS = {
    "neovim": "set `server = { chat = { baseUrl = ..., model = ... } }` in require('codeassist').setup() "
              "(or in init_options of vim.lsp.config('codeassist', ...))",
    "visual studio code": "set `codeassist.chat.baseUrl` and `codeassist.chat.model` in the settings",
    "emacs": "add `:chat (:baseUrl ... :model ...)` to the server's initializationOptions "
             "(eglot-workspace-configuration / eglot-server-programs)",
}


def offline_hint(client_name: str, has_sources: bool) -> str:
    """The answer when no chat model is configured: what to set in this client, or in .codeassist.toml."""
    name = client_name.lower()
    hint = next((h for key, h in CHAT_SETTING_HINTS.items() if key in name),
                "set the chat model in the editor's codeassist settings (`chat: {baseUrl, model}`)")
    where = "The most relevant code is listed below." if has_sources else "No indexed code matched the question."
    return (f"No chat model is configured, so this is the retrieved code only. To get answers, {hint}, "
            f"or add `[chat] model = \"...\"` to .codeassist.toml. {where}")


def to_plain(value: Any) -> Any:
    """pygls hands custom-method params over as nested namedtuples; turn them back into JSON data."""
    if hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def params_dict(params: Any) -> dict:
    if params is None:
        return {}
    data = to_plain(params)
    if not isinstance(data, dict):
        raise InvalidParams(f"params must be a JSON object, got {type(data).__name__}: {str(data)[:60]}.")
    return data


# LSP positions are `uinteger`s: 0 .. 2**31 - 1 (lsprotocol refuses larger ones when building a reply).
MAX_UINTEGER = 2**31 - 1


def valid_range(rng: Any) -> bool:
    """`rng` is an LSP Range as JSON: {start, end} of {line, character}, each an integer in 0..2**31-1."""
    try:
        return all(isinstance(rng[k][f], int) and 0 <= rng[k][f] <= MAX_UINTEGER for k in ("start", "end")
                   for f in ("line", "character"))
    except (KeyError, TypeError):
        return False


def document_uri(data: dict, *, required: bool = True) -> str | None:
    """`data["textDocument"]["uri"]`; InvalidParams when it is missing (and `required`) or not a string."""
    doc = data.get("textDocument")
    uri = doc.get("uri") if isinstance(doc, dict) else None
    if (doc is not None or required) and not (isinstance(uri, str) and uri):
        raise InvalidParams("'textDocument' must be {uri: string}.")
    return uri
