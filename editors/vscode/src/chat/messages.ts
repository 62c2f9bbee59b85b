/**
 * Pure chat state and the messages between the webview and the extension.
 *
 * The server streams `codeassist/answerDelta {conversationId, text}` while a `codeassist/ask` request
 * is pending and then resolves it with the full answer and its sources. The client names each
 * conversation itself (the id goes with every question, so the server keeps the history under it), and
 * `ChatSession` appends only that conversation's deltas to the turn waiting for them; the final result
 * replaces the streamed text (it is authoritative), so a lost or late delta never leaves a wrong answer.
 */

import { randomUUID } from "node:crypto";
import type { AnswerDelta, AskResult, LspRange, Source } from "../protocol";
import { escapeHtml, renderMarkdown, renderSources } from "./render";

// ---- webview -> extension -------------------------------------------------------------------------

export type WebviewMessage =
  | { type: "ready" }
  | { type: "ask"; question: string }
  | { type: "newConversation" }
  | { type: "cancel" }
  | { type: "openSource"; uri: string; range: LspRange }
  | { type: "copyCode" | "insertCode"; code: string };

/** The largest code block the webview may hand back for copy / insert. */
export const MAX_CODE_CHARS = 1_000_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toInt(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function toRange(value: unknown): LspRange | undefined {
  if (!isRecord(value) || !isRecord(value.start) || !isRecord(value.end)) {
    return undefined;
  }
  const [sl, sc, el, ec] = [value.start.line, value.start.character, value.end.line, value.end.character].map(toInt);
  if (sl === undefined || sc === undefined || el === undefined || ec === undefined) {
    return undefined;
  }
  return { start: { line: sl, character: sc }, end: { line: el, character: ec } };
}

/** Validate a message posted by the webview; anything malformed is dropped (returns undefined). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== "string") {
    return undefined;
  }
  switch (raw.type) {
    case "ready":
    case "newConversation":
    case "cancel":
      return { type: raw.type };
    case "ask": {
      const question = typeof raw.question === "string" ? raw.question.trim() : "";
      return question ? { type: "ask", question } : undefined;
    }
    case "openSource": {
      const range = toRange(raw.range);
      const uri = typeof raw.uri === "string" ? raw.uri : "";
      // Only workspace files: a source link must never open an arbitrary scheme.
      return range && uri.startsWith("file://") ? { type: "openSource", uri, range } : undefined;
    }
    case "copyCode":
    case "insertCode":
      return typeof raw.code === "string" && raw.code.length > 0 && raw.code.length <= MAX_CODE_CHARS
        ? { type: raw.type, code: raw.code }
        : undefined;
    default:
      return undefined;
  }
}

// ---- extension -> webview -------------------------------------------------------------------------

export interface RenderMessage {
  type: "render";
  html: string;
  busy: boolean;
}

// ---- conversation state ---------------------------------------------------------------------------

export interface Turn {
  question: string;
  answer: string;
  sources: Source[];
  done: boolean;
  error?: string;
  model?: string | null;
}

export interface Conversation {
  id: string;
  turns: Turn[];
}

export class ChatSession {
  private conversation: Conversation;

  constructor(private readonly newId: () => string = randomUUID) {
    this.conversation = { id: newId(), turns: [] };
  }

  get current(): Conversation {
    return this.conversation;
  }

  get busy(): boolean {
    return this.conversation.turns.some((turn) => !turn.done);
  }

  /** Start a fresh conversation (the next question carries no history). */
  reset(): void {
    this.conversation = { id: this.newId(), turns: [] };
  }

  /** Record a question; returns the conversation id to send with it. */
  begin(question: string): string {
    this.conversation.turns.push({ question, answer: "", sources: [], done: false });
    return this.conversation.id;
  }

  private pending(conversationId: unknown): Turn | undefined {
    return conversationId === this.conversation.id ? this.conversation.turns.find((t) => !t.done) : undefined;
  }

  /** Append a streamed piece; returns false when no turn of that conversation is waiting. */
  applyDelta(delta: AnswerDelta): boolean {
    const turn = typeof delta.text === "string" ? this.pending(delta.conversationId) : undefined;
    if (!turn) {
      return false;
    }
    turn.answer += delta.text;
    return true;
  }

  /** The request resolved: its answer and sources replace what was streamed. */
  finish(result: AskResult): void {
    const turn = this.conversation.turns.find((t) => !t.done);
    if (!turn) {
      return;
    }
    turn.answer = typeof result.answer === "string" ? result.answer : turn.answer;
    turn.sources = Array.isArray(result.sources) ? result.sources : [];
    turn.model = result.model;
    turn.done = true;
  }

  /** The request failed or was cancelled: keep what was streamed and say why. */
  fail(message: string): void {
    const turn = this.conversation.turns.find((t) => !t.done);
    if (turn) {
      turn.error = message;
      turn.done = true;
    }
  }

  render(workspaceRoots: readonly string[] = []): RenderMessage {
    return { type: "render", html: renderConversation(this.conversation, workspaceRoots), busy: this.busy };
  }
}

export function renderTurn(turn: Turn, workspaceRoots: readonly string[] = []): string {
  const parts = [
    `<div class="turn">`,
    `<div class="question">${escapeHtml(turn.question)}</div>`,
    `<div class="answer">${renderMarkdown(turn.answer)}${turn.done ? "" : '<span class="cursor">▍</span>'}</div>`,
  ];
  if (turn.error) {
    parts.push(`<div class="error">${escapeHtml(turn.error)}</div>`);
  }
  parts.push(renderSources(turn.sources, workspaceRoots), `</div>`);
  return parts.join("");
}

export function renderConversation(conversation: Conversation, workspaceRoots: readonly string[] = []): string {
  if (conversation.turns.length === 0) {
    return '<div class="empty">Ask a question about this repository.</div>';
  }
  return conversation.turns.map((turn) => renderTurn(turn, workspaceRoots)).join("\n");
}
