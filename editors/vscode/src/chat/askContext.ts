/**
 * Pure: the current file and selection that go with a question, from the chat panel as from the Ask
 * command, so "what does this do?" typed in the panel is about the code in front of the user.
 */

import type { LspRange } from "../protocol";

/** The active editor as this module needs it (`undefined` selection = nothing selected). */
export interface EditorState {
  uri: string; // as the server sees it (code2Protocol)
  scheme: string;
  selection?: LspRange;
}

export interface AskContext {
  textDocument?: { uri: string };
  range?: LspRange;
}

/** `{textDocument, range?}` for a file on disk; `{}` for no editor, an untitled buffer or another scheme
 * (the server only reads files inside the workspace). */
export function askContext(editor: EditorState | undefined): AskContext {
  if (!editor || editor.scheme !== "file") {
    return {};
  }
  return { textDocument: { uri: editor.uri }, ...(editor.selection ? { range: editor.selection } : {}) };
}
