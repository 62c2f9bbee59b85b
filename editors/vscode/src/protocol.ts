/**
 * Names shared with the server (lsp/protocol.py) and the Neovim plugin (lua/codeassist/protocol.lua).
 * tests/editors/test_protocol_names.py checks the three copies agree; change them together.
 */

export const SERVER_NAME = "codeassist-lsp";

// Custom methods
export const ASK = "codeassist/ask";
export const ANSWER_DELTA = "codeassist/answerDelta";
export const STATUS = "codeassist/status";
export const STATUS_CHANGED = "codeassist/statusChanged";
export const SUGGESTION_EVENT = "codeassist/suggestionEvent";

// Commands (workspace/executeCommand)
export const CMD_ASK = "codeassist.ask";
export const CMD_EXPLAIN = "codeassist.explain";
export const CMD_WRITE_DOCSTRING = "codeassist.writeDocstring";
export const CMD_FIND_SIMILAR = "codeassist.findSimilar";
export const CMD_REINDEX = "codeassist.reindex";
export const CMD_TOGGLE = "codeassist.toggle";
export const CMD_EDIT = "codeassist.edit";
// The inline item's command: VS Code runs it when the suggestion is accepted (local metrics only).
export const CMD_SUGGESTION_ACCEPTED = "codeassist.suggestionAccepted";

export const COMMANDS = [CMD_ASK, CMD_EXPLAIN, CMD_WRITE_DOCSTRING, CMD_FIND_SIMILAR, CMD_REINDEX, CMD_TOGGLE, CMD_EDIT,
  CMD_SUGGESTION_ACCEPTED];

// Client-side command: the extension asks for the instruction, then runs CMD_EDIT (preview first).
export const CLIENT_CMD_EDIT_PROMPT = "codeassist.editWithInstruction";

// Code action titles (what the user sees in the lightbulb menu)
export const ACTION_EXPLAIN = "codeassist: Explain this code";
export const ACTION_DOCSTRING = "codeassist: Write a docstring";
export const ACTION_SIMILAR = "codeassist: Find similar code";
export const ACTION_EDIT = "codeassist: Edit with instruction…";
export const ACTION_FIX = "codeassist: Fix with codeassist";

/** codeassist.edit arguments[0] and result (see lsp/protocol.py). */
export interface EditParams {
  textDocument: { uri: string };
  range?: LspRange;
  instruction?: string;
  diagnostics?: unknown[];
  apply?: boolean;
}

export interface EditResult {
  applied: boolean;
  uri?: string;
  version?: number | null;
  range?: LspRange;
  newText?: string;
  diff?: string;
  summary?: string;
  reason?: string;
  proposed?: string;
  cancelled?: boolean;
}

/** LSP range (0-based lines and UTF-16 characters). */
export interface LspPosition {
  line: number;
  character: number;
}
export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** One retrieved snippet the answer cites. */
export interface Source {
  uri: string;
  range: LspRange;
  symbol?: string | null;
}

export interface AskParams {
  question: string;
  textDocument?: { uri: string };
  range?: LspRange;
  conversationId?: string;
}

export interface AskResult {
  conversationId: string;
  answer: string;
  sources: Source[];
  model?: string | null;
}

export interface AnswerDelta {
  conversationId: string;
  text: string;
}

export type IndexState = "none" | "building" | "lexical" | "ready" | "error";

export interface ServerStatus {
  indexState: IndexState;
  files: number;
  chunks: number;
  embedded: number;
  completionModel: string | null;
  chatModel: string | null;
  enabled: boolean;
}
