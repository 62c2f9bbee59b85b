/** Pure: what the status bar item says for a server status (kept apart so it is testable without VS Code). */

import type { ServerStatus } from "./protocol";

export interface StatusText {
  text: string;
  tooltip: string;
}

const INDEX_LABEL: Record<string, string> = {
  none: "not indexed",
  building: "indexing…",
  lexical: "keyword index ready, embedding…",
  ready: "index ready",
  error: "index error",
};

export function describeStatus(status: ServerStatus | undefined): StatusText {
  if (!status) {
    return { text: "$(sync~spin) codeassist", tooltip: "codeassist: starting the language server…" };
  }
  const icon =
    status.indexState === "error"
      ? "$(error)"
      : status.indexState === "building" || status.indexState === "lexical"
        ? "$(sync~spin)"
        : status.enabled
          ? "$(sparkle)"
          : "$(circle-slash)";
  const model = status.completionModel ?? "local fallback";
  const lines = [
    `codeassist — inline completion ${status.enabled ? "on" : "off"} (click to toggle)`,
    `Index: ${INDEX_LABEL[status.indexState] ?? status.indexState} — ${status.files} files, ` +
      `${status.chunks} chunks, ${status.embedded} embedded`,
    `Completion model: ${model}`,
    `Chat model: ${status.chatModel ?? "not configured"}`,
  ];
  return { text: `${icon} codeassist`, tooltip: lines.join("\n") };
}
