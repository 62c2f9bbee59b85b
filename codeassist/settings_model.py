"""The settings object's shape: one dataclass per section, with defaults. Where the values come from
(files, environment, overrides) and how they are checked is `codeassist.settings`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from codeassist.llmops_settings import FallbackEndpoint, LogSettings

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
    # "local" (this machine) or "ray" (a Ray cluster; pip install '.[ray]' from the checkout).
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


def mask_key(key: str) -> str:
    if not key:
        return ""
    if len(key) <= 8:
        return "****"
    return f"{key[:3]}…{key[-4:]}"
