import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyEdit, buildEditParams, offsetAt, refusalMessage } from "../editPreview";

const range = (l1: number, c1: number, l2: number, c2: number) => ({
  start: { line: l1, character: c1 },
  end: { line: l2, character: c2 },
});

describe("buildEditParams", () => {
  it("asks for a preview (apply false) with the trimmed instruction", () => {
    assert.deepEqual(buildEditParams("file:///r/a.py", range(4, 0, 6, 0), "  add type hints \n"), {
      textDocument: { uri: "file:///r/a.py" },
      range: range(4, 0, 6, 0),
      instruction: "add type hints",
      apply: false,
    });
  });
});

describe("applyEdit", () => {
  it("replaces whole lines", () => {
    const text = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n";
    const typed = "def mul(a: float, b: float) -> float:\n    return a * b\n";
    assert.equal(applyEdit(text, range(4, 0, 6, 0), typed), text.replace("def mul(a, b):\n    return a * b\n", typed));
  });

  it("counts characters in UTF-16 units, as LSP does", () => {
    const text = "label = '😀'; amount = price * quantity\n";
    const start = text.indexOf("price"); // the emoji is two UTF-16 units in a JavaScript string too
    assert.equal(
      applyEdit(text, range(0, start, 0, start + "price * quantity".length), "discounted(price) * quantity"),
      "label = '😀'; amount = discounted(price) * quantity\n",
    );
  });

  it("keeps CRLF line endings and treats \\r\\n as one line break", () => {
    const text = "package calc\r\n\r\nfunc Mul(a, b int) int {\r\n\treturn a * b\r\n}\r\n";
    assert.equal(offsetAt(text, { line: 2, character: 0 }), text.indexOf("func"));
    assert.equal(
      applyEdit(text, range(2, 0, 3, 0), "func Mul(a, b int64) int64 {\r\n"),
      text.replace("(a, b int) int", "(a, b int64) int64"),
    );
  });

  it("clamps positions past the end of a line or of the file", () => {
    assert.equal(offsetAt("ab\ncd", { line: 0, character: 99 }), 2);
    assert.equal(offsetAt("ab\ncd", { line: 9, character: 0 }), 5);
  });
});

describe("refusalMessage", () => {
  it("passes a previewable result through", () => {
    assert.equal(refusalMessage({ applied: false, range: range(0, 0, 1, 0), newText: "x\n", diff: "--- a\n" }), null);
  });

  it("explains refusals, cancellations and no-ops", () => {
    assert.match(refusalMessage({ applied: false, reason: "would not parse" }) ?? "", /not applied: would not parse/);
    assert.match(refusalMessage({ applied: false, cancelled: true }) ?? "", /cancelled/);
    assert.match(refusalMessage({ applied: false, range: range(0, 0, 0, 0), newText: "", diff: "" }) ?? "", /unchanged/);
    assert.match(refusalMessage(null) ?? "", /no edit/);
  });
});
