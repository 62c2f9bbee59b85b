"""The one typed settings object and where its values come from.

Precedence, lowest first (each layer overrides the ones before it, key by key):

1. defaults (the dataclasses in `settings_model.py`);
2. the user config file ``platformdirs.user_config_dir("codeassist")/config.toml``;
3. the repository's ``.codeassist.toml`` (at ``root``);
4. the environment: ``CODEASSIST_<SECTION>_<KEY>`` for every scalar key (``CODEASSIST_CHAT_MODEL``,
   ``CODEASSIST_COMPLETION_BASE_URL``, ``CODEASSIST_SEARCH_K`` ...) plus the short aliases
   ``CODEASSIST_INDEX_DIR``, ``CODEASSIST_EMBED_MODEL`` (local weights path) and ``CODEASSIST_LOG``;
5. explicit overrides (CLI flags, LSP initializationOptions) as a nested dict; ``None`` values are ignored.

``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` are *defaults for every endpoint*: they fill an endpoint's
``base_url`` / ``api_key`` only where no file, ``CODEASSIST_*`` variable or override set one. An endpoint's
key is resolved as: ``api_key`` > the variable named by ``api_key_env`` > ``OPENAI_API_KEY``.

Unknown keys are errors (with a did-you-mean), so a typo never silently does nothing.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from codeassist.errors import ConfigError
from codeassist.llmops_settings import FallbackEndpoint, LogSettings  # noqa: F401  (part of the settings object)
from codeassist.settings_model import (  # noqa: F401  (re-exported: `from codeassist.settings import Settings`)
    ENDPOINT_SECTIONS,
    OPENAI_DEFAULT_BASE_URL,
    REPO_CONFIG_NAME,
    ChatSettings,
    CompletionSettings,
    ContextSettings,
    EmbeddingsSettings,
    EndpointSettings,
    IndexSettings,
    SearchSettings,
    Settings,
    mask_key,
)

_INTERNAL = {"root", "sources"}
_ALIASES = {
    "CODEASSIST_INDEX_DIR": ("index", "index_dir"),
    "CODEASSIST_EMBED_MODEL": ("embeddings", "model_path"),
    "CODEASSIST_LOG": ("log", "enabled"),
}
_POSITIVE = {"timeout", "max_file_bytes", "max_chunk_chars", "k", "max_hits_per_file", "budget_tokens",
             "max_tokens", "answer_tokens"}
# Inclusive bounds of numeric keys, by key name (the README's configuration section lists them). A
# number outside them is a config error, never a MemoryError/OverflowError deep in the indexer.
BOUNDS: dict[str, tuple[float, float]] = {
    "timeout": (0.1, 3600.0),
    "max_retries": (0, 10),
    "deadline_ms": (1, 60_000),
    "debounce_ms": (0, 10_000),
    "max_tokens": (1, 100_000),
    "max_file_bytes": (1, 100_000_000),
    "max_chunk_chars": (100, 100_000),
    "max_line_length": (80, 10_000_000),
    "budget_tokens": (1, 1_000_000),
    "history_tokens": (0, 1_000_000),
    "extra_tokens": (0, 1_000_000),
    "answer_tokens": (1, 1_000_000),
    "k": (1, 1000),
    "max_hits_per_file": (1, 1000),
}
# Any other numeric key: at least 0 (more than 0 for _POSITIVE keys), at most this.
DEFAULT_MAX = 1_000_000_000
MAX_CONFIG_BYTES = 1_000_000
_POSITIVE.add("max_line_length")
_CHOICES = {("embeddings", "provider"): ("local", "openai")}



def user_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("codeassist")) / "config.toml"


def load_settings(
    root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings for a repository root. Raises ConfigError naming the file, key and problem."""
    env = os.environ if env is None else env
    settings = Settings(root=str(root) if root else "")
    explicit: set[tuple[str, ...]] = set()  # keys set above the defaults (for the OPENAI_* fallbacks)
    files = [user_config_path()]
    if root is not None:
        files.append(Path(root) / REPO_CONFIG_NAME)
    for path in files:
        if _config_file_exists(path):
            _merge(settings, _read_toml(path), str(path), explicit)
            settings.sources.append(str(path))
    from_env = _env_layer(env)
    if from_env:
        _merge(settings, from_env, "environment", explicit)
        settings.sources.append("environment")
    if overrides:
        _merge(settings, _drop_none(overrides), "overrides", explicit)
        settings.sources.append("overrides")
    _apply_openai_defaults(settings, env, explicit)
    return settings


