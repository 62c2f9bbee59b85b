"""Inline completion (`textDocument/inlineCompletion`) and plain completion for clients without it."""

from __future__ import annotations

from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.app import CodeassistServer, server
from codeassist.lsp.completion_items import SORT_FIRST, item_text
from codeassist.lsp.handlers_metrics import tracker


@server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
async def inline_completion(ls: CodeassistServer, params: types.InlineCompletionParams):
    if ls.document(params.text_document.uri) is None:
        return types.InlineCompletionList(items=[])  # only open documents: their text is the editor's
    ls.inline_client = True
    request, replaced, head = ls.inline_request(params)
    suggestion = await ls.engine.complete(request)
    if suggestion is None:
        return types.InlineCompletionList(items=[])
    if suggestion.source == "model":
        ls.notices.clear("completion")
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
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    request = ls.document_request(params.text_document.uri, params.position)
    suggestion = await ls.engine.complete(request)
    if suggestion is None:
        return types.CompletionList(is_incomplete=True, items=[])
    if suggestion.source == "model":
        ls.notices.clear("completion")
    line = request.text.split("\n")[request.line] if request.text else ""
    shape = item_text(line[:request.character], suggestion.text)
    start = doc.position_codec.position_to_client_units(
        doc.lines, types.Position(line=request.line, character=shape.start_character))
    item = types.CompletionItem(
        label=shape.label, kind=types.CompletionItemKind.Text, detail=f"codeassist ({suggestion.source})",
        sort_text=SORT_FIRST, preselect=True, filter_text=shape.filter_text,
        text_edit=types.TextEdit(range=types.Range(start=start, end=params.position), new_text=shape.new_text),
        insert_text_format=types.InsertTextFormat.PlainText)
    return types.CompletionList(is_incomplete=True, items=[item])
