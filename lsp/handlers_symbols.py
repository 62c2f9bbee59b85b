"""`workspace/symbol`, served from the index's symbol graph (fuzzy, camelCase-aware: `gu` finds getUser)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from codeassist.errors import CodeassistError
from codeassist.lsp.app import CodeassistServer, server

log = logging.getLogger(__name__)

MAX_SYMBOLS = 100

_KINDS = {
    "function": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "class": types.SymbolKind.Class,
    "interface": types.SymbolKind.Interface,
    "trait": types.SymbolKind.Interface,
    "type": types.SymbolKind.TypeParameter,
    "enum": types.SymbolKind.Enum,
    "struct": types.SymbolKind.Struct,
    "module": types.SymbolKind.Module,
    "variable": types.SymbolKind.Variable,
    "constant": types.SymbolKind.Constant,
}


def lsp_symbol(definition: Any, root: Any) -> types.SymbolInformation:
    """A Definition as LSP SymbolInformation: whole lines, 0-based; the owner (`UserService` of
    `UserService.get_user`) as the container name."""
    owner = definition.symbol[: -len(definition.name) - 1] if definition.symbol.endswith("." + definition.name) else ""
    return types.SymbolInformation(
        name=definition.name,
        kind=_KINDS.get(definition.kind, types.SymbolKind.Variable),
        location=types.Location(
            uri=(root / definition.path).as_uri(),
            range=types.Range(start=types.Position(line=definition.start_line - 1, character=0),
                              end=types.Position(line=definition.end_line, character=0)),
        ),
        container_name=owner or None,
    )


def _find(ls: CodeassistServer, query: str) -> list[types.SymbolInformation]:
    """Every workspace folder's index (multi-root), each symbol located under its own folder."""
    symbols: list[types.SymbolInformation] = []
    for root in list(ls.folders.roots):
        workspace_index = ls.folders.indexes.get(root)
        index = workspace_index.index if workspace_index is not None else None
        if index is None:
            continue
        try:
            found = index.symbols(query, limit=MAX_SYMBOLS)
        except CodeassistError as err:  # the index being rebuilt or unreadable: an empty answer, not an error
            log.warning("workspace/symbol: %s", err)
            continue
        except Exception:  # e.g. SQLite busy during a rebuild: never an error in the editor
            log.exception("workspace/symbol failed")
            continue
        symbols += [lsp_symbol(d, root) for d in found]
    return symbols[:MAX_SYMBOLS]


@server.feature(types.WORKSPACE_SYMBOL)
async def workspace_symbol(ls: CodeassistServer, params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
    # A cheap request: the quick pool, never queued behind chat requests waiting on a model.
    return await asyncio.get_running_loop().run_in_executor(ls.quick_executor, _find, ls, params.query or "")
