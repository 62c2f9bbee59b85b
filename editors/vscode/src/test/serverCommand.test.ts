import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ConfigReader, expandVariables, resolveServerCommand, splitCommandLine } from "../serverCommand";

function config(values: Record<string, unknown>): ConfigReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

const home = "/home/me";
const workspaceFolder = "/work/my repo";
const files = (...paths: string[]) => (candidate: string) => paths.includes(candidate);

describe("serverCommand expansion (issue 15 item 16)", () => {
  it("expands ~ and ${workspaceFolder} in every part of an argv array", () => {
    const cmd = resolveServerCommand(
      config({ serverCommand: ["~/.venv/bin/codeassist-lsp", "--log", "${workspaceFolder}/lsp.log"] }),
      { home, workspaceFolder },
    );
    assert.deepEqual(cmd, { command: "/home/me/.venv/bin/codeassist-lsp", args: ["--log", "/work/my repo/lsp.log"] });
  });

  it("treats a string naming an existing file with spaces as one path", () => {
    const path = "/Applications/Code Tools/codeassist-lsp";
    const cmd = resolveServerCommand(config({ serverCommand: path }), { home, isFile: files(path) });
    assert.deepEqual(cmd, { command: path, args: [] });
  });

  it("splits any other string like a shell, quotes grouping", () => {
    const cmd = resolveServerCommand(
      config({ serverCommand: '"${workspaceFolder}/.venv/bin/codeassist-lsp" --log \'a b.log\'' }),
      { home, workspaceFolder },
    );
    assert.deepEqual(cmd, { command: "/work/my repo/.venv/bin/codeassist-lsp", args: ["--log", "a b.log"] });
  });

  it("expands ${userHome} and ${env:NAME}, leaves unknown variables alone", () => {
    assert.equal(expandVariables("${userHome}/x:${env:TOOLS}:${config:y}", { home, env: { TOOLS: "/opt" } }),
      "/home/me/x:/opt:${config:y}");
    assert.equal(expandVariables("~user/x", { home }), "~user/x");
  });

  it("splits with backslash escapes and drops empty quotes only when they are whole words", () => {
    assert.deepEqual(splitCommandLine('a\\ b "c d" \'\' e'), ["a b", "c d", "", "e"]);
  });

  it("expands pythonPath too", () => {
    const cmd = resolveServerCommand(config({ pythonPath: "~/.pyenv/shims/python" }), { home });
    assert.equal(cmd.command, "/home/me/.pyenv/shims/python");
  });
});

describe("server detection (issue 15 item 16)", () => {
  it("uses the workspace .venv when nothing is configured", () => {
    const venv = "/work/my repo/.venv/bin/codeassist-lsp";
    const cmd = resolveServerCommand(config({}), { workspaceFolder, platform: "linux", isFile: files(venv) });
    assert.deepEqual(cmd, { command: venv, args: [] });
  });

  it("finds the Windows layout of a .venv", () => {
    const venv = "C:\\src\\app\\.venv\\Scripts\\codeassist-lsp.exe";
    const cmd = resolveServerCommand(config({}), { workspaceFolder: "C:\\src\\app", platform: "win32", isFile: files(venv) });
    assert.equal(cmd.command, venv);
  });

  it("uses codeassist-lsp next to the Python extension's interpreter", () => {
    const sibling = "/home/me/.conda/envs/dev/bin/codeassist-lsp";
    const cmd = resolveServerCommand(config({}), {
      workspaceFolder, platform: "linux", pythonInterpreter: "/home/me/.conda/envs/dev/bin/python", isFile: files(sibling),
    });
    assert.equal(cmd.command, sibling);
  });

  it("falls back to PATH when neither has the server, and a setting always wins", () => {
    assert.equal(resolveServerCommand(config({}), { workspaceFolder, pythonInterpreter: "/usr/bin/python3" }).command, "codeassist-lsp");
    const venv = "/work/my repo/.venv/bin/codeassist-lsp";
    const cmd = resolveServerCommand(config({ serverCommand: ["/opt/lsp"] }), { workspaceFolder, platform: "linux", isFile: files(venv) });
    assert.equal(cmd.command, "/opt/lsp");
  });
});