def _config_file_exists(path: Path) -> bool:
    """Whether `path` is a config file to read; ConfigError when something else sits there (a folder, a
    named pipe whose read would block for ever, a link to a device)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:  # missing, a dangling link, a folder above it unreadable: no config there
        return False
    if stat.S_ISREG(mode):
        return True
    kind = "a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode) else "a device or socket"
    raise ConfigError(f"{path}: {kind}, not a TOML file. Replace it with a file or remove it.")


def _read_toml(path: Path) -> dict[str, Any]:
    """A config file's tables; ConfigError (one line: the file, what is wrong, the fix) for anything
    that is not a readable UTF-8 TOML document of reasonable size and depth."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror}).") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes; a config file is a few lines of TOML.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}). "
                          "Save the file as UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML ({err}). Fix the syntax or remove the file.") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML (arrays or tables nested too deeply). "
                          "Fix the file or remove it.") from None


def _drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            value = _drop_none(value)
            if value:
                out[key] = value
        elif value is not None:
            out[key] = value
    return out


def _merge(target: Any, data: Mapping[str, Any], source: str, explicit: set[tuple[str, ...]],
           prefix: tuple[str, ...] = ()) -> None:
    known = {f.name: f for f in fields(target) if f.name not in _INTERNAL}
    hints = typing.get_type_hints(type(target))
    for key, value in data.items():
        dotted = ".".join((*prefix, key))
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" Did you mean '{'.'.join((*prefix, close[0]))}'?" if close else ""
            valid = ", ".join(sorted(known))
            raise ConfigError(f"{source}: unknown key '{dotted}'.{hint} Valid keys here: {valid}.")
        current = getattr(target, key)
        if is_dataclass(current):
            if isinstance(value, bool) and hasattr(current, "enabled"):  # `log = false` for [log] enabled
                current.enabled = value
                explicit.add((*prefix, key, "enabled"))
                continue
            if not isinstance(value, Mapping):
                wanted = "true or false, or a table" if hasattr(current, "enabled") else "a table"
                raise ConfigError(f"{source}: '{dotted}' must be {wanted} ([{dotted}]), got {_kind(value)}.")
            _merge(current, value, source, explicit, (*prefix, key))
            continue
        setattr(target, key, _coerce(value, hints[key], source, dotted))
        explicit.add((*prefix, key))


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__) + f" ({_short(repr(value))})"


