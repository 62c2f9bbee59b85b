"""Chat, status, code actions and the `codeassist.*` commands."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from codeassist.errors import CodeassistError
from codeassist.lsp import actions, edit_command, protocol
from codeassist.lsp.app import CodeassistServer, guarded, server


@server.feature(protocol.ASK)
async def ask(ls: CodeassistServer, params: Any) -> dict:
    return await ls.answer(params)


@server.feature(protocol.STATUS)
async def status(ls: CodeassistServer, params: Any) -> dict:
    """`{"checkEndpoints": true}` also probes the model endpoints (`endpoints`: {completion, chat})."""
    check = bool(getattr(params, "checkEndpoints", None) or (isinstance(params, dict) and params.get("checkEndpoints")))
    return await asyncio.get_running_loop().run_in_executor(ls.quick_executor, ls.status, check)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.Empty, types.CodeActionKind.RefactorRewrite], resolve_provider=True))
def code_action(ls: CodeassistServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    try:
        ls.folder_of(params.text_document.uri)  # any workspace folder's file
    except CodeassistError:
        return None
    caps = ls.client_capabilities.text_document
    can_resolve = bool(caps and caps.code_action and caps.code_action.resolve_support
                       and "edit" in caps.code_action.resolve_support.properties)
    return actions.code_actions(params.text_document.uri, params.range, can_resolve=can_resolve) + \
        edit_command.edit_code_actions(params.text_document.uri, params.range, params.context.diagnostics or [],
                                       client_prompts=ls.options.edit_prompt)


@server.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: CodeassistServer, action: types.CodeAction) -> types.CodeAction:
    if isinstance(action.data, dict) and action.data.get("action") == protocol.CMD_WRITE_DOCSTRING:
        action.edit = await guarded(ls.write_docstring(action.data))
    return action


@server.command(protocol.CMD_ASK)
async def cmd_ask(ls: CodeassistServer, *args: Any) -> dict:
    return await ls.answer(args[0] if args else {})


@server.command(protocol.CMD_EXPLAIN)
async def cmd_explain(ls: CodeassistServer, *args: Any) -> dict:
    return await ls.answer(args[0] if args else {}, template="explain", default_question="Explain this code.")


@server.command(protocol.CMD_WRITE_DOCSTRING)
async def cmd_write_docstring(ls: CodeassistServer, *args: Any) -> dict:
    edit = await guarded(ls.write_docstring(args[0] if args else {}))
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="Write a docstring"))
    return {"applied": bool(result and result.applied)}


@server.command(protocol.CMD_FIND_SIMILAR)
async def cmd_find_similar(ls: CodeassistServer, *args: Any) -> list[types.Location]:
    return await guarded(asyncio.get_running_loop().run_in_executor(
        ls.quick_executor, ls.find_similar, args[0] if args else {}))


@server.command(protocol.CMD_REINDEX)
def cmd_reindex(ls: CodeassistServer, *args: Any) -> dict:
    for root in ls.folders.roots:
        ls.folders.indexes[root].update_all(ls.progress_reporter(f"Re-indexing {root.name}"))
    return {"started": True}


@server.command(protocol.CMD_TOGGLE)
def cmd_toggle(ls: CodeassistServer, *args: Any) -> dict:
    ls.options.inline_completion = not ls.options.inline_completion
    ls.status_changed()
    return {"enabled": ls.options.inline_completion}
