/**
 * Pure: which command starts `codeassist-lsp`.
 *
 * Order: `codeassist.serverCommand` (an argv array, or one string: a path, spaces included, when that file
 * exists, else a command line split like a shell would), then `codeassist.pythonPath`, then the
 * workspace's `.venv`, then the Python extension's selected interpreter (when `codeassist-lsp` sits next
 * to it), then `codeassist-lsp` on PATH. `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` are
 * expanded in every part, as VS Code does for its own settings.
 */

import * as path from "node:path";
import { SERVER_NAME } from "./protocol";

/** The part of `vscode.WorkspaceConfiguration` this module needs (so it runs without VS Code). */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** What the resolution may look at besides the settings; every field is optional. */
export interface ResolveContext {
  home?: string;
  workspaceFolder?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /** The Python extension's selected interpreter for the workspace, if that extension is installed. */
  pythonInterpreter?: string;
  isFile?: (candidate: string) => boolean;
}

const MODULE_ENTRY = ["-c", "from codeassist.lsp.server import main; main()"];

/** `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in one setting value. */
export function expandVariables(value: string, context: ResolveContext = {}): string {
  const home = context.home ?? "";
  let result = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole: string, name: string, envName: string) => {
    if (name === "workspaceFolder") {
      return context.workspaceFolder ?? whole;
    }
    if (name === "userHome") {
      return home || whole;
    }
    return context.env?.[envName] ?? "";
  });
  if (home && (result === "~" || result.startsWith("~/") || result.startsWith("~\\"))) {
    result = home + result.slice(1);
  }
  return result;
}

/** Split a command line into argv like a POSIX shell: quotes group, backslash escapes, no globbing. */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) {
        quote = undefined;
      } else if (ch === "\\" && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
        current += line[++i];
      } else {
        current += ch;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) {
        args.push(current);
        current = "";
        started = false;
      }
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) {
    args.push(current);
  }
  return args;
}

function venvCandidates(folder: string, platform: NodeJS.Platform): string[] {
  const paths = platform === "win32" ? path.win32 : path.posix;
  const join = (...parts: string[]): string => paths.join(...parts);
  return platform === "win32"
    ? [join(folder, ".venv", "Scripts", `${SERVER_NAME}.exe`), join(folder, "venv", "Scripts", `${SERVER_NAME}.exe`)]
    : [join(folder, ".venv", "bin", SERVER_NAME), join(folder, "venv", "bin", SERVER_NAME)];
}

/** How to start the server (see the module comment for the order). */
export function resolveServerCommand(config: ConfigReader, context: ResolveContext = {}): ServerCommand {
  const isFile = context.isFile ?? (() => false);
  const platform = context.platform ?? process.platform;
  const expand = (value: string): string => expandVariables(value, context);
  const configured = config.get<unknown>("serverCommand");
  let parts: string[] = [];
  if (Array.isArray(configured)) {
    parts = configured.filter((p): p is string => typeof p === "string" && p.trim() !== "").map((p) => expand(p.trim()));
  } else if (typeof configured === "string" && configured.trim() !== "") {
    const whole = expand(configured.trim());
    parts = isFile(whole) ? [whole] : splitCommandLine(configured.trim()).map(expand);
  }
  if (parts.length > 0) {
    return { command: parts[0], args: parts.slice(1) };
  }
  const python = config.get<unknown>("pythonPath");
  if (typeof python === "string" && python.trim() !== "") {
    return { command: expand(python.trim()), args: [...MODULE_ENTRY] };
  }
  if (context.workspaceFolder) {
    const found = venvCandidates(context.workspaceFolder, platform).find(isFile);
    if (found) {
      return { command: found, args: [] };
    }
  }
  if (context.pythonInterpreter) {
    const dir = (platform === "win32" ? path.win32 : path.posix).dirname(context.pythonInterpreter);
    const sibling = (platform === "win32" ? path.win32 : path.posix).join(dir, platform === "win32" ? `${SERVER_NAME}.exe` : SERVER_NAME);
    if (isFile(sibling)) {
      return { command: sibling, args: [] };
    }
  }
  return { command: SERVER_NAME, args: [] };
}
