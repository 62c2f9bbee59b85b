"""Inline completion (`textDocument/inlineCompletion`) and plain completion for clients without it."""

from __future__ import annotations

from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.app import CodeassistServer, server
from codeassist.lsp.handlers_metrics import tracker


@server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
async def inline_completion(ls: CodeassistServer, params: types.InlineCompletionParams):
    if params.text_document.uri not in ls.workspace.text_documents:
        return types.InlineCompletionList(items=[])  # only open documents: their text is the editor's
    ls.inline_client = True
    request, replaced, head = ls.inline_request(params)
    suggestion = await ls.engine.complete(request)
    if suggestion is None:
        return types.InlineCompletionList(items=[])
    # The command carries the suggestion's id: VS Code runs it on accept (local metrics, codeassist stats).
    suggestion_id = tracker.shown(ls, params.text_document.uri, suggestion.source, len(suggestion.text))
    accepted = types.Command(title="codeassist: suggestion accepted", command=protocol.CMD_SUGGESTION_ACCEPTED,
                             arguments=[{"id": suggestion_id}])
    return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=head + suggestion.text,
                                                                        range=replaced, command=accepted)])


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
