import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_LANGUAGES, documentSelector, isSecretFileName, isServedDocument, servedLanguages } from "../documents";

const doc = (file: string, languageId: string, scheme = "file") => ({ uri: { scheme, path: file }, languageId });

describe("served documents (issue 15 item 18)", () => {
  it("selects files on disk of the default languages, never untitled buffers", () => {
    const selector = documentSelector([], []);
    assert.deepEqual(selector.map((f) => f.language), DEFAULT_LANGUAGES);
    assert.ok(selector.every((f) => f.scheme === "file"));
    assert.equal(isServedDocument(doc("/r/a.py", "python", "untitled"), [], []), false);
  });

  it("enabledLanguages replaces the defaults and disabledLanguages removes from them", () => {
    assert.deepEqual(servedLanguages(["python", "go"], ["go"]), ["python"]);
    assert.deepEqual(servedLanguages([], ["markdown"]).includes("markdown"), false);
    assert.equal(isServedDocument(doc("/r/README.md", "markdown"), [], ["markdown"]), false);
    assert.equal(isServedDocument(doc("/r/a.py", "python"), [], ["markdown"]), true);
  });

  it("never serves .env files, keys or credential stores, whatever their language", () => {
    for (const name of ["/r/.env", "/r/.env.local", "/r/deploy/server.key", "/r/id_rsa", "/r/certs/ca.pem", "/r/.npmrc"]) {
      assert.equal(isSecretFileName(name), true, name);
      assert.equal(isServedDocument(doc(name, "shellscript"), [], []), false, name);
    }
    assert.equal(isSecretFileName("/r/environment.py"), false);
  });
});

describe("package.json activation and keybindings (issue 15 item 18)", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
    activationEvents: string[];
    contributes: {
      commands: { command: string }[];
      keybindings: { command: string; key: string; mac?: string }[];
      configuration: { properties: Record<string, unknown> };
    };
  };

  it("activates on the languages and commands it serves, not on every window start", () => {
    assert.ok(!manifest.activationEvents.includes("onStartupFinished"));
    assert.ok(!manifest.activationEvents.includes("*"));
    const languages = manifest.activationEvents.filter((e) => e.startsWith("onLanguage:")).map((e) => e.slice(11));
    assert.deepEqual(languages, DEFAULT_LANGUAGES);
    for (const { command } of manifest.contributes.commands) {
      assert.ok(manifest.activationEvents.includes(`onCommand:${command}`), command);
    }
  });

  it("binds keys to ask, explain and toggle", () => {
    const bound = new Map(manifest.contributes.keybindings.map((k) => [k.command, k]));
    for (const command of ["codeassist.ask", "codeassist.explainSelection", "codeassist.toggle"]) {
      assert.ok(bound.get(command)?.key && bound.get(command)?.mac, command);
    }
    assert.equal(new Set(manifest.contributes.keybindings.map((k) => k.key)).size, manifest.contributes.keybindings.length);
  });

  it("declares the language settings and the Set API key command", () => {
    assert.ok("codeassist.enabledLanguages" in manifest.contributes.configuration.properties);
    assert.ok("codeassist.disabledLanguages" in manifest.contributes.configuration.properties);
    assert.ok(manifest.contributes.commands.some((c) => c.command === "codeassist.setApiKey"));
  });
});
