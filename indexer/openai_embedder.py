"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM, TEI).

The only indexer module that imports ``openai``. One client per endpoint with ``max_retries=0``:
retries are ours, so that every failure ends in one ``EmbeddingError`` saying what to do.

* Batching: at most ``batch_size`` inputs (default 256) and ``max_batch_chars`` characters per
  request. A text longer than ``max_input_chars`` is cut there (endpoints reject inputs over
  their token limit, 8,191 tokens for OpenAI); an empty text is sent as one space (OpenAI rejects
  empty strings).
* Retries: 429, 5xx, timeouts and connection errors are retried up to ``max_retries`` times with
  exponential backoff (``backoff_base * 2**attempt``, capped), honouring ``Retry-After`` /
  ``retry-after-ms``. Other statuses fail at once.
* Validation: the body must be JSON with one finite vector per input, all of one dimension (the
  configured one, else the first batch's). Rows are L2-normalized here whatever the server does.
* ``preprocess`` (e.g. the application's secret redactor) is applied to every text before it
  leaves the machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlparse

import numpy as np
import openai

from codeassist.indexer.embedders import Embedder, l2_normalize
from codeassist.indexer.errors import EmbeddingError

DEFAULT_BATCH_SIZE = 256
DEFAULT_MAX_BATCH_CHARS = 200_000
DEFAULT_MAX_INPUT_CHARS = 16_000
DEFAULT_MAX_TOKENS = 8191
BACKOFF_CAP_SECONDS = 30.0


class OpenAIEmbedder(Embedder):
    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        dimension: int | None = None,
        max_retries: int = 5,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_chars: int = DEFAULT_MAX_BATCH_CHARS,
        max_input_chars: int = DEFAULT_MAX_INPUT_CHARS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        backoff_base: float = 0.5,
        preprocess: Callable[[str], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # Local servers (Ollama, vLLM, TEI) need no key, but the client insists on one.
        local = base_url is not None and urlparse(base_url).hostname not in (None, "api.openai.com")
        try:
            self._client = openai.OpenAI(
                base_url=base_url,
                api_key=api_key or (None if not local else "unused"),
                timeout=timeout,
                max_retries=0,
            )
        except openai.OpenAIError as exc:
            raise EmbeddingError(
                f"Cannot create the embeddings client: {exc}. Set OPENAI_API_KEY (or embeddings.api_key), "
                "or point embeddings.base_url at a local server."
            ) from exc
        url = urlparse(str(self._client.base_url))
        self.base_url = str(self._client.base_url).rstrip("/")
        self.model = model
        self.model_id = f"openai:{url.netloc}{url.path.rstrip('/').removesuffix('/v1')}/{model}"
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.batch_size = max(1, int(batch_size))
        self.max_batch_chars = max(1, int(max_batch_chars))
        self.max_input_chars = max(1, min(int(max_input_chars), self.max_batch_chars))
        self.backoff_base = backoff_base
        self._preprocess = preprocess
        # Read by the embed stage, which applies it to the chunk *before* the embedding view rewrites
        # it: the view splits identifiers and drops punctuation, which would hide secrets from it.
        self.preprocess = preprocess
        self._sleep = sleep
        self._dimension = dimension

    @property
    def dimension(self) -> int:  # type: ignore[override]
        """The vector size: configured, else learned from the first response (probing if needed)."""
        if self._dimension is None:
            self.embed_documents(["dimension probe"])
        assert self._dimension is not None
        return self._dimension

    # -- batching ----------------------------------------------------------------------------

    def _prepare(self, text: str) -> str:
        if self._preprocess is not None:
            text = self._preprocess(text)
        return text[: self.max_input_chars] or " "

    def _batches(self, texts: list[str]) -> Iterator[tuple[int, list[str]]]:
        start, chars = 0, 0
        for i, text in enumerate(texts):
            if i > start and (i - start >= self.batch_size or chars + len(text) > self.max_batch_chars):
                yield start, texts[start:i]
                start, chars = i, 0
            chars += len(text)
        if start < len(texts):
            yield start, texts[start:]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        prepared = [self._prepare(t) for t in texts]
        if not prepared:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        parts = [self._embed_batch(batch) for _, batch in self._batches(prepared)]
        return l2_normalize(np.concatenate(parts, axis=0))

    # -- one request, retried ------------------------------------------------------------------

    def _embed_batch(self, batch: list[str]) -> np.ndarray:
        attempt = 0
        while True:
            try:
                raw = self._client.embeddings.with_raw_response.create(
                    model=self.model, input=batch, encoding_format="float"
                )
                return self._parse(raw.http_response.content, len(batch))
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                failure = f"HTTP {exc.status_code}: {_error_text(exc)}"
                delay = _retry_after(exc.response.headers)
            except openai.APITimeoutError:
                failure = f"no answer within {self.timeout:g} s"
                delay = None
            except openai.APIConnectionError as exc:
                failure = f"cannot connect: {_short(str(exc.__cause__ or exc))}"
                delay = None
            except openai.APIStatusError as exc:
                raise EmbeddingError(self._status_message(exc)) from exc
            except openai.OpenAIError as exc:
                raise EmbeddingError(
                    f"The embeddings endpoint {self.base_url} failed: {_short(str(exc))}."
                ) from exc
            if attempt >= self.max_retries:
                raise EmbeddingError(
                    f"The embeddings endpoint {self.base_url} failed {attempt + 1} times ({failure}). "
                    "Check that the server is running and not overloaded, then run the command again "
                    "(embedded chunks are kept); raise embeddings.timeout for a slow server."
                )
            if delay is None:
                delay = self.backoff_base * (2**attempt)
            self._sleep(min(delay, BACKOFF_CAP_SECONDS))
            attempt += 1

    def _status_message(self, exc: openai.APIStatusError) -> str:
        hint = {
            401: "check the API key (OPENAI_API_KEY or embeddings.api_key)",
            403: "check the API key's permissions for this model",
            404: f"check embeddings.base_url (usually ends in /v1) and that model {self.model!r} exists there",
            413: "lower embeddings.batch_size",
        }.get(exc.status_code, f"check embeddings.model ({self.model!r}) and embeddings.base_url")
        return (
            f"The embeddings endpoint {self.base_url} refused the request "
            f"(HTTP {exc.status_code}: {_error_text(exc)}): {hint}."
        )

    def _parse(self, body: bytes, expected: int) -> np.ndarray:
        def bad(detail: str) -> EmbeddingError:
            return EmbeddingError(
                f"The embeddings endpoint {self.base_url} returned an unusable answer for model "
                f"{self.model!r} ({detail}). Check that embeddings.base_url points to an "
                "OpenAI-compatible /v1/embeddings API and that the model is an embedding model."
            )

        try:
            payload = json.loads(body)
            items = payload["data"]
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise TypeError("'data' is not a list of objects")
            items = sorted(items, key=lambda item: item.get("index", 0))
            rows = [item["embedding"] for item in items]
            if not all(isinstance(row, list) for row in rows):
                raise TypeError("an embedding is not a list of numbers")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise bad(f"not an embeddings response: {_short(str(exc))}") from exc
        if len(rows) != expected:
            raise bad(f"{len(rows)} vectors for {expected} inputs")
        if len({len(row) for row in rows}) != 1 or not rows[0]:
            raise bad("vectors of different or zero lengths")
        try:
            vectors = np.array(rows, dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise bad(f"non-numeric vector values: {_short(str(exc))}") from exc
        if not np.isfinite(vectors).all():
            raise bad("NaN or infinite values in the vectors")
        dim = vectors.shape[1]
        if self._dimension is None:
            self._dimension = dim
        elif dim != self._dimension:
            raise EmbeddingError(
                f"The embeddings endpoint {self.base_url} returned vectors of dimension {dim} for model "
                f"{self.model!r}, expected {self._dimension}. If the model changed on purpose, set "
                f"embeddings.dimension to {dim} (everything is re-embedded); otherwise check the model name."
            )
        return vectors.astype(np.float32)


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait according to the response headers, if they say."""
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000.0)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _error_text(exc: openai.APIStatusError) -> str:
    """The server's own error message when its body has one, else the client's summary."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return _short(str(message))
    return _short(exc.message)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


