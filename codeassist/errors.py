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


class TemplateError(CodeassistError):
    """A prompt template is missing, has no version header, or was rendered without a variable."""


class LLMAuthError(LLMError):
    """401/403: the endpoint rejected the API key."""


class LLMModelNotFound(LLMError):
    """404: the configured model does not exist at the endpoint (or base_url is wrong)."""


class LLMRateLimited(LLMError):
    """429 after the client's own retries. `retry_after` is in seconds when the server said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMUnreachable(LLMError):
    """The endpoint could not be reached at all (connection refused, DNS, TLS)."""


class LLMTimeout(LLMError):
    """The endpoint did not answer within the configured timeout."""


class LLMContextTooLong(LLMError):
    """400 context_length_exceeded: the prompt is bigger than the model's window."""


class LLMStreamTruncated(LLMError):
    """The stream ended without a finish_reason (the server or a proxy dropped it)."""


class LLMMalformedResponse(LLMError):
    """The endpoint answered with something that is not the OpenAI API (bad JSON, wrong shape)."""


class LLMServerError(LLMError):
    """Any other HTTP error status from the endpoint (5xx, unexpected 4xx)."""


class LLMChainFailed(LLMError):
    """Every endpoint of a role's fallback chain was skipped or failed. `failures` holds
    ``(endpoint label, what happened)`` in chain order; the message lists them all."""

    def __init__(self, message: str, failures: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []
