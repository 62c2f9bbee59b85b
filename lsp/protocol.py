"""Names shared by the server and both editor clients: custom LSP methods, commands, settings keys.

The VS Code extension (editors/vscode/src/protocol.ts) and the Neovim plugin
(editors/nvim/lua/codeassist/protocol.lua) carry copies of these strings; a test checks they agree.

Custom requests / notifications
-------------------------------
``codeassist/ask`` (request, client -> server)
    params ``{question: str, textDocument?: {uri}, range?: Range, position?: Position, conversationId?: str}``
    (a non-empty range: those lines; an empty range or a position: the declaration around that cursor, or
    30 lines either side; a document alone: its first 31 lines -- never the whole file cut by the budget)
    result ``{conversationId: str, answer: str, sources: [{uri, range, symbol}], model: str}``
    While the answer is generated the server sends ``codeassist/answerDelta`` notifications.
``codeassist/answerDelta`` (notification, server -> client)
    params ``{conversationId: str, text: str}`` — text pieces in order; their concatenation is the answer.
``codeassist/status`` (request, client -> server)
    params ``{checkEndpoints?: bool}``
    result ``{indexState: "none"|"building"|"lexical"|"ready"|"error", files: int, chunks: int,
    embedded: int, folders: [{root, indexState, files, chunks, embedded}], completionModel: str|null,
    chatModel: str|null, enabled: bool, problems: {cause: message}}`` (the counts summed over the
    workspace folders; ``problems``: the completion path's errors, which never become message boxes);
    with ``checkEndpoints`` also ``endpoints: {completion, chat}``, each ``{status: "ok"|"warn"|"fail"|
    "none", detail, fix}`` from ``GET /models`` (as ``codeassist doctor``).
``codeassist/statusChanged`` (notification, server -> client): the same object, sent when it changes.
    Both also carry ``completionChain`` / ``chatChain``: ``[{position, endpoint, model, state:
    "closed"|"open"|"half-open"|"probing", retryInS, lastError}]`` and ``lastCompletion``:
    ``{servedBy, position, skipped: [[endpoint, reason]]}`` (which endpoint served the last suggestion).
``codeassist/suggestionEvent`` (notification, client -> server): local metrics, never sent anywhere.
    params ``{id: str, kind: "accepted"|"partial"|"dismissed", acceptedChars?: int}``; ``id`` is the
    one in the inline item's command arguments. Being shown is counted by the server.

Inline completion items carry ``command: {command: "codeassist.suggestionAccepted", arguments: [{id}]}``:
VS Code runs it when the item is accepted; Neovim's accept mapping sends ``suggestionEvent`` instead.

Commands (``workspace/executeCommand``)
---------------------------------------
``codeassist.ask``           arguments ``[{question, textDocument?, range?, conversationId?}]`` -> like codeassist/ask
``codeassist.explain``       arguments ``[{textDocument: {uri}, range}]`` -> like codeassist/ask with an explain prompt
``codeassist.writeDocstring`` arguments ``[{textDocument: {uri}, range | position}]`` -> server sends
                              ``workspace/applyEdit`` (the client asked by running the command); result
                              ``{applied: bool}``. The same edit is offered by the "Write a docstring" code
                              action, computed on ``codeAction/resolve`` when the client supports it.
``codeassist.findSimilar``   arguments ``[{textDocument: {uri}, range}]`` -> list of Location
``codeassist.reindex``       no arguments -> re-indexes the workspace, reports with $/progress; ``{started: true}``
``codeassist.toggle``        no arguments -> enables/disables inline completion, returns ``{enabled: bool}``
``codeassist.edit``          arguments ``[{textDocument: {uri}, range?, instruction?, diagnostics?: Diagnostic[],
                              apply?: bool = true}]`` -> rewrites the range (empty/missing: the symbol under the
                              cursor) as instructed (diagnostics alone: fix them); with ``$/progress`` while the
                              model writes; cancellable. Validated (the file must still parse) before anything
                              is applied; applied with ``workspace/applyEdit`` (one TextEdit on the request's
                              document version) unless ``apply`` is false (a client that previews first).
                              Result ``{applied, uri, version, range, newText, diff, summary}`` or
                              ``{applied: false, reason, proposed}`` when the answer was not acceptable.
``codeassist.suggestionAccepted`` arguments ``[{id, acceptedChars?}]`` -> records the acceptance; ``null``

Every ``uri`` in these params must name a file inside the workspace root; anything else (another folder,
``..`` segments, other schemes) is refused with an InvalidParams error saying so.

Server-only options (``initializationOptions.lsp``, camelCase; everything else in initializationOptions
is the settings object, e.g. ``{"completion": {"model": ..., "baseUrl": ..., "debounceMs": ...}}``)
---------------------------------------------------------------------------------------------------
``indexOnStart`` (true)       build/update the workspace index in the background on ``initialized``
``embed`` (true)              compute embeddings (dense search) after the lexical index is ready
``retrievalMode`` ("lexical") retrieval for completion: "lexical" or "hybrid"
``inlineCompletion`` (true)   initial state of inline completion (``codeassist.toggle`` flips it)
``reindexDebounceMs`` (500)   delay before re-indexing a saved / changed file
``editPrompt`` (false)        the client implements ``codeassist.editWithInstruction`` (asks for an instruction);
                              the "Edit with instruction…" code action is offered only then
``fimContext`` ("comments")   retrieved snippets as comments, or "files": Qwen2.5-Coder / StarCoder2
                              repository-level format (``<|file_sep|>``); other families keep comments
"""

from __future__ import annotations

SERVER_NAME = "codeassist-lsp"

# Custom methods
ASK = "codeassist/ask"
ANSWER_DELTA = "codeassist/answerDelta"
STATUS = "codeassist/status"
STATUS_CHANGED = "codeassist/statusChanged"
SUGGESTION_EVENT = "codeassist/suggestionEvent"

# Commands
CMD_ASK = "codeassist.ask"
CMD_EXPLAIN = "codeassist.explain"
CMD_WRITE_DOCSTRING = "codeassist.writeDocstring"
CMD_FIND_SIMILAR = "codeassist.findSimilar"
CMD_REINDEX = "codeassist.reindex"
CMD_TOGGLE = "codeassist.toggle"
CMD_EDIT = "codeassist.edit"
CMD_SUGGESTION_ACCEPTED = "codeassist.suggestionAccepted"

COMMANDS = (CMD_ASK, CMD_EXPLAIN, CMD_WRITE_DOCSTRING, CMD_FIND_SIMILAR, CMD_REINDEX, CMD_TOGGLE, CMD_EDIT,
            CMD_SUGGESTION_ACCEPTED)

# Client-side commands: each editor client implements them (they need UI the server does not have).
# codeassist.editWithInstruction [{textDocument, range}]: ask the user for an instruction, then run
# codeassist.edit with it. Offered as a code action only to clients that set `lsp.editPrompt`.
CLIENT_CMD_EDIT_PROMPT = "codeassist.editWithInstruction"

# Code action titles (what the user sees in the lightbulb menu)
ACTION_EXPLAIN = "codeassist: Explain this code"
ACTION_DOCSTRING = "codeassist: Write a docstring"
ACTION_SIMILAR = "codeassist: Find similar code"
ACTION_EDIT = "codeassist: Edit with instruction…"
ACTION_FIX = "codeassist: Fix with codeassist"
