/**
 * Pure: which documents the extension hands to the server (and so, through completion, to a model).
 *
 * Files on disk in the languages it serves: `codeassist.enabledLanguages` (default: the languages the
 * indexer parses) minus `codeassist.disabledLanguages`. Never untitled buffers, and never files that hold
 * secrets by their name (`.env*`, keys, certificates, credential stores) whatever language VS Code gives
 * them: the document selector cannot exclude by name, so the client's middleware checks `isServedDocument`
 * before a document is synced or completed.
 */

/** Languages served by default: VS Code language ids of the languages the indexer parses. */
export const DEFAULT_LANGUAGES = [
  "python", "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "rust", "java", "c", "cpp",
  "csharp", "ruby", "php", "kotlin", "scala", "swift", "lua", "shellscript", "markdown",
];

export interface DocumentFilter {
  scheme: string;
  language: string;
}

export interface DocumentLike {
  uri: { scheme: string; path: string };
  languageId: string;
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim()) : [];
}

/** The language ids served: `enabled` (or the defaults when empty) minus `disabled`. */
export function servedLanguages(enabled: unknown, disabled: unknown): string[] {
  const base = names(enabled);
  const off = new Set(names(disabled));
  return [...new Set(base.length > 0 ? base : DEFAULT_LANGUAGES)].filter((language) => !off.has(language));
}

/** The LanguageClient's document selector: files on disk of the served languages (no untitled buffers). */
export function documentSelector(enabled: unknown, disabled: unknown): DocumentFilter[] {
  return servedLanguages(enabled, disabled).map((language) => ({ scheme: "file", language }));
}

const SECRET_NAMES = new Set([
  ".env", ".envrc", ".netrc", "_netrc", ".npmrc", ".pypirc", ".pgpass", ".git-credentials", ".htpasswd",
  "credentials", "credentials.json", "secrets.json", "secrets.yaml", "secrets.yml", "secrets.toml",
]);
const SECRET_PREFIXES = [".env.", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"];
const SECRET_EXTENSIONS = [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".p8", ".ppk", ".crt", ".cer", ".der"];

/** Whether a file name says it holds secrets (`.env`, `.env.local`, `id_rsa`, `server.key` …). */
export function isSecretFileName(fileName: string): boolean {
  const base = (fileName.split(/[\\/]/).pop() ?? "").toLowerCase();
  return (
    SECRET_NAMES.has(base) ||
    SECRET_PREFIXES.some((prefix) => base.startsWith(prefix)) ||
    SECRET_EXTENSIONS.some((ext) => base.endsWith(ext))
  );
}

/** Whether `doc` may be synced to the server and completed: a file on disk, served language, not a secret. */
export function isServedDocument(doc: DocumentLike, enabled: unknown, disabled: unknown): boolean {
  return (
    doc.uri.scheme === "file" &&
    !isSecretFileName(doc.uri.path) &&
    servedLanguages(enabled, disabled).includes(doc.languageId)
  );
}