def _num(value: float) -> str:
    """1,000 / 0.1 / 9,223,372,036,854,775,807 / 1e+300 / nan: a number as a person writes it."""
    if isinstance(value, int):
        return f"{value:,}"
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _short(text: str, limit: int = 60) -> str:
    """Keeps an error message on one readable line whatever the value was."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _coerce(value: Any, hint: Any, source: str, dotted: str) -> Any:
    key = dotted.rsplit(".", 1)[-1]
    origin = typing.get_origin(hint)
    item_type = (typing.get_args(hint) or (None,))[0]
    if origin is list and is_dataclass(item_type):  # [[section.fallbacks]]: a list of tables
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise ConfigError(f"{source}: '{dotted}' must be a list of tables ([[{dotted}]]), got {_kind(value)}.")
        items = []
        for i, table in enumerate(value):
            item = item_type()
            _merge(item, table, source, set(), (f"{dotted}[{i}]",))
            items.append(item)
        return items
    if origin is list or hint is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: '{dotted}' must be a list of strings, got {_kind(value)}.")
        if any("\0" in v for v in value):
            raise ConfigError(f"{source}: '{dotted}' contains a NUL character; remove it.")
        return list(value)
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    ok = (
        (hint is bool and isinstance(value, bool))
        or (hint is int and isinstance(value, int) and not isinstance(value, bool))
        or (hint is float and isinstance(value, int | float) and not isinstance(value, bool))
        or (hint is str and isinstance(value, str))
    )
    low, high = BOUNDS.get(key, (1 if key in _POSITIVE else 0, DEFAULT_MAX))
    if not ok:
        wanted = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[hint]
        if hint in (int, float):
            wanted += f" between {_num(low)} and {_num(high)}"
        raise ConfigError(f"{source}: '{dotted}' must be {wanted}, got {_kind(value)}.")
    if hint in (int, float):
        if not (math.isfinite(value) and low <= value <= high):
            raise ConfigError(f"{source}: '{dotted}' must be between {_num(low)} and {_num(high)}, "
                              f"got {_num(value)}.")
        value = float(value) if hint is float else value
    if hint is str and "\0" in value:
        raise ConfigError(f"{source}: '{dotted}' contains a NUL character; remove it.")
    choices = _CHOICES.get(tuple(dotted.split(".")))
    if choices and value not in choices:
        raise ConfigError(f"{source}: '{dotted}' must be one of {', '.join(choices)}, got {value!r}.")
    return value


def _env_names() -> dict[str, tuple[str, ...]]:
    """Every environment variable that maps onto a setting, with its key path."""
    names: dict[str, tuple[str, ...]] = dict(_ALIASES)
    defaults = Settings()
    for section in fields(defaults):
        value = getattr(defaults, section.name)
        if not is_dataclass(value):
            continue
        hints = typing.get_type_hints(type(value))
        for f in fields(value):
            if is_dataclass((typing.get_args(hints[f.name]) or (None,))[0]):
                continue  # lists of tables have no variable
            names.setdefault(f"CODEASSIST_{section.name}_{f.name}".upper(), (section.name, f.name))
    return names


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, path in _env_names().items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        hint = _field_hint(path)
        try:
            value = _parse_env(raw, hint)
        except ValueError:
            raise ConfigError(f"environment: {name}={_short(repr(raw))} is not valid: {name} must be "
                              f"{_describe(hint)} (it sets '{'.'.join(path)}').") from None
        value = _coerce(value, hint, f"environment: {name}", ".".join(path))  # names the variable
        node = layer
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return layer


def _field_hint(path: tuple[str, ...]) -> Any:
    target: Any = Settings
    for part in path[:-1]:
        target = typing.get_type_hints(target)[part]
    return typing.get_type_hints(target)[path[-1]]


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is list:
        return "a comma-separated list"
    return {bool: "true/false (or 1/0)", int: "an integer", float: "a number", str: "a string"}[hint]


def _parse_env(raw: str, hint: Any) -> Any:
    if typing.get_origin(hint) is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if hint is int:
        return int(raw)
    if hint is float:
        return float(raw)
    return raw


def _apply_openai_defaults(settings: Settings, env: Mapping[str, str], explicit: set[tuple[str, ...]]) -> None:
    base_url = env.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_BASE_URL
    for section in ENDPOINT_SECTIONS:
        endpoint: EndpointSettings = getattr(settings, section)
        if (section, "base_url") not in explicit:
            endpoint.base_url = base_url
        if not endpoint.api_key:
            if endpoint.api_key_env:
                endpoint.api_key = env.get(endpoint.api_key_env, "")
            if not endpoint.api_key:
                endpoint.api_key = env.get("OPENAI_API_KEY", "")
        for fallback in endpoint.fallbacks:
            hosted = not fallback.base_url
            fallback.base_url = fallback.base_url or base_url
            if not fallback.api_key and fallback.api_key_env:
                fallback.api_key = env.get(fallback.api_key_env, "")
            if not fallback.api_key and hosted:
                fallback.api_key = env.get("OPENAI_API_KEY", "")


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def camel_to_snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def apply_camel_case(options: Mapping[str, Any]) -> dict[str, Any]:
    """Map LSP initializationOptions (``{"chat": {"baseUrl": ...}}`` or ``{"chat.baseUrl": ...}``)
    onto the snake_case nested override dict that `load_settings` takes. Keys are not validated here:
    `load_settings` reports unknown ones."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        parts = [camel_to_snake(p) for p in str(key).split(".")]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, Mapping):
            existing = node.get(parts[-1])
            converted = apply_camel_case(value)
            node[parts[-1]] = {**existing, **converted} if isinstance(existing, dict) else converted
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):  # [{"baseUrl": ...}]
            node[parts[-1]] = [apply_camel_case(v) if isinstance(v, Mapping) else v for v in value]
        else:
            node[parts[-1]] = value
    return out
