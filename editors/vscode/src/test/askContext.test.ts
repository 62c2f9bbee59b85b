import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { askContext } from "../chat/askContext";
import { parseWebviewMessage } from "../chat/messages";
import { codeBlock, renderMarkdown } from "../chat/render";

const range = { start: { line: 3, character: 0 }, end: { line: 9, character: 4 } };

describe("panel questions carry the editor context (issue 15 item 18)", () => {
  it("sends the current file and selection", () => {
    assert.deepEqual(askContext({ uri: "file:///r/a.py", scheme: "file", selection: range }),
      { textDocument: { uri: "file:///r/a.py" }, range });
  });

  it("sends the file alone when nothing is selected, nothing for untitled buffers or no editor", () => {
    assert.deepEqual(askContext({ uri: "file:///r/a.py", scheme: "file" }), { textDocument: { uri: "file:///r/a.py" } });
    assert.deepEqual(askContext({ uri: "untitled:Untitled-1", scheme: "untitled", selection: range }), {});
    assert.deepEqual(askContext(undefined), {});
  });
});

describe("copy / insert buttons on code blocks (issue 15 item 18)", () => {
  it("gives every fenced block its own buttons and keeps the code escaped", () => {
    const html = renderMarkdown("One:\n```py\nx = '<b>'\n```\nTwo:\n```\ny = 2\n```");
    assert.equal(html.match(/class="code-copy"/g)?.length, 2);
    assert.equal(html.match(/class="code-insert"/g)?.length, 2);
    assert.ok(html.includes(codeBlock("x = '<b>'", "py")));
    assert.ok(html.includes("x = &#39;&lt;b&gt;&#39;"));
  });

  it("accepts copy and insert messages with the block's text, rejects empty ones", () => {
    assert.deepEqual(parseWebviewMessage({ type: "copyCode", code: "x = 1" }), { type: "copyCode", code: "x = 1" });
    assert.deepEqual(parseWebviewMessage({ type: "insertCode", code: "y()" }), { type: "insertCode", code: "y()" });
    assert.equal(parseWebviewMessage({ type: "insertCode", code: "" }), undefined);
    assert.equal(parseWebviewMessage({ type: "copyCode", code: 42 }), undefined);
  });
});
