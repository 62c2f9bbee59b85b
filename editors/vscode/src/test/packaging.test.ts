import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..", "..");

describe("packaging (issue 15 item 19)", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const out = /--out\s+(\S+)/.exec(manifest.scripts.package)?.[1];

  it("the README installs the file `npm run package` writes", () => {
    assert.equal(out, "codeassist.vsix");
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const installs = [...readme.matchAll(/code --install-extension (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(installs, [out]);
  });

  it(".vscodeignore keeps logs out of the .vsix", () => {
    const ignore = fs.readFileSync(path.join(root, ".vscodeignore"), "utf8").split("\n").map((l) => l.trim());
    assert.ok(ignore.includes("**/*.log"));
    assert.ok(ignore.includes("npm-debug.log*"));
  });
});
