import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { buildInitializationOptions, type ConfigReader, resolveServerCommand, serverNotFoundMessage } from "../settings";

/** A VS Code-like configuration object over a flat map of dotted keys. */
function config(values: Record<string, unknown>): ConfigReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe("buildInitializationOptions", () => {
  it("maps dotted settings to nested camelCase options", () => {
    const options = buildInitializationOptions(
      config({
        enable: true,
        debounceMs: 120,
        apiKey: "sk-test",
        "chat.baseUrl": "http://127.0.0.1:11434/v1",
        "chat.model": "llama3.1",
        "completion.baseUrl": "http://127.0.0.1:8080/v1",
        "completion.model": "qwen2.5-coder:1.5b",
        "embeddings.provider": "openai",
        "embeddings.baseUrl": "http://127.0.0.1:8081/v1",
        "embeddings.model": "nomic-embed-text",
        "trace.server": "verbose",
      }),
    );
    assert.deepEqual(options, {
      lsp: { inlineCompletion: true },
      chat: { baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.1", apiKey: "sk-test" },
      completion: { baseUrl: "http://127.0.0.1:8080/v1", model: "qwen2.5-coder:1.5b", apiKey: "sk-test", debounceMs: 120 },
      embeddings: { provider: "openai", baseUrl: "http://127.0.0.1:8081/v1", model: "nomic-embed-text", apiKey: "sk-test" },
    });
  });

  it("leaves out empty values so the server's own config and environment apply", () => {
    const options = buildInitializationOptions(
      config({ enable: true, apiKey: "", "chat.baseUrl": "  ", "chat.model": "", "embeddings.provider": "" }),
    );
    assert.deepEqual(options, { lsp: { inlineCompletion: true } });
  });

  it("keeps only the set half of an endpoint and drops a bad debounce", () => {
    const options = buildInitializationOptions(config({ enable: false, debounceMs: -5, "completion.model": "starcoder2" }));
    assert.deepEqual(options, { lsp: { inlineCompletion: false }, completion: { model: "starcoder2" } });
  });

  it("treats a missing enable as on", () => {
    assert.equal(buildInitializationOptions(config({})).lsp.inlineCompletion, true);
  });
});

describe("resolveServerCommand", () => {
  it("defaults to codeassist-lsp on PATH", () => {
    assert.deepEqual(resolveServerCommand(config({})), { command: "codeassist-lsp", args: [] });
  });

  it("prefers serverCommand, split into command and arguments", () => {
    const cmd = resolveServerCommand(config({ serverCommand: ["/opt/ca/bin/codeassist-lsp", "--log", "x"], pythonPath: "/usr/bin/python3" }));
    assert.deepEqual(cmd, { command: "/opt/ca/bin/codeassist-lsp", args: ["--log", "x"] });
  });

  it("runs the server module with pythonPath", () => {
    const cmd = resolveServerCommand(config({ serverCommand: [], pythonPath: "/home/me/.venv/bin/python" }));
    assert.equal(cmd.command, "/home/me/.venv/bin/python");
    assert.deepEqual(cmd.args, ["-c", "from codeassist.lsp.server import main; main()"]);
  });

  it("says how to fix a missing server", () => {
    const message = serverNotFoundMessage("codeassist-lsp");
    assert.match(message, /pipx install \./);
    assert.match(message, /codeassist\.serverCommand/);
  });
});

describe("package.json settings", () => {
  // out/test/settings.test.js -> the extension's package.json
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
    contributes: { configuration: { properties: Record<string, { type: string; default: unknown }> } };
  };
  const properties = manifest.contributes.configuration.properties;
  // Read by the client itself rather than sent to the server.
  const clientOnly = new Set(["codeassist.serverCommand", "codeassist.pythonPath", "codeassist.trace.server",
    "codeassist.enabledLanguages", "codeassist.disabledLanguages"]);
  const sample: Record<string, unknown> = { string: "x", number: 42, boolean: false };

  it("declares every setting the issue lists", () => {
    for (const key of ["enable", "serverCommand", "pythonPath", "chat.baseUrl", "chat.model", "completion.baseUrl",
      "completion.model", "embeddings.provider", "embeddings.baseUrl", "embeddings.model", "apiKey", "debounceMs",
      "trace.server"]) {
      assert.ok(`codeassist.${key}` in properties, key);
    }
  });

  it("sends every other setting to the server", () => {
    const defaults = buildInitializationOptions(config({}));
    for (const [key, schema] of Object.entries(properties)) {
      if (clientOnly.has(key)) {
        continue;
      }
      const name = key.replace(/^codeassist\./, "");
      const value = name === "embeddings.provider" ? "openai" : sample[schema.type];
      const options = buildInitializationOptions(config({ [name]: value }));
      assert.notDeepEqual(options, defaults, `${key} does not reach the server`);
    }
  });
});
