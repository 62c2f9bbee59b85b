"""`codeassist-lsp`: the only module that touches pygls. Thin handlers: read the params, call the
engine (completion, chat, actions, workspace index), convert the result, return.

    codeassist-lsp                      # stdio (default)
    codeassist-lsp --tcp 127.0.0.1:2087 --log-file /tmp/codeassist-lsp.log
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
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
                "chatModel": self.settings.chat.model or None, "enabled": self.options.inline_completion}

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


def _warm_up() -> None:
    import codeassist.answer  # noqa: F401
    import codeassist.llm  # noqa: F401


class _NoIndex:
    """Stands in for the index before one exists: ask still runs, with no snippets."""

    def search(self, *args: Any, **kwargs: Any) -> list:
        return []


server = CodeassistServer()


# -- lifecycle -------------------------------------------------------------------------------------------
@server.feature(types.INITIALIZE)
def on_initialize(ls: CodeassistServer, params: types.InitializeParams) -> None:
    ls.loop = asyncio.get_event_loop()
    root = None
    if params.workspace_folders:
        root = Path(unquote(urlparse(params.workspace_folders[0].uri).path))
    elif params.root_uri:
        root = Path(unquote(urlparse(params.root_uri).path))
    elif params.root_path:
        root = Path(params.root_path)
    ls.configure(root, params.initialization_options)
    if root is None:  # single-file mode: never index whatever directory the editor was started from
        ls.options.index_on_start = False


@server.feature(types.INITIALIZED)
def on_initialized(ls: CodeassistServer, params: types.InitializedParams) -> None:
    ls.chat_executor.submit(_warm_up)  # import the model client now, not on the first keystroke
    watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if watched and watched.dynamic_registration:
        ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
            id="codeassist-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern="**/*")]))]))
    if ls.options.index_on_start:
        ls.start_index()
    else:
        ls.index = WorkspaceIndex(ls.root, index_dir=ls.settings.index.index_dir or None,
                                  embeddings=ls.settings.embeddings,
                                  on_change=lambda: ls.call_threadsafe(ls.status_changed))
        ls.index.open_only()
    ls.status_changed()


@server.feature(types.SHUTDOWN)
def on_shutdown(ls: CodeassistServer, params: None) -> None:
    ls.engine.close()
    if ls.index:
        ls.index.close()


@server.feature(types.EXIT)
def on_exit(ls: CodeassistServer, params: Any) -> None:
    """Leave at once: worker threads may sit in a model request or an index update, and the editor must
    not wait for them (an interrupted index update is rolled back by SQLite; the next one redoes it)."""
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0 if ls.protocol._shutdown else 1)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CodeassistServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.touch(params.text_document.uri)  # pygls keeps the text; we keep the recency


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CodeassistServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.touch(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CodeassistServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.recent_uris.pop(params.text_document.uri, None)
    ls.engine.forget(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: CodeassistServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.index:
        try:
            rel = actions.relative_path(params.text_document.uri, ls.root)
        except CodeassistError:
            return
        ls.index.schedule_update([rel], ls.options.reindex_debounce_ms / 1000)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: CodeassistServer, params: types.DidChangeWatchedFilesParams) -> None:
    rels = []
    for change in params.changes:
        try:
            rels.append(actions.relative_path(change.uri, ls.root))
        except CodeassistError:
            continue
    if ls.index and rels:
        ls.index.schedule_update(rels, ls.options.reindex_debounce_ms / 1000)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: CodeassistServer, params: types.DidChangeConfigurationParams) -> None:
    if isinstance(params.settings, dict) and params.settings:
        ls.configure(ls.root, params.settings)
        ls.status_changed()


# -- completion ------------------------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
async def inline_completion(ls: CodeassistServer, params: types.InlineCompletionParams):
    if params.text_document.uri not in ls.workspace.text_documents:
        return types.InlineCompletionList(items=[])  # only open documents: their text is the editor's
    ls.inline_client = True
    request, replaced, head = ls.inline_request(params)
    suggestion = await ls.engine.complete(request)
    if suggestion is None:
        return types.InlineCompletionList(items=[])
    return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=head + suggestion.text,
                                                                        range=replaced)])


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "("]))
async def completion(ls: CodeassistServer, params: types.CompletionParams):
    """For clients without inline completion: one item holding the suggestion, sorted first."""
    text_document = ls.client_capabilities.text_document
    if ls.inline_client or (text_document is not None and text_document.inline_completion is not None):
        return None  # the client asks textDocument/inlineCompletion: one model call, not two racing
    if params.text_document.uri not in ls.workspace.text_documents:
        return None
    suggestion = await ls.engine.complete(ls.document_request(params.text_document.uri, params.position))
    if suggestion is None:
        return types.CompletionList(is_incomplete=True, items=[])
    here = types.Range(start=params.position, end=params.position)
    label = suggestion.text.strip().split("\n", 1)[0][:60] or suggestion.text[:60]
    item = types.CompletionItem(
        label=label, kind=types.CompletionItemKind.Text, detail=f"codeassist ({suggestion.source})",
        sort_text="\u0000", preselect=True, filter_text=label,
        text_edit=types.TextEdit(range=here, new_text=suggestion.text),
        insert_text_format=types.InsertTextFormat.PlainText)
    return types.CompletionList(is_incomplete=True, items=[item])


# -- chat, status, actions, commands -------------------------------------------------------------------
@server.feature(protocol.ASK)
async def ask(ls: CodeassistServer, params: Any) -> dict:
    return await ls.answer(params)


@server.feature(protocol.STATUS)
async def status(ls: CodeassistServer, params: Any) -> dict:
    return await asyncio.get_running_loop().run_in_executor(ls.chat_executor, ls.status)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.Empty, types.CodeActionKind.RefactorRewrite], resolve_provider=True))
def code_action(ls: CodeassistServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    try:
        actions.resolve_workspace_path(params.text_document.uri, ls.root)
    except CodeassistError:
        return None
    caps = ls.client_capabilities.text_document
    can_resolve = bool(caps and caps.code_action and caps.code_action.resolve_support
                       and "edit" in caps.code_action.resolve_support.properties)
    return actions.code_actions(params.text_document.uri, params.range, can_resolve=can_resolve)


@server.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: CodeassistServer, action: types.CodeAction) -> types.CodeAction:
    if isinstance(action.data, dict) and action.data.get("action") == protocol.CMD_WRITE_DOCSTRING:
        action.edit = await _guarded(ls.write_docstring(action.data))
    return action


@server.command(protocol.CMD_ASK)
async def cmd_ask(ls: CodeassistServer, *args: Any) -> dict:
    return await ls.answer(args[0] if args else {})


@server.command(protocol.CMD_EXPLAIN)
async def cmd_explain(ls: CodeassistServer, *args: Any) -> dict:
    return await ls.answer(args[0] if args else {}, template="explain", default_question="Explain this code.")


@server.command(protocol.CMD_WRITE_DOCSTRING)
async def cmd_write_docstring(ls: CodeassistServer, *args: Any) -> dict:
    edit = await _guarded(ls.write_docstring(args[0] if args else {}))
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="Write a docstring"))
    return {"applied": bool(result and result.applied)}


@server.command(protocol.CMD_FIND_SIMILAR)
async def cmd_find_similar(ls: CodeassistServer, *args: Any) -> list[types.Location]:
    return await _guarded(asyncio.get_running_loop().run_in_executor(
        ls.chat_executor, ls.find_similar, args[0] if args else {}))


@server.command(protocol.CMD_REINDEX)
def cmd_reindex(ls: CodeassistServer, *args: Any) -> dict:
    if ls.index is None:
        ls.start_index()
    else:
        ls.index.update_all(ls.progress_reporter("Re-indexing"))
    return {"started": True}


@server.command(protocol.CMD_TOGGLE)
def cmd_toggle(ls: CodeassistServer, *args: Any) -> dict:
    ls.options.inline_completion = not ls.options.inline_completion
    ls.status_changed()
    return {"enabled": ls.options.inline_completion}


async def _guarded(awaitable: Any) -> Any:
    """Domain errors from a command become showMessage + an InvalidParams error with the fix."""
    try:
        return await awaitable
    except CodeassistError as err:
        server.show_error(err)
        raise JsonRpcInvalidParams(str(err)) from None


# -- entry point -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="codeassist-lsp", description="The codeassist language server.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead")
    parser.add_argument("--log-file", help="write the server log to this file")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=args.log_level,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:  # stderr: stdout carries the protocol
        logging.basicConfig(level=logging.WARNING)
    if args.log_level != "DEBUG":  # pygls logs every message body at INFO: document text has no place in a log
        logging.getLogger("pygls").setLevel(logging.WARNING)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            parser.error("--tcp takes HOST:PORT, e.g. 127.0.0.1:2087")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()


if __name__ == "__main__":
    main()
