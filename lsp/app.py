"""The server object: `CodeassistServer` (state shared by the handlers and the plumbing they use) and the
one `server` instance the handler modules register their features on. Only `app.py` and the `handlers_*`
modules touch pygls."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
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
from codeassist.lsp.endpoint_check import check_endpoint
from codeassist.lsp.folders import WorkspaceFolders, folder_index_dir
from codeassist.lsp.notices import Notices
from codeassist.lsp.options import LspOptions, load_server_settings, merge_options, unwrap
from codeassist.lsp.progress import create_progress_token
from codeassist.lsp.rpc_errors import CodeassistProtocol
from codeassist.lsp.uris import decoded_key, document_key, key_path, local_path
from codeassist.lsp.workspace_index import WorkspaceIndex

log = logging.getLogger("codeassist.lsp")
__version__ = "0.1.0"
MAX_NEIGHBOR_DOCUMENTS = 10


class CodeassistServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(protocol.SERVER_NAME, __version__, protocol_cls=CodeassistProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.root = Path.cwd()  # the primary workspace folder: the settings come from it
        self.settings: Any = None
        self.options = LspOptions()
        self.init_options: dict = {}  # what initialize gave; configuration updates merge over it
        self.folders = WorkspaceFolders(self._make_index)
        self.client_info: types.ClientInfo | None = None
        self.pending_roots: list[Path] = []  # the folders initialize named, opened on initialized
        self.loop: asyncio.AbstractEventLoop | None = None
        self.conversations = chat.Conversations()
        # Model calls (ask, explain, docstrings) may hang on a slow endpoint; cheap requests (status,
        # find similar) never queue behind them: two pools, and chat requests in flight are bounded.
        # More threads than slots: a cancelled request frees its slot at once, while its thread may still
        # wait for a hung endpoint's timeout.
        self.chat_executor = ThreadPoolExecutor(max_workers=4 * chat.MAX_CHAT_REQUESTS, thread_name_prefix="chat")
        self.quick_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="quick")
        self.chat_slots = asyncio.Semaphore(chat.MAX_CHAT_REQUESTS)
        self._progress_token = 0
        self.recent_uris: OrderedDict[str, None] = OrderedDict()  # document keys (uris.document_key)
        # Set once the client asks textDocument/inlineCompletion (some do without declaring it, e.g. a
        # Neovim plugin drawing ghost text): textDocument/completion then stays out of the model's way.
        self.inline_client = False
        self.notices = Notices(log=lambda text: log.warning("%s", text), notify=self._notify_status)
        self.engine = CompletionEngine(
            settings=lambda: self.settings, options=self.completion_options, searcher=self.searcher_for_key,
            documents=self.open_documents, read_file=self.read_file,
            on_error=lambda err: self.call_threadsafe(self.notices.report, "completion", err),
        )

    @property
    def index(self) -> WorkspaceIndex | None:
        """The primary folder's index (see `folders` for every folder's)."""
        return self.folders.indexes.get(self.folders.primary) if self.folders.primary else None

    # -- plumbing used by the handlers ----------------------------------------------------------
    def configure(self, root: Path | None, options: Any) -> None:
        """Initialize: the primary folder and the editor's options (bad values are shown once, at start)."""
        self.root = (root or self.root).resolve()
        self.init_options = options if isinstance(options, dict) else {}
        self.settings, self.options, problems = load_server_settings(self.root, self.init_options)
        for problem in problems:
            self.show(problem, types.MessageType.Warning)

    def reconfigure(self, update: Any) -> None:
        """workspace/didChangeConfiguration: the update merges over what initialize gave (an empty
        section changes nothing); problems go to the log and the status, not a message box."""
        merged = merge_options(self.init_options, update)
        if merged == self.init_options:
            return
        inline = self.options.inline_completion
        self.settings, self.options, problems = load_server_settings(self.root, merged)
        lsp_update = unwrap(update).get("lsp")
        if not (isinstance(lsp_update, dict) and "inlineCompletion" in lsp_update):
            self.options.inline_completion = inline  # a toggle survives changes to other settings
        self.init_options = merged
        for problem in problems:
            self.notices.report("configuration", problem)

    def _make_index(self, root: Path, primary: bool) -> WorkspaceIndex:
        return WorkspaceIndex(
            root, index_dir=folder_index_dir(self.settings.index.index_dir, root, primary),
            config=self.settings.index.to_index_config(), embed=self.options.embed,
            embeddings=self.settings.embeddings,
            on_change=lambda: self.call_threadsafe(self.status_changed),
            on_error=lambda err: self.call_threadsafe(self.notices.report, f"index {root.name}", err))

    def open_folder(self, root: Path) -> None:
        """Add a workspace folder and index it (or open its existing index, per `lsp.indexOnStart`)."""
        index = self.folders.add(root)
        if index is None:
            return
        if self.options.index_on_start:
            index.start(self.progress_reporter(f"Indexing {root.name}"))
        else:
            index.open_only()

    def completion_options(self) -> CompletionOptions:
        return CompletionOptions.from_settings(self.settings, retrieval_mode=self.options.retrieval_mode,
                                               enabled=self.options.inline_completion,
                                               context_style=self.options.fim_context, repo=self.root.name)

    def searcher(self, uri: str | None = None) -> Any:
        """The open Index of the folder holding `uri` (the primary folder's without one), or None."""
        index = self.folders.index_of(uri) if uri else self.index
        return index.index if index else None

    def searcher_for_key(self, key: str) -> Any:
        """`searcher` for a document key (what completion requests carry)."""
        path = key_path(key)
        root = self.folders.owner_of_path(path) if path is not None else None
        index = self.folders.indexes.get(root) if root is not None else None
        if index is None and root is None:
            index = self.index  # a file outside every folder (single-file mode): the primary's index
        return index.index if index else None

    # -- documents: every lookup goes through uris.document_key ---------------------------------
    def document(self, uri: str) -> Any:
        """The open document `uri` names, however the client spelled it (None when it is not open)."""
        docs = self.workspace.text_documents
        key = document_key(uri)
        return docs.get(key) or next((d for k, d in docs.items() if decoded_key(k) == key), None)

    def open_documents(self) -> list[tuple[str, str, object, str]]:
        """The most recently opened/edited documents (neighbouring tabs), newest first, as
        (document key, display path, version, text)."""
        docs = {decoded_key(k): d for k, d in self.workspace.text_documents.items()}
        recent = [key for key in reversed(self.recent_uris) if key in docs][:MAX_NEIGHBOR_DOCUMENTS]
        return [(key, self.display_path(docs[key].uri), docs[key].version, docs[key].source) for key in recent]

    def touch(self, uri: str) -> None:
        key = document_key(uri)
        self.recent_uris.pop(key, None)
        self.recent_uris[key] = None
        while len(self.recent_uris) > 4 * MAX_NEIGHBOR_DOCUMENTS:
            self.recent_uris.popitem(last=False)

    def forget(self, uri: str) -> None:
        key = document_key(uri)
        self.recent_uris.pop(key, None)
        self.engine.forget(key)

    def folder_of(self, uri: str) -> Path:
        """The workspace folder holding `uri`; raises actions.OutsideWorkspace when none does."""
        root = self.folders.owner(uri)
        if root is None:
            raise actions.OutsideWorkspace(uri, self.root)
        return root

    def display_path(self, uri: str) -> str:
        """The path relative to its workspace folder (what the prompt and that folder's index call it)."""
        root = self.folders.owner(uri)
        if root is not None:
            return actions.relative_path(uri, root)
        path = local_path(uri)
        return (path.name if path is not None else "") or uri

    def read_file(self, rel_path: str) -> str | None:
        """A workspace file by its index path for the fallback: the open (maybe unsaved) buffer first."""
        for _, path, _, text in self.open_documents():
            if path == rel_path:
                return text
        for root in self.folders.roots:
            index = self.folders.indexes.get(root)
            text = index.read_file(rel_path) if index else None
            if text is not None:
                return text
        return None

    def call_threadsafe(self, fn: Any, *args: Any) -> None:
        if self.loop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:  # the loop closed in between: the server is exiting
                pass

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """window/showMessage: only for what the user asked for (a command, a bad setting at start)."""
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"codeassist: {message}"))

    def client_name(self) -> str:
        """The editor's name from initialize's clientInfo ("Neovim", "Visual Studio Code", ...), or ""."""
        info = self.client_info
        return info.name if info is not None and info.name else ""

    def show_error(self, err: Exception, once: bool = False) -> None:
        """A problem nobody asked about (kept for callers of the old name): log + status, once per message;
        never a message box. User-invoked requests raise instead, and the client shows their error."""
        self.notices.report("server", err)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls would show every internal error as a message box in the middle of typing: log it instead.
        A request refused on purpose (invalid params, cancelled: the client got that error) is no
        internal error: its cause was reported where it arose (e.g. the chat notice)."""
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            return
        self.notices.report("server", f"internal error: {error}")

    def _notify_status(self) -> None:
        self.status_changed()

    def status(self, check_endpoints: bool = False) -> dict:
        """codeassist/status: index state and counts over all folders, models, and the current problems
        (`problems`: {cause: message}, the completion path's errors, newest per cause). With
        `check_endpoints`, `endpoints`: {completion, chat} -> endpoint_check.check_endpoint's answer."""
        result = {**self.folders.status(), "completionModel": self.settings.completion.model or None,
                  "chatModel": self.settings.chat.model or None, "enabled": self.options.inline_completion,
                  "problems": self.notices.current(), **self.engine.chain_status(), "chatChain": self._chat_chain()}
        if check_endpoints:
            result["endpoints"] = {section: check_endpoint(self.settings, section) for section in ("completion", "chat")}
        return result

    def _chat_chain(self) -> list[dict]:
        """The [chat] chain's endpoints and breaker states (breakers are per process, shared by clients)."""
        if not self.settings.chat.model:
            return []
        from codeassist.llm_chain import LLMChain

        return LLMChain(self.settings.chat, purpose="chat").describe()

    def status_changed(self) -> None:
        """Counting chunks of a big index takes milliseconds: done off the event loop."""
        self.quick_executor.submit(lambda: self.call_threadsafe(self.protocol.notify, protocol.STATUS_CHANGED,
                                                                self.status()))

    def start_index(self) -> None:
        for root in self.folders.roots:
            self.folders.indexes[root].start(self.progress_reporter(f"Indexing {root.name}"))

    def progress_reporter(self, title: str) -> Any:
        """A thread-safe `$/progress` reporter (only when the client supports work-done progress)."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        self._progress_token += 1
        token = f"codeassist-{title.lower()}-{self._progress_token}"
        create_progress_token(self.protocol, token)  # a refused or cancelled create logs no traceback

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
        """A completion request at `position` of the open document `uri` (positions past the end of a
        line or of the document are clamped to it by pygls's codec)."""
        doc = self.document(uri)
        if doc is None:
            raise chat.InvalidParams(f"{uri} is not open: completion works on documents the editor opened.")
        pos = doc.position_from_client_units(position)
        path = self.display_path(doc.uri)
        return CompletionRequest(document_key(uri), path, doc.source, pos.line, pos.character,
                                 document_language(path, doc.language_id))

    def inline_request(self, params: types.InlineCompletionParams) -> tuple[CompletionRequest, types.Range, str]:
        """(request, the range the item replaces, the text the item starts with). An item selected in the
        editor's completion popup counts as typed: the suggestion continues it and replaces its range."""
        request = self.document_request(params.text_document.uri, params.position)
        selected = params.context.selected_completion_info
        if selected is None or not (selected.range.start.line == selected.range.end.line == params.position.line):
            return request, types.Range(start=params.position, end=params.position), ""
        doc = self.document(params.text_document.uri)
        start, end = (doc.position_from_client_units(p).character for p in (selected.range.start, selected.range.end))
        return with_selected_completion(request, start, end, selected.text), selected.range, selected.text

    def workspace_text(self, uri: str) -> tuple[str, str]:
        """(text, path relative to its workspace folder): `workspace_file` without the folder."""
        text, rel, _ = self.workspace_file(uri)
        return text, rel

    def workspace_file(self, uri: str) -> tuple[str, str, Path]:
        """(text, path relative to its folder, folder) of a workspace file: the open (maybe unsaved)
        document if any, else the file on disk. Raises OutsideWorkspace / InvalidParams."""
        root = self.folder_of(uri)
        path = actions.resolve_workspace_path(uri, root)
        rel = path.relative_to(root).as_posix()
        doc = self.document(uri)
        if doc is not None:
            return doc.source, rel, root
        try:
            return path.read_text("utf-8", errors="replace"), rel, root
        except OSError as err:
            raise chat.InvalidParams(f"Cannot read {rel}: {err.strerror}.") from None

    async def answer(self, params: Any, *, template: str = "ask", default_question: str = "",
                     stream: bool = True) -> dict:
        """codeassist/ask and the explain/docstring commands (user-invoked: errors become showMessage + a
        JSON-RPC error). At most chat.MAX_CHAT_REQUESTS run at once; the others wait their turn, inside
        the same [chat] deadline (it runs from the request's arrival)."""
        arrived = time.monotonic()
        try:
            data = chat.params_dict(params)
            uri = chat.document_uri(data, required=False)
            root = self.folder_of(uri) if uri else self.root
            request = chat.parse_ask_params(data, root, default_question=default_question)
            selection = None
            if request.uri:
                text, rel, root = self.workspace_file(request.uri)

                def select() -> chat.Selection:  # whole-document work (a parse, redaction): off the event loop
                    start, end = chat.selected_lines(text, request.range, request.position, document_language(rel))
                    return chat.selection_from(text, rel, start, end)

                selection = await asyncio.get_running_loop().run_in_executor(self.chat_executor, select)
            async with chat.chat_slot(self.chat_slots, self.settings, arrived) as settings:
                return await chat.run_answer(
                    request, conversations=self.conversations, searcher=self.searcher(uri) or _NoIndex(),
                    settings=settings, root=root, executor=self.chat_executor,
                    send_delta=(lambda d: self.protocol.notify(protocol.ANSWER_DELTA, d)) if stream
                    else (lambda d: None),
                    selection=selection, template=template,
                    on_error=lambda err: self.notices.report("chat", err), client_name=self.client_name())
        except CodeassistError as err:  # the client shows the error it got: no second message box
            raise JsonRpcInvalidParams(str(err)) from None

    async def write_docstring(self, params: Any) -> types.WorkspaceEdit:
        data = chat.params_dict(params)
        uri = chat.document_uri(data)
        where = data.get("range") or ({"start": data["position"], "end": data["position"]}
                                      if data.get("position") else None)
        if not chat.valid_range(where):
            raise chat.InvalidParams("writeDocstring needs {textDocument: {uri}, range | position}.")
        text, rel = self.workspace_text(uri)
        language = document_language(rel)
        last = text.count("\n")
        line = min(where["start"]["line"], last)  # past the end of the document: its last line
        start, end = await asyncio.get_running_loop().run_in_executor(  # a parse: off the event loop
            self.chat_executor, actions.declaration_span, text, line, min(where["end"]["line"], last), language)
        result = await self.answer({"question": "Write the documentation comment for this code.",
                                    "textDocument": {"uri": uri}, "range": {"start": {"line": start, "character": 0},
                                                                            "end": {"line": end + 1, "character": 0}}},
                                   template="docstring", stream=False)  # an edit, not a chat message
        edit = await asyncio.get_running_loop().run_in_executor(
            self.chat_executor, actions.docstring_edit, text, line, language, result["answer"])
        return types.WorkspaceEdit(changes={uri: [edit]})

    def find_similar(self, params: Any) -> list[types.Location]:
        data = chat.params_dict(params)
        uri = chat.document_uri(data)
        text, rel, root = self.workspace_file(uri)
        rng = data.get("range")
        lines = text.split("\n")
        start, end = (rng["start"]["line"], rng["end"]["line"]) if chat.valid_range(rng) else (0, len(lines) - 1)
        selection = chat.selection_from(text, rel, start, end)
        return actions.similar_locations(self.searcher(uri), selection.text, rel, selection.start_line,
                                         selection.end_line, root)


def warm_up() -> None:
    import codeassist.answer  # noqa: F401
    import codeassist.llm  # noqa: F401


class _NoIndex:
    """Stands in for the index before one exists: ask still runs, with no snippets."""

    def search(self, *args: Any, **kwargs: Any) -> list:
        return []


server = CodeassistServer()


async def guarded(awaitable: Any) -> Any:
    """Domain errors from a command become an InvalidParams error with the fix (the client shows it)."""
    try:
        return await awaitable
    except CodeassistError as err:
        raise JsonRpcInvalidParams(str(err)) from None
