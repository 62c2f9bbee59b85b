"""initializationOptions / didChangeConfiguration -> the settings object plus the server-only options.

Everything except the `lsp` table goes through `codeassist.settings` (camelCase in, snake_case inside,
validated there). The `lsp` table holds what only the server understands. A bad value anywhere gives a
message for `window/showMessage`; the server then carries on with the settings it can still load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeassist.errors import ConfigError
from codeassist.settings import Settings, apply_camel_case, load_settings

LSP_SECTION = "lsp"
# Keys editors keep in the same settings section that are theirs, not the server's.
CLIENT_ONLY_KEYS = ("trace",)
RETRIEVAL_MODES = ("lexical", "hybrid")


@dataclass(slots=True)
class LspOptions:
    """`{"lsp": {...}}` in initializationOptions (camelCase)."""

    # Build/update the workspace index when the editor connects.
    index_on_start: bool = True
    # Compute embeddings for the index in the background (dense search); off = lexical only.
    embed: bool = True
    # Retrieval for completion: "lexical" (BM25 only: no embedding on the typing path) or "hybrid".
    retrieval_mode: str = "lexical"
    # Inline completion on/off (the `codeassist.toggle` command flips it).
    inline_completion: bool = True
    # Debounce for re-indexing a saved file, in ms.
    reindex_debounce_ms: int = 500
    # How retrieved snippets reach a FIM model: "comments" (any family) or "files" (Qwen2.5-Coder /
    # StarCoder2 repository-level format with <file_sep> tokens; other families keep comments).
    fim_context: str = "comments"
    # The client implements codeassist.editWithInstruction (it can ask the user for an instruction).
    edit_prompt: bool = False


_LSP_KEYS = {"indexOnStart": "index_on_start", "embed": "embed", "retrievalMode": "retrieval_mode",
             "inlineCompletion": "inline_completion", "reindexDebounceMs": "reindex_debounce_ms",
             "fimContext": "fim_context", "editPrompt": "edit_prompt"}
_CHOICES = {"retrieval_mode": RETRIEVAL_MODES, "fim_context": ("comments", "files")}


def unwrap(options: Any) -> dict:
    """Accept `{...}` or `{"codeassist": {...}}` (what `workspace/configuration`-style clients send)."""
    if not isinstance(options, dict):
        return {}
    if set(options) == {"codeassist"} and isinstance(options["codeassist"], dict):
        return options["codeassist"]
    return options


def merge_options(base: Any, update: Any) -> dict:
    """`update` (a didChangeConfiguration payload, bare or under "codeassist") merged over `base` (the
    initializationOptions): tables merge key by key, other values replace; an empty table or a null value
    changes nothing, so a client that sends `{"codeassist": {}}` keeps the models initialize configured."""
    merged = dict(unwrap(base))
    for key, value in unwrap(update).items():
        if value is None or (isinstance(value, dict) and not value):
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_options(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_lsp_options(raw: Any) -> tuple[LspOptions, list[str]]:
    opts = LspOptions()
    problems: list[str] = []
    if raw is None:
        return opts, problems
    if not isinstance(raw, dict):
        return opts, [f"initializationOptions: 'lsp' must be a table, got {raw!r}; using defaults."]
    for key, value in raw.items():
        name = _LSP_KEYS.get(key) or (key if key in _LSP_KEYS.values() else None)
        if name is None:
            problems.append(f"initializationOptions: unknown key 'lsp.{key}'. Valid keys: {', '.join(_LSP_KEYS)}.")
            continue
        default = getattr(opts, name)
        ok = isinstance(value, type(default)) and not (isinstance(value, bool) and not isinstance(default, bool))
        choices = _CHOICES.get(name)
        if choices and value not in choices:
            ok = False
        if not ok:
            expected = "one of " + ", ".join(choices) if choices else type(default).__name__
            problems.append(f"initializationOptions: 'lsp.{key}' = {value!r} is not valid (expected {expected}); "
                            f"using {default!r}.")
            continue
        setattr(opts, name, value)
    return opts, problems


def load_server_settings(root: Path | None, options: Any) -> tuple[Settings, LspOptions, list[str]]:
    """(settings, server options, problems to show). Never raises: on a bad value the layer that holds it
    is dropped (overrides first, then the config files) and the problem is reported."""
    data = {k: v for k, v in unwrap(options).items() if k not in CLIENT_ONLY_KEYS}
    lsp_opts, problems = parse_lsp_options(data.pop(LSP_SECTION, None))
    try:
        return load_settings(root, apply_camel_case(data)), lsp_opts, problems
    except ConfigError as err:
        problems.append(f"{err} Using the defaults for the editor's settings.")
    try:
        return load_settings(root), lsp_opts, problems
    except ConfigError as err:
        problems.append(f"{err} Using built-in defaults.")
    return Settings(root=str(root or "")), lsp_opts, problems
