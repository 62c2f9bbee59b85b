/**
 * Pure mapping from the `codeassist.*` VS Code configuration to what the server receives.
 *
 * The server reads camelCase `initializationOptions` shaped like its settings object (`chat`, `completion`,
 * `embeddings` sections) plus an `lsp` table of server-only switches, and the same object under
 * `codeassist` in `workspace/didChangeConfiguration`. An unknown key makes the server drop the whole
 * layer, so only known keys are produced. Empty strings mean "not set here": they are left out so the
 * server's own precedence (config files, `CODEASSIST_*` / `OPENAI_*` environment) still applies.
 */

import type { ConfigReader } from "./serverCommand";

export { type ConfigReader, type ResolveContext, resolveServerCommand, type ServerCommand } from "./serverCommand";

/** Where "Set API key" keeps the key: VS Code's SecretStorage (the OS keychain), never settings.json. */
export const API_KEY_SECRET = "codeassist.apiKey";

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

/**
 * `codeassist.*` settings -> `initializationOptions` (camelCase, unset values omitted). `secretApiKey`
 * (from SecretStorage, set with the "Set API key" command) wins over the plain `codeassist.apiKey` setting.
 */
export function buildInitializationOptions(config: ConfigReader, secretApiKey?: string): InitializationOptions {
  // One key for every endpoint: most setups (one OpenAI-compatible server) need just this.
  const apiKey = secretApiKey?.trim() || text(config, "apiKey");
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

export type ConfigTarget = "global" | "workspace" | "workspaceFolder";

/** What `WorkspaceConfiguration.inspect("enable")` reports. */
export interface SettingLayers<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The toggle writes `codeassist.enable` (so it survives restarts and any later settings change) in the
 * most specific scope that already sets it, so the write is the value that takes effect.
 */
export function nextToggle(layers: SettingLayers<boolean> | undefined): { value: boolean; target: ConfigTarget } {
  const l = layers ?? {};
  const [current, target]: [boolean | undefined, ConfigTarget] =
    l.workspaceFolderValue !== undefined
      ? [l.workspaceFolderValue, "workspaceFolder"]
      : l.workspaceValue !== undefined
        ? [l.workspaceValue, "workspace"]
        : [l.globalValue ?? l.defaultValue, "global"];
  return { value: current === false, target };
}

/** The message shown when the server cannot be started, with the fix. */
export function serverNotFoundMessage(command: string): string {
  return (
    `codeassist: could not start the language server \`${command}\`. ` +
    "Install it from the codeassist source checkout with `pipx install .` (or `pip install .` in the Python you use), " +
    "or point the setting `codeassist.serverCommand` (or `codeassist.pythonPath`) at it."
  );
}
