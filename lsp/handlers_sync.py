"""Lifecycle, document sync and workspace notifications: the server's state follows the editor's."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types

from codeassist.lsp import actions
from codeassist.lsp.app import CodeassistServer, server, warm_up
from codeassist.lsp.uris import local_path


@server.feature(types.INITIALIZE)
def on_initialize(ls: CodeassistServer, params: types.InitializeParams) -> None:
    ls.loop = asyncio.get_event_loop()
    ls.client_info = params.client_info
    # Import the model client now, not on the first keystroke: a cold import (seconds on a loaded
    # machine) inside the first request would eat its deadline.
    ls.chat_executor.submit(warm_up)
    roots = [local_path(f.uri) for f in params.workspace_folders or []]
    if not roots and params.root_uri:
        roots = [local_path(params.root_uri)]
    elif not roots and params.root_path:
        roots = [Path(params.root_path)]
    roots = [r for r in roots if r is not None]
    ls.configure(roots[0] if roots else None, params.initialization_options)
    ls.pending_roots = roots
    if not roots:  # single-file mode: never index whatever directory the editor was started from
        ls.options.index_on_start = False


@server.feature(types.INITIALIZED)
def on_initialized(ls: CodeassistServer, params: types.InitializedParams) -> None:
    watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if watched and watched.dynamic_registration:
        ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
            id="codeassist-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern="**/*")]))]))
    for root in ls.pending_roots or [ls.root]:
        ls.open_folder(root)
    ls.status_changed()


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_workspace_folders(ls: CodeassistServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    for folder in params.event.removed:
        path = local_path(folder.uri)
        if path is not None:
            ls.folders.remove(path)
    for folder in params.event.added:
        path = local_path(folder.uri)
        if path is not None:
            ls.open_folder(path)
    ls.status_changed()


@server.feature(types.SHUTDOWN)
def on_shutdown(ls: CodeassistServer, params: None) -> None:
    ls.engine.close()
    ls.folders.close()


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
    ls.forget(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: CodeassistServer, params: types.DidSaveTextDocumentParams) -> None:
    reindex(ls, [params.text_document.uri])


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: CodeassistServer, params: types.DidChangeWatchedFilesParams) -> None:
    reindex(ls, [change.uri for change in params.changes])


def reindex(ls: CodeassistServer, uris: list[str]) -> None:
    """Each changed file goes to the index of the folder holding it (files outside every folder: none)."""
    by_root: dict[Path, list[str]] = {}
    for uri in uris:
        root = ls.folders.owner(uri)
        if root is not None:
            by_root.setdefault(root, []).append(actions.relative_path(uri, root))
    for root, rels in by_root.items():
        ls.folders.indexes[root].schedule_update(rels, ls.options.reindex_debounce_ms / 1000)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: CodeassistServer, params: types.DidChangeConfigurationParams) -> None:
    ls.reconfigure(params.settings)
    ls.status_changed()
