"""Domain errors. Each message says how to fix the problem; converted once at each edge (CLI, LSP)."""

from __future__ import annotations

from codeassist.indexer.errors import (  # noqa: F401  (re-exported: one place to import errors from)
    CodeassistError,
    EmbeddingError,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    ModelNotFound,
    RootNotFound,
)


class ConfigError(CodeassistError):
    """A config file or setting is invalid. The message names the file, the key and the problem."""

    exit_code = 2


class LLMError(CodeassistError):
    """The language model endpoint failed; subclasses say how."""


class LLMNotConfigured(LLMError):
    def __init__(self, what: str = "chat") -> None:
        super().__init__(
            f"No {what} model is configured. Set CODEASSIST_{what.upper()}_MODEL (and OPENAI_BASE_URL / "
            f"OPENAI_API_KEY), or add [{what}] model = \"...\" to .codeassist.toml. See README: Configuration."
        )
