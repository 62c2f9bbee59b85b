"""Lifecycle, document sync and workspace notifications: the server's state follows the editor's."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types

from codeassist.errors import CodeassistError
from codeassist.lsp import actions
from codeassist.lsp.app import CodeassistServer, server, warm_up
from codeassist.lsp.workspace_index import WorkspaceIndex


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
    ls.chat_executor.submit(warm_up)  # import the model client now, not on the first keystroke
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
    ls.engine.recent_edits.record(params.text_document.uri, params.content_changes)


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
