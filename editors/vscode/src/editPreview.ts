/**
 * Pure parts of "Edit with instruction…" (no vscode import, tested with node --test): the params sent to
 * `codeassist.edit` (preview first: apply=false), the proposed document the diff view shows, and what the
 * user is told when the server refused the model's answer.
 */

import type { EditParams, EditResult, LspPosition, LspRange } from "./protocol";

/** codeassist.edit arguments for a preview: the server validates, the extension applies after Accept. */
export function buildEditParams(uri: string, range: LspRange, instruction: string): EditParams {
  return { textDocument: { uri }, range, instruction: instruction.trim(), apply: false };
}

/** Offset of an LSP position in `text` (LSP lines end at \r\n, \n or \r; characters are UTF-16 units,
 * which is what JavaScript string indexes count). Positions past a line's end clamp to it. */
export function offsetAt(text: string, position: LspPosition): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.slice(offset).search(/\r\n|\n|\r/);
    if (next < 0) {
      return text.length;
    }
    offset += next + (text.startsWith("\r\n", offset + next) ? 2 : 1);
  }
  const rest = text.slice(offset).search(/\r\n|\n|\r/);
  const lineLength = rest < 0 ? text.length - offset : rest;
  return offset + Math.min(position.character, lineLength);
}

/** The document text after replacing `range` with `newText`: what the diff view shows on the right. */
export function applyEdit(text: string, range: LspRange, newText: string): string {
  const start = offsetAt(text, range.start);
  const end = offsetAt(text, range.end);
  return text.slice(0, start) + newText + text.slice(end);
}

/** What to tell the user about a result that has nothing to preview; null when there is a proposal. */
export function refusalMessage(result: EditResult | null | undefined): string | null {
  if (!result) {
    return "codeassist: the server returned no edit.";
  }
  if (result.cancelled) {
    return "codeassist: edit cancelled; nothing changed.";
  }
  if (result.reason) {
    return `codeassist: not applied: ${result.reason}`;
  }
  if (!result.range || result.newText === undefined || !result.diff) {
    return "codeassist: the model left the selection unchanged.";
  }
  return null;
}
