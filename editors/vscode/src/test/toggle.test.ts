import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildInitializationOptions, nextToggle } from "../settings";

describe("the toggle is a persisted setting (issue 15 item 17)", () => {
  it("turns completion off in user settings when nothing set it", () => {
    assert.deepEqual(nextToggle({ defaultValue: true }), { value: false, target: "global" });
    assert.deepEqual(nextToggle({ defaultValue: true, globalValue: false }), { value: true, target: "global" });
  });

  it("writes the most specific scope that sets it, so the new value takes effect", () => {
    assert.deepEqual(nextToggle({ defaultValue: true, globalValue: true, workspaceValue: false }), { value: true, target: "workspace" });
    assert.deepEqual(nextToggle({ globalValue: false, workspaceValue: false, workspaceFolderValue: true }),
      { value: false, target: "workspaceFolder" });
  });

  it("a later, unrelated settings change keeps completion off", () => {
    // After the toggle the setting holds false; any other codeassist.* change re-sends the options from it.
    const { value } = nextToggle({ defaultValue: true });
    const settings: Record<string, unknown> = { enable: value, "chat.model": "llama3.1" };
    settings["completion.model"] = "qwen2.5-coder:1.5b"; // the unrelated change
    const options = buildInitializationOptions({ get: <T>(k: string) => settings[k] as T | undefined });
    assert.equal(options.lsp.inlineCompletion, false);
  });
});

describe("API key from secret storage (issue 15 item 18)", () => {
  it("wins over the plain setting and reaches every endpoint", () => {
    const values: Record<string, unknown> = { apiKey: "sk-plain", "chat.model": "m", "completion.model": "c" };
    const options = buildInitializationOptions({ get: <T>(k: string) => values[k] as T | undefined }, "sk-secret");
    assert.equal(options.chat?.apiKey, "sk-secret");
    assert.equal(options.completion?.apiKey, "sk-secret");
  });

  it("falls back to the setting when no secret is stored", () => {
    const values: Record<string, unknown> = { apiKey: "sk-plain", "chat.model": "m" };
    assert.equal(buildInitializationOptions({ get: <T>(k: string) => values[k] as T | undefined }, undefined).chat?.apiKey, "sk-plain");
  });
});
