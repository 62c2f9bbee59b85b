--- Names shared with the server (lsp/protocol.py) and the VS Code extension (src/protocol.ts).
--- tests/editors/test_protocol_names.py checks the three copies agree; change them together.
local M = {
  SERVER_NAME = "codeassist-lsp",

  -- Custom methods
  ASK = "codeassist/ask",
  ANSWER_DELTA = "codeassist/answerDelta",
  STATUS = "codeassist/status",
  STATUS_CHANGED = "codeassist/statusChanged",
  SUGGESTION_EVENT = "codeassist/suggestionEvent",

  -- Commands (workspace/executeCommand)
  CMD_ASK = "codeassist.ask",
  CMD_EXPLAIN = "codeassist.explain",
  CMD_WRITE_DOCSTRING = "codeassist.writeDocstring",
  CMD_FIND_SIMILAR = "codeassist.findSimilar",
  CMD_REINDEX = "codeassist.reindex",
  CMD_TOGGLE = "codeassist.toggle",
  CMD_EDIT = "codeassist.edit",
  CMD_SUGGESTION_ACCEPTED = "codeassist.suggestionAccepted",

  -- Client-side command (the plugin asks for the instruction, then runs CMD_EDIT)
  CLIENT_CMD_EDIT_PROMPT = "codeassist.editWithInstruction",

  -- Code action titles (what the user sees in the code action menu)
  ACTION_EXPLAIN = "codeassist: Explain this code",
  ACTION_DOCSTRING = "codeassist: Write a docstring",
  ACTION_SIMILAR = "codeassist: Find similar code",
  ACTION_EDIT = "codeassist: Edit with instruction…",
  ACTION_FIX = "codeassist: Fix with codeassist",
}

M.COMMANDS = { M.CMD_ASK, M.CMD_EXPLAIN, M.CMD_WRITE_DOCSTRING, M.CMD_FIND_SIMILAR, M.CMD_REINDEX, M.CMD_TOGGLE, M.CMD_EDIT,
  M.CMD_SUGGESTION_ACCEPTED }

--- The LSP client name the plugin starts (and finds) the server under.
M.CLIENT_NAME = "codeassist"

return M
