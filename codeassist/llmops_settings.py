"""Settings of the LLMOps layer, in their own dataclasses: the endpoints of a role's fallback chain
(``[[chat.fallbacks]]``) and the prompt log with its retention (``[log]``). `codeassist.settings` puts
them into the one settings object; the precedence and validation rules are its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FallbackEndpoint:
    """One more endpoint of a role's fallback chain (``[[chat.fallbacks]]``, ``[[completion.fallbacks]]``,
    ``[[embeddings.fallbacks]]``), tried in order after the section's own endpoint. Unset ``timeout`` /
    ``max_retries`` are the section's. ``OPENAI_API_KEY`` is only sent to a fallback that has no
    ``base_url`` (that is, OpenAI itself): a local server never receives the hosted key by accident."""

    base_url: str = ""
    model: str = ""
    api_key: str = ""
    api_key_env: str = ""
    timeout: float | None = None
    max_retries: int | None = None
    # A server on this machine (127.0.0.1 / localhost / ::1 only): its prompts may skip redaction when the
    # section sets redact_local = false. Ignored for any other host.
    local: bool = False


@dataclass(slots=True)
class LogSettings:
    """The prompt log and the local metrics (`codeassist log`, `codeassist stats`). ``log = false`` is
    short for ``[log] enabled = false``; the object is falsy when logging is off."""

    enabled: bool = True
    # Rows older than this many days are deleted (0 = keep forever).
    max_days: int = 30
    # When the database grows past this many MB the oldest rows are deleted (0 = no size limit).
    max_mb: int = 100

    def __bool__(self) -> bool:
        return self.enabled
