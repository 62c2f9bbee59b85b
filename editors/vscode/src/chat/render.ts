/**
 * Pure: Markdown answers and their sources -> HTML for the chat webview.
 *
 * Everything the model or the repository wrote is untrusted: every piece of text is escaped before any
 * markup is added, links are kept only for http(s) URLs, and sources become data attributes that the
 * webview script turns into "open this range" messages (never raw hrefs to files).
 */

import type { Source } from "../protocol";

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Inline Markdown on one line: `code`, **bold**, *italic*, [text](https://…). */
export function renderInline(line: string): string {
  const parts = line.split(/(`[^`]+`)/);
  return parts
    .map((part) => {
      if (part.length > 2 && part.startsWith("`") && part.endsWith("`")) {
        return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      }
      return escapeHtml(part)
        .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>')
        .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, "$1<em>$2</em>")
        .replace(/(^|[^\w])_([^_\s][^_]*)_(?!\w)/g, "$1<em>$2</em>");
    })
    .join("");
}

/** A fenced code block with Copy / Insert buttons (the webview script posts the block's text). */
export function codeBlock(code: string, language = ""): string {
  const cls = language ? ` class="language-${escapeHtml(language)}"` : "";
  return (
    '<div class="code-block"><div class="code-actions">' +
    '<button type="button" class="code-copy" title="Copy to the clipboard">Copy</button>' +
    '<button type="button" class="code-insert" title="Insert at the cursor in the editor">Insert</button></div>' +
    `<pre><code${cls}>${escapeHtml(code)}</code></pre></div>`
  );
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

/** Block Markdown: fenced code (also an unterminated one while streaming), headings, lists, paragraphs. */
export function renderMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const html: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | undefined;

  const flushParagraph = (): void => {
    if (paragraph.length > 0) {
      html.push(`<p>${paragraph.map(renderInline).join("<br>")}</p>`);
      paragraph = [];
    }
  };
  const flushList = (): void => {
    if (list) {
      html.push(`<${list.tag}>${list.items.map((item) => `<li>${renderInline(item)}</li>`).join("")}</${list.tag}>`);
      list = undefined;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const marker = fence[1];
      const language = fence[2];
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(marker)) {
        body.push(lines[i]);
        i++;
      }
      html.push(codeBlock(body.join("\n"), language));
      continue;
    }
    if (line.trim() === "") {
      flushParagraph();
      flushList();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const level = Math.min(6, heading[1].length + 2);
      html.push(`<h${level}>${renderInline(heading[2])}</h${level}>`);
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? "ul" : "ol";
      if (list?.tag !== tag) {
        flushList();
        list = { tag, items: [] };
      }
      list.items.push((bullet ?? numbered)?.[1] ?? "");
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return html.join("\n");
}

/** `file:///repo/src/a.py` -> `src/a.py` when it lies under one of the workspace roots. */
export function displayPath(uri: string, workspaceRoots: readonly string[] = []): string {
  for (const root of workspaceRoots) {
    const prefix = root.endsWith("/") ? root : `${root}/`;
    if (uri.startsWith(prefix)) {
      return decodeURIComponent(uri.slice(prefix.length));
    }
  }
  return decodeURIComponent(uri.replace(/^file:\/\//, ""));
}

/** Sources as a list of links; the webview script opens `data-*` ranges through the extension. */
export function renderSources(sources: readonly Source[], workspaceRoots: readonly string[] = []): string {
  if (sources.length === 0) {
    return "";
  }
  const items = sources.map((source) => {
    const { start, end } = source.range;
    const lines = start.line === end.line ? `${start.line + 1}` : `${start.line + 1}-${end.line + 1}`;
    const label = `${displayPath(source.uri, workspaceRoots)}:${lines}`;
    const symbol = source.symbol ? ` <span class="symbol">${escapeHtml(source.symbol)}</span>` : "";
    const data = [
      `data-uri="${escapeHtml(source.uri)}"`,
      `data-start-line="${start.line}"`,
      `data-start-character="${start.character}"`,
      `data-end-line="${end.line}"`,
      `data-end-character="${end.character}"`,
    ].join(" ");
    return `<li><a href="#" class="source" ${data}>${escapeHtml(label)}</a>${symbol}</li>`;
  });
  return `<div class="sources"><div class="sources-title">Sources</div><ul>${items.join("")}</ul></div>`;
}
