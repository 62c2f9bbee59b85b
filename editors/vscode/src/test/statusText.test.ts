import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeStatus } from "../statusText";

describe("describeStatus", () => {
  it("shows a spinner before the server answers", () => {
    assert.match(describeStatus(undefined).text, /sync~spin/);
  });

  it("summarises index and models", () => {
    const { text, tooltip } = describeStatus({
      indexState: "ready",
      files: 12,
      chunks: 340,
      embedded: 340,
      completionModel: "qwen2.5-coder:1.5b",
      chatModel: null,
      enabled: true,
    });
    assert.equal(text, "$(sparkle) codeassist");
    assert.match(tooltip, /inline completion on/);
    assert.match(tooltip, /index ready — 12 files, 340 chunks, 340 embedded/);
    assert.match(tooltip, /Completion model: qwen2.5-coder:1.5b/);
    assert.match(tooltip, /Chat model: not configured/);
  });

  it("shows when completion is off", () => {
    const { text, tooltip } = describeStatus({
      indexState: "lexical", files: 1, chunks: 2, embedded: 0, completionModel: null, chatModel: "m", enabled: false,
    });
    assert.equal(text, "$(sync~spin) codeassist");
    assert.match(tooltip, /inline completion off/);
    assert.match(tooltip, /Completion model: local fallback/);
  });
});
