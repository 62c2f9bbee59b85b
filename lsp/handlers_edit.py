"""`codeassist.edit`: rewrite a selection (or the symbol under the cursor) as instructed, validated, applied
with `workspace/applyEdit` as one undoable edit; `$/progress` while the model writes; cancellable."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from lsprotocol import types

from codeassist.edit import EditRejected, EditRequest, propose_edit
from codeassist.lsp import actions, protocol
from codeassist.lsp.app import CodeassistServer, guarded, server
from codeassist.lsp.cancellation import follow_request_cancellation
from codeassist.lsp.chat import to_plain
from codeassist.lsp.cursor_context import document_language
from codeassist.lsp.edit_command import (
    lsp_range,
    parse_edit_params,
    region_of,
    summary,
    workspace_edit,
)


@server.command(protocol.CMD_EDIT)
async def cmd_edit(ls: CodeassistServer, *args: Any) -> dict:
    follow_request_cancellation(ls)
    return await guarded(run_edit(ls, to_plain(args[0]) if args else None))


async def run_edit(ls: CodeassistServer, data: Any) -> dict:
    """The command's work; see `codeassist.lsp.edit_command` for the params and the result."""
    params = parse_edit_params(data)
    _, rel = ls.workspace_text(params.uri)  # refuses URIs outside the workspace
    open_document = ls.document(params.uri)  # however the client spelled the URI (percent-encoding, drive)
    document = open_document or ls.workspace.get_text_document(params.uri)
    version = open_document.version if open_document is not None else None
    language = document_language(rel, document.language_id)
    region = region_of(document, params.range,
                       lambda text, line: actions.declaration_span(text, line, line, language))
    request = EditRequest(rel, document.source, region, params.instruction, language, params.diagnostics)
    progress = ls.progress_reporter("Editing") or (lambda kind, message, pct: None)
    progress("begin", f"{rel}:{region.start_line}-{region.end_line}", None)
    cancel = threading.Event()
    written = [0]

    def on_delta(text: str) -> None:
        written[0] += len(text)
        progress("report", f"writing the edit ({written[0]} characters)", None)

    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(ls.chat_executor, lambda: propose_edit(
        request, searcher=ls.searcher(params.uri), settings=ls.settings, on_delta=on_delta, cancel=cancel))
    try:
        proposal = await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        progress("end", "cancelled: nothing was changed", None)
        raise
    except EditRejected as err:
        progress("end", "not applied", None)
        ls.show(f"{err.reason}", types.MessageType.Warning)
        return {"applied": False, "reason": err.reason, "proposed": err.proposed}
    except BaseException:
        progress("end", "failed", None)
        raise
    if proposal.cancelled:
        progress("end", "cancelled: nothing was changed", None)
        return {"applied": False, "cancelled": True}
    rng = lsp_range(document, region)
    result: dict[str, Any] = {
        "applied": False, "uri": params.uri, "version": version, "newText": proposal.replacement,
        "range": {"start": {"line": rng.start.line, "character": rng.start.character},
                  "end": {"line": rng.end.line, "character": rng.end.character}},
        "diff": proposal.diff, "summary": summary(proposal)}
    current = ls.document(params.uri)
    if version is not None and (current is None or current.version != version):
        progress("end", "not applied", None)
        return {**result, "reason": "The document changed while the edit was being written; nothing was applied."}
    if params.apply and proposal.diff:
        answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=workspace_edit(params.uri, version, rng, proposal.replacement),
            label=f"codeassist: {params.instruction[:60]}"))
        result["applied"] = bool(answer and answer.applied)
        if not result["applied"]:
            result["reason"] = (answer.failure_reason if answer else "") or "The editor did not apply the edit."
    progress("end", result["summary"] if result["applied"] or not params.apply else "not applied", None)
    return result
