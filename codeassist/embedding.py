"""The embedder the settings ask for, built in one place for the CLI and the language server.

Text sent to a remote embeddings endpoint passes the secret redactor first, with the chunk's whole file in view (the indexer cannot import
`codeassist`, so the redactor is handed to it here); the local model never sends anything anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codeassist.settings import EmbeddingsSettings


def configured_embedder(emb: EmbeddingsSettings, roots: dict[str, Path] | Path | None = None,
                        **local_options: Any) -> Any:
    """An `Embedder` for `[embeddings]`: the local MiniLM model or an OpenAI-compatible endpoint; with
    ``[[embeddings.fallbacks]]``, queries go through the chain (`codeassist.embedding_chain`).

    `roots` (the repository root, or name -> root of a multi-repository index) lets the remote
    embedder's redactor read each chunk's whole file (`codeassist.redact_file.EmbeddingRedactor`);
    without it chunks are redacted on their own."""
    from codeassist.indexer.embedders import make_embedder

    if emb.provider == "openai":
        from codeassist.redact import redact_text
        from codeassist.redact_file import EmbeddingRedactor

        primary = make_embedder("openai", base_url=emb.base_url, model=emb.model, api_key=emb.api_key,
                                timeout=emb.timeout, preprocess=EmbeddingRedactor(roots))
        if not emb.fallbacks:
            return primary
        from codeassist.embedding_chain import chained_query_embedder
        from codeassist.llm_chain import chain_settings, is_loopback

        queries = []  # with the section's retries (the chain moves on instead of retrying 5 times)
        for endpoint, local in chain_settings(emb):
            unredacted = local and not emb.redact_local and is_loopback(endpoint.base_url)
            queries.append((f"{redact_text(endpoint.base_url)} ({endpoint.model})", make_embedder(
                "openai", base_url=endpoint.base_url, model=endpoint.model, api_key=endpoint.api_key,
                timeout=endpoint.timeout, max_retries=endpoint.max_retries,
                preprocess=None if unredacted else redact_text)))
        return chained_query_embedder(primary, queries, emb.backoff_seconds)
    return make_embedder("local", model_path=emb.model_path or None, **local_options)
