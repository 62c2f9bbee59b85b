import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeBlock, displayPath, escapeHtml, renderInline, renderMarkdown, renderSources } from "../chat/render";

describe("escapeHtml", () => {
  it("escapes every character that could open markup or an attribute", () => {
    assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;");
  });
});

describe("renderMarkdown", () => {
  it("renders a fenced code block escaped, with its language", () => {
    const html = renderMarkdown("Use it like this:\n\n```python\nif a < b and c > d:\n    print('<b>')\n```\n");
    assert.equal(
      html,
      '<p>Use it like this:</p>\n' + codeBlock("if a < b and c > d:\n    print('<b>')", "python"),
    );
  });

  it("renders an unterminated fence (mid-stream) as code", () => {
    assert.equal(renderMarkdown("```js\nlet x = 1;"), codeBlock("let x = 1;", "js"));
  });

  it("renders headings, lists, inline code, bold and italics", () => {
    const html = renderMarkdown("## What `foo` does\n\n- **parses** the *input*\n- returns `List[int]`\n\n1. one\n2. two");
    assert.equal(
      html,
      [
        "<h4>What <code>foo</code> does</h4>",
        "<ul><li><strong>parses</strong> the <em>input</em></li><li>returns <code>List[int]</code></li></ul>",
        "<ol><li>one</li><li>two</li></ol>",
      ].join("\n"),
    );
  });

  it("never lets raw HTML from the model through", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n**<img src=x onerror=alert(1)>**\n`<b>`');
    assert.ok(!html.includes("<script"), html);
    assert.ok(!html.includes("<img"), html);
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(html.includes("<strong>&lt;img src=x onerror=alert(1)&gt;</strong>"));
    assert.ok(html.includes("<code>&lt;b&gt;</code>"));
  });

  it("keeps http(s) links and drops other schemes", () => {
    assert.equal(renderInline("[docs](https://example.com/a?b=1)"), '<a href="https://example.com/a?b=1">docs</a>');
    assert.equal(renderInline("[x](javascript:alert(1))"), "[x](javascript:alert(1))");
    assert.equal(renderInline('[x](https://e.com/"onmouseover="a)'), '<a href="https://e.com/&quot;onmouseover=&quot;a">x</a>');
  });

  it("leaves snake_case identifiers alone", () => {
    assert.equal(renderInline("call load_config_file now"), "call load_config_file now");
  });
});

describe("renderSources", () => {
  const root = "file:///work/repo";

  it("renders each source as a link carrying its range, relative to the workspace", () => {
    const html = renderSources(
      [
        { uri: `${root}/src/app.py`, range: { start: { line: 9, character: 0 }, end: { line: 19, character: 4 } }, symbol: "foo" },
        { uri: `${root}/lib/util%20x.ts`, range: { start: { line: 0, character: 2 }, end: { line: 0, character: 8 } } },
      ],
      [root],
    );
    assert.equal(
      html,
      '<div class="sources"><div class="sources-title">Sources</div><ul>' +
        '<li><a href="#" class="source" data-uri="file:///work/repo/src/app.py" data-start-line="9" data-start-character="0" ' +
        'data-end-line="19" data-end-character="4">src/app.py:10-20</a> <span class="symbol">foo</span></li>' +
        '<li><a href="#" class="source" data-uri="file:///work/repo/lib/util%20x.ts" data-start-line="0" data-start-character="2" ' +
        'data-end-line="0" data-end-character="8">lib/util x.ts:1</a></li>' +
        "</ul></div>",
    );
  });

  it("escapes hostile paths and symbols", () => {
    const html = renderSources(
      [{ uri: 'file:///r/"><script>.py', range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, symbol: "<b>" }],
      ["file:///r"],
    );
    assert.ok(!html.includes("<script"), html);
    assert.ok(html.includes('data-uri="file:///r/&quot;&gt;&lt;script&gt;.py"'));
    assert.ok(html.includes('<span class="symbol">&lt;b&gt;</span>'));
  });

  it("renders nothing without sources", () => {
    assert.equal(renderSources([]), "");
  });

  it("shows a path outside the workspace without the scheme", () => {
    assert.equal(displayPath("file:///elsewhere/a.py", ["file:///work/repo"]), "/elsewhere/a.py");
  });
});
