import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { findExecutable } from "../executable";

describe("findExecutable", () => {
  let dir = "";
  let server = "";

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "codeassist-exe-"));
    server = path.join(dir, "codeassist-lsp");
    fs.writeFileSync(server, "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "not-executable"), "", { mode: 0o644 });
    fs.mkdirSync(path.join(dir, "a-directory"));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds a command on PATH", { skip: process.platform === "win32" }, () => {
    assert.equal(findExecutable("codeassist-lsp", { PATH: ["/nonexistent", dir].join(path.delimiter) }), server);
  });

  it("reports a command missing from PATH", () => {
    assert.equal(findExecutable("codeassist-lsp", { PATH: "/nonexistent" }), undefined);
    assert.equal(findExecutable("codeassist-lsp", {}), undefined);
  });

  it("checks an explicit path as given", { skip: process.platform === "win32" }, () => {
    assert.equal(findExecutable(server, {}), server);
    assert.equal(findExecutable(path.join(dir, "missing"), {}), undefined);
    assert.equal(findExecutable(path.join(dir, "not-executable"), {}), undefined);
    assert.equal(findExecutable(path.join(dir, "a-directory"), {}), undefined);
  });
});
