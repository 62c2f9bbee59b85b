/**
 * Pure mapping from the `codeassist.*` VS Code configuration to what the server receives.
 *
 * The server reads camelCase `initializationOptions` shaped like its settings object (`chat`, `completion`,
 * `embeddings` sections) plus an `lsp` table of server-only switches, and the same object under
 * `codeassist` in `workspace/didChangeConfiguration`. An unknown key makes the server drop the whole
 * layer, so only known keys are produced. Empty strings mean "not set here": they are left out so the
 * server's own precedence (config files, `CODEASSIST_*` / `OPENAI_*` environment) still applies.
 */

import { SERVER_NAME } from "./protocol";

/** The part of `vscode.WorkspaceConfiguration` this module needs (so it runs without VS Code). */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

export interface EndpointOptions {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

export interface CompletionEndpointOptions extends EndpointOptions {
  debounceMs?: number;
}

export interface EmbeddingsOptions extends EndpointOptions {
  provider?: string;
}

/** Server-only switches (the `lsp` table of initializationOptions). */
export interface LspOptions {
  inlineCompletion: boolean;
}

/** The shape `codeassist-lsp` reads: the settings object's sections in camelCase, plus `lsp`. */
export interface InitializationOptions {
  lsp: LspOptions;
  chat?: EndpointOptions;
  completion?: CompletionEndpointOptions;
  embeddings?: EmbeddingsOptions;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

function text(config: ConfigReader, key: string): string | undefined {
  const value = config.get<unknown>(key);
  if (typeof value !== "string") {
    return undefined;
  }
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** An options section from (name, value) pairs, without the unset ones; undefined when none is set. */
function section<T extends object>(entries: [string, unknown][]): T | undefined {
  const set = entries.filter(([, value]) => value !== undefined);
  return set.length > 0 ? (Object.fromEntries(set) as T) : undefined;
}

/** `codeassist.*` settings -> `initializationOptions` (camelCase, unset values omitted). */
export function buildInitializationOptions(config: ConfigReader): InitializationOptions {
  // One key for every endpoint: most setups (one OpenAI-compatible server) need just this.
  const apiKey = text(config, "apiKey");
  const debounce = config.get<unknown>("debounceMs");
  const debounceMs =
    typeof debounce === "number" && Number.isFinite(debounce) && debounce >= 0 ? Math.round(debounce) : undefined;
  const endpoint = (prefix: string): [string, unknown][] => [
    ["baseUrl", text(config, `${prefix}.baseUrl`)],
    ["model", text(config, `${prefix}.model`)],
    ["apiKey", apiKey],
  ];
  const options: InitializationOptions = { lsp: { inlineCompletion: config.get<boolean>("enable") !== false } };
  const chat = section<EndpointOptions>(endpoint("chat"));
  const completion = section<CompletionEndpointOptions>([...endpoint("completion"), ["debounceMs", debounceMs]]);
  const embeddings = section<EmbeddingsOptions>([
    ["provider", text(config, "embeddings.provider")],
    ...endpoint("embeddings"),
  ]);
  if (chat) {
    options.chat = chat;
  }
  if (completion) {
    options.completion = completion;
  }
  if (embeddings) {
    options.embeddings = embeddings;
  }
  return options;
}

/**
 * How to start the server: `serverCommand` wins, then `pythonPath` (the module's entry point),
 * else `codeassist-lsp` from PATH.
 */
export function resolveServerCommand(config: ConfigReader): ServerCommand {
  const configured = config.get<unknown>("serverCommand");
  const parts = Array.isArray(configured)
    ? configured.filter((part): part is string => typeof part === "string" && part.trim() !== "")
    : typeof configured === "string" && configured.trim() !== ""
      ? [configured.trim()]
      : [];
  if (parts.length > 0) {
    return { command: parts[0], args: parts.slice(1) };
  }
  const python = text(config, "pythonPath");
  if (python !== undefined) {
    return { command: python, args: ["-c", "from codeassist.lsp.server import main; main()"] };
  }
  return { command: SERVER_NAME, args: [] };
}

/** The message shown when the server cannot be started, with the fix. */
export function serverNotFoundMessage(command: string): string {
  return (
    `codeassist: could not start the language server \`${command}\`. ` +
    "Install it from the codeassist source checkout with `pipx install .` (or `pip install .` in the Python you use), " +
    "or point the setting `codeassist.serverCommand` (or `codeassist.pythonPath`) at it."
  );
}
