"""The server object: `CodeassistServer` (state shared by the handlers and the plumbing they use) and the
one `server` instance the handler modules register their features on. Only `app.py` and the `handlers_*`
modules touch pygls."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from codeassist.errors import CodeassistError
from codeassist.lsp import actions, chat, protocol
from codeassist.lsp.completion import (
    CompletionEngine,
    CompletionOptions,
    CompletionRequest,
    with_selected_completion,
)
from codeassist.lsp.cursor_context import document_language
from codeassist.lsp.options import LspOptions, load_server_settings
from codeassist.lsp.workspace_index import WorkspaceIndex

log = logging.getLogger("codeassist.lsp")
__version__ = "0.1.0"
MAX_NEIGHBOR_DOCUMENTS = 10


class CodeassistServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(protocol.SERVER_NAME, __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.root = Path.cwd()
        self.settings: Any = None
        self.options = LspOptions()
        self.index: WorkspaceIndex | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.conversations = chat.Conversations()
        self.chat_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat")
        self._progress_token = 0
        self.recent_uris: OrderedDict[str, None] = OrderedDict()
        # Set once the client asks textDocument/inlineCompletion (some do without declaring it, e.g. a
        # Neovim plugin drawing ghost text): textDocument/completion then stays out of the model's way.
        self.inline_client = False
        self._shown: set[str] = set()
        self.engine = CompletionEngine(
            settings=lambda: self.settings, options=self.completion_options, searcher=self.searcher,
            documents=self.open_documents, read_file=lambda p: self.index.read_file(p) if self.index else None,
            on_error=lambda err: self.call_threadsafe(self.show_error, err, True),
        )

    # -- plumbing used by the handlers ----------------------------------------------------------
    def configure(self, root: Path | None, options: Any) -> None:
        self.root = (root or self.root).resolve()
        self.settings, self.options, problems = load_server_settings(self.root, options)
        for problem in problems:
            self.show(problem, types.MessageType.Warning)

    def completion_options(self) -> CompletionOptions:
        return CompletionOptions.from_settings(self.settings, retrieval_mode=self.options.retrieval_mode,
                                               enabled=self.options.inline_completion,
                                               context_style=self.options.fim_context, repo=self.root.name)

    def searcher(self) -> Any:
        return self.index.index if self.index else None

    def open_documents(self) -> list[tuple[str, str, object, str]]:
        """The most recently opened/edited documents (neighbouring tabs), newest first."""
        docs = self.workspace.text_documents
        recent = [uri for uri in reversed(self.recent_uris) if uri in docs][:MAX_NEIGHBOR_DOCUMENTS]
        return [(uri, self.display_path(uri), docs[uri].version, docs[uri].source) for uri in recent]

    def touch(self, uri: str) -> None:
        self.recent_uris.pop(uri, None)
        self.recent_uris[uri] = None
        while len(self.recent_uris) > 4 * MAX_NEIGHBOR_DOCUMENTS:
            self.recent_uris.popitem(last=False)

    def display_path(self, uri: str) -> str:
        try:
            return actions.relative_path(uri, self.root)
        except CodeassistError:
            return unquote(urlparse(uri).path).rsplit("/", 1)[-1] or uri

    def call_threadsafe(self, fn: Any, *args: Any) -> None:
        if self.loop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:  # the loop closed in between: the server is exiting
                pass

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"codeassist: {message}"))

    def show_error(self, err: Exception, once: bool = False) -> None:
        if once and str(err) in self._shown:
            return
        self._shown.add(str(err))
        self.show(str(err))

    def status(self) -> dict:
        counts = self.index.status() if self.index else {"files": 0, "chunks": 0, "embedded": 0}
        return {"indexState": self.index.state if self.index else "none", **counts,
                "completionModel": self.settings.completion.model or None,
                "chatModel": self.settings.chat.model or None, "enabled": self.options.inline_completion,
                **self.engine.chain_status(), "chatChain": self._chat_chain()}

    def _chat_chain(self) -> list[dict]:
        """The [chat] chain's endpoints and breaker states (breakers are per process, shared by clients)."""
        if not self.settings.chat.model:
            return []
        from codeassist.llm_chain import LLMChain

        return LLMChain(self.settings.chat, purpose="chat").describe()

    def status_changed(self) -> None:
        """Counting chunks of a big index takes milliseconds: done off the event loop."""
        self.chat_executor.submit(lambda: self.call_threadsafe(self.protocol.notify, protocol.STATUS_CHANGED,
                                                               self.status()))

    def start_index(self) -> None:
        if self.index is None:
            self.index = WorkspaceIndex(
                self.root, index_dir=self.settings.index.index_dir or None,
                config=self.settings.index.to_index_config(), embed=self.options.embed,
                embeddings=self.settings.embeddings,
                on_change=lambda: self.call_threadsafe(self.status_changed),
                on_error=lambda err: self.call_threadsafe(self.show_error, err, True))
        self.index.start(self.progress_reporter("Indexing"))

    def progress_reporter(self, title: str) -> Any:
        """A thread-safe `$/progress` reporter (only when the client supports work-done progress)."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        self._progress_token += 1
        token = f"codeassist-{title.lower()}-{self._progress_token}"
        self.work_done_progress.create(token)

        def send(kind: str, message: str, pct: int | None) -> None:
            if kind == "begin":
                value: Any = types.WorkDoneProgressBegin(title=f"codeassist: {title}", message=message,
                                                         percentage=pct)
                self.call_threadsafe(self.work_done_progress.begin, token, value)
            elif kind == "report":
                value = types.WorkDoneProgressReport(message=message, percentage=pct)
                self.call_threadsafe(self.work_done_progress.report, token, value)
            else:
                self.call_threadsafe(self.work_done_progress.end, token, types.WorkDoneProgressEnd(message=message))
        return send

    def document_request(self, uri: str, position: types.Position) -> CompletionRequest:
        doc = self.workspace.get_text_document(uri)
        pos = doc.position_from_client_units(position)
        return CompletionRequest(uri, self.display_path(uri), doc.source, pos.line, pos.character,
                                 document_language(self.display_path(uri), doc.language_id))

    def inline_request(self, params: types.InlineCompletionParams) -> tuple[CompletionRequest, types.Range, str]:
        """(request, the range the item replaces, the text the item starts with). An item selected in the
        editor's completion popup counts as typed: the suggestion continues it and replaces its range."""
        request = self.document_request(params.text_document.uri, params.position)
        selected = params.context.selected_completion_info
        if selected is None or not (selected.range.start.line == selected.range.end.line == params.position.line):
            return request, types.Range(start=params.position, end=params.position), ""
        doc = self.workspace.get_text_document(params.text_document.uri)
        start, end = (doc.position_from_client_units(p).character for p in (selected.range.start, selected.range.end))
        return with_selected_completion(request, start, end, selected.text), selected.range, selected.text

    def workspace_text(self, uri: str) -> tuple[str, str]:
        """(text, rel path) of a workspace file: the open document if any, else the file on disk."""
        path = actions.resolve_workspace_path(uri, self.root)
        rel = path.relative_to(self.root).as_posix()
        doc = self.workspace.text_documents.get(uri)
        if doc is not None:
            return doc.source, rel
        try:
            return path.read_text("utf-8", errors="replace"), rel
        except OSError as err:
            raise chat.InvalidParams(f"Cannot read {rel}: {err.strerror}.") from None

    async def answer(self, params: Any, *, template: str = "ask", default_question: str = "",
                     stream: bool = True) -> dict:
        """codeassist/ask and the explain/docstring commands: errors become showMessage + a JSON-RPC error."""
        try:
            request = chat.parse_ask_params(params, self.root, default_question=default_question)
            selection = None
            if request.uri:
                text, rel = self.workspace_text(request.uri)
                rng = request.range
                if rng and rng["start"] == rng["end"]:  # just a cursor: the symbol under it
                    start, end = actions.declaration_span(text, rng["start"]["line"], rng["end"]["line"],
                                                          document_language(rel))
                    rng = {"start": {"line": start, "character": 0}, "end": {"line": end + 1, "character": 0}}
                selection = chat.selection_from(text, rel, rng)
            return await chat.run_answer(
                request, conversations=self.conversations, searcher=self.searcher() or _NoIndex(),
                settings=self.settings, root=self.root, executor=self.chat_executor,
                send_delta=(lambda d: self.protocol.notify(protocol.ANSWER_DELTA, d)) if stream else (lambda d: None),
                selection=selection, template=template, on_error=lambda err: self.show_error(err, True))
        except CodeassistError as err:
            self.show_error(err)
            raise JsonRpcInvalidParams(str(err)) from None

    async def write_docstring(self, params: Any) -> types.WorkspaceEdit:
        data = chat.params_dict(params)
        uri = (data.get("textDocument") or {}).get("uri")
        where = data.get("range") or ({"start": data["position"], "end": data["position"]}
                                      if data.get("position") else None)
        if not uri or where is None:
            raise chat.InvalidParams("writeDocstring needs {textDocument: {uri}, range | position}.")
        text, rel = self.workspace_text(uri)
        language = document_language(rel)
        start, end = actions.declaration_span(text, where["start"]["line"], where["end"]["line"], language)
        result = await self.answer({"question": "Write the documentation comment for this code.",
                                    "textDocument": {"uri": uri}, "range": {"start": {"line": start, "character": 0},
                                                                            "end": {"line": end + 1, "character": 0}}},
                                   template="docstring", stream=False)  # an edit, not a chat message
        edit = actions.docstring_edit(text, where["start"]["line"], language, result["answer"])
        return types.WorkspaceEdit(changes={uri: [edit]})

    def find_similar(self, params: Any) -> list[types.Location]:
        data = chat.params_dict(params)
        text, rel = self.workspace_text((data.get("textDocument") or {}).get("uri") or "")
        selection = chat.selection_from(text, rel, data.get("range"))
        return actions.similar_locations(self.searcher(), selection.text, rel, selection.start_line,
                                         selection.end_line, self.root)


def warm_up() -> None:
    import codeassist.answer  # noqa: F401
    import codeassist.llm  # noqa: F401


class _NoIndex:
    """Stands in for the index before one exists: ask still runs, with no snippets."""

    def search(self, *args: Any, **kwargs: Any) -> list:
        return []


server = CodeassistServer()


async def guarded(awaitable: Any) -> Any:
    """Domain errors from a command become showMessage + an InvalidParams error with the fix."""
    try:
        return await awaitable
    except CodeassistError as err:
        server.show_error(err)
        raise JsonRpcInvalidParams(str(err)) from None
