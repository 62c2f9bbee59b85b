"""The one typed settings object and where its values come from.

Precedence, lowest first (each layer overrides the ones before it, key by key):

1. defaults (the dataclasses below);
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
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from codeassist.errors import ConfigError
from codeassist.llmops_settings import FallbackEndpoint, LogSettings  # noqa: F401  (part of the settings object)

REPO_CONFIG_NAME = ".codeassist.toml"
OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
ENDPOINT_SECTIONS = ("chat", "completion", "embeddings")


@dataclass(slots=True)
class EndpointSettings:
    """An OpenAI-compatible endpoint. An empty ``model`` means "not configured"."""

    base_url: str = ""
    model: str = ""
    api_key: str = ""
    # Name of an environment variable holding the key (e.g. "GROQ_API_KEY"); read at load time.
    api_key_env: str = ""
    timeout: float = 60.0
    max_retries: int = 2
    # The rest of the fallback chain, in order (see FallbackEndpoint).
    fallbacks: list[FallbackEndpoint] = field(default_factory=list)
    # Seconds a failed endpoint of the chain is skipped before it is probed again (doubles while it
    # keeps failing, up to 10x).
    backoff_seconds: float = 30.0
    # This endpoint is a server on this machine (loopback only); see FallbackEndpoint.local.
    local: bool = False
    # false: prompts to endpoints marked local (on loopback) are not redacted. Default: every endpoint
    # gets redacted text.
    redact_local: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.model)


@dataclass(slots=True)
class ChatSettings(EndpointSettings):
    # One overall deadline, in seconds, for a user-facing answer: every attempt and every endpoint of the
    # chain share it (retries included).
    deadline: float = 120.0


@dataclass(slots=True)
class CompletionSettings(EndpointSettings):
    timeout: float = 10.0
    max_retries: int = 0
    # FIM template name; "" picks one from the model family.
    fim_template: str = ""
    deadline_ms: int = 2000
    debounce_ms: int = 150
    max_tokens: int = 128


@dataclass(slots=True)
class EmbeddingsSettings(EndpointSettings):
    # "local" (all-MiniLM-L6-v2 with numpy, no network) or "openai" (any compatible endpoint).
    provider: str = "local"
    # Folder with the local model's weights; "" = the model package or the Hugging Face cache.
    model_path: str = ""


@dataclass(slots=True)
class IndexSettings:
    exclude: list[str] = field(default_factory=list)
    max_file_bytes: int = 1_000_000
    max_chunk_chars: int = 1_500
    # Characters; a file whose lines over this hold most of its text is skipped as minified.
    max_line_length: int = 1_000
    # "" = the user cache directory, keyed by repository root.
    index_dir: str = ""
    # "local" (this machine) or "ray" (a Ray cluster; pip install 'codeassist[ray]').
    engine: str = "local"
    # Ray cluster to use with engine "ray": "" = start a local one; "auto", "host:6379", "ray://host:10001".
    ray_address: str = ""

    def to_index_config(self) -> Any:
        from codeassist.indexer.config import IndexConfig

        return IndexConfig(
            exclude=list(self.exclude), max_file_bytes=self.max_file_bytes, max_chunk_chars=self.max_chunk_chars,
            max_line_length=self.max_line_length,
        )


@dataclass(slots=True)
class ContextSettings:
    # Tokens of retrieved code per prompt (see codeassist.context.count_tokens for how they are counted).
    budget_tokens: int = 6_000
    # Tokens of earlier conversation kept in a chat follow-up.
    history_tokens: int = 2_000
    # Tokens of piped stdin / editor selection kept as extra context.
    extra_tokens: int = 4_000
    # Upper bound on the answer's length; the client also stops reading at ~6 characters per token
    # (a server that ignores max_tokens cannot flood the terminal or the editor).
    answer_tokens: int = 1_500


@dataclass(slots=True)
class SearchSettings:
    k: int = 8
    max_hits_per_file: int = 3


@dataclass(slots=True)
class Settings:
    chat: ChatSettings = field(default_factory=ChatSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    embeddings: EmbeddingsSettings = field(default_factory=EmbeddingsSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    context: ContextSettings = field(default_factory=ContextSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    # The prompt log and local metrics (codeassist log / stats); `log = false` turns them off.
    log: LogSettings = field(default_factory=LogSettings)
    # Not settable: where the values came from, for `config show`.
    root: str = ""
    sources: list[str] = field(default_factory=list)

    def redacted_dict(self) -> dict[str, Any]:
        """Everything as plain data with API keys masked (``sk-…1234`` style, never the whole key)."""
        from codeassist.redact import redact_text

        data = asdict(self)
        for section in ENDPOINT_SECTIONS:
            for endpoint in [data[section], *data[section]["fallbacks"]]:
                endpoint["api_key"] = mask_key(endpoint["api_key"])
                endpoint["base_url"] = redact_text(endpoint["base_url"])  # user:pass@host URLs
        return data


_INTERNAL = {"root", "sources"}
_ALIASES = {
    "CODEASSIST_INDEX_DIR": ("index", "index_dir"),
    "CODEASSIST_EMBED_MODEL": ("embeddings", "model_path"),
    "CODEASSIST_LOG": ("log", "enabled"),
}
_POSITIVE = {"timeout", "max_file_bytes", "max_chunk_chars", "k", "max_hits_per_file", "budget_tokens",
             "max_tokens", "answer_tokens"}
_POSITIVE.add("max_line_length")
_CHOICES = {("embeddings", "provider"): ("local", "openai")}


def mask_key(key: str) -> str:
    if not key:
        return ""
    if len(key) <= 8:
        return "****"
    return f"{key[:3]}…{key[-4:]}"


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
        if path.is_file():
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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML ({err}). Fix the syntax or remove the file.") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror}).") from None


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
            dict: "a table"}.get(type(value), type(value).__name__) + f" ({value!r})"


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
        return list(value)
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    ok = (
        (hint is bool and isinstance(value, bool))
        or (hint is int and isinstance(value, int) and not isinstance(value, bool))
        or (hint is float and isinstance(value, int | float) and not isinstance(value, bool))
        or (hint is str and isinstance(value, str))
    )
    if not ok:
        wanted = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[hint]
        raise ConfigError(f"{source}: '{dotted}' must be {wanted}, got {_kind(value)}.")
    if hint in (int, float):
        if value < 0 or (value == 0 and key in _POSITIVE):
            bound = "greater than 0" if key in _POSITIVE else "0 or more"
            raise ConfigError(f"{source}: '{dotted}' must be {bound}, got {value}.")
        value = float(value) if hint is float else value
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
            raise ConfigError(f"environment: {name}={raw!r} is not valid: {name} must be {_describe(hint)} "
                              f"(it sets '{'.'.join(path)}').") from None
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
