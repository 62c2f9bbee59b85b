"""The embedder the settings ask for, built in one place for the CLI and the language server.

Text sent to a remote embeddings endpoint passes the secret redactor first (the indexer cannot import
`codeassist`, so the redactor is handed to it here); the local model never sends anything anywhere.
"""

from __future__ import annotations

from typing import Any

from codeassist.settings import EmbeddingsSettings


def configured_embedder(emb: EmbeddingsSettings, **local_options: Any) -> Any:
    """An `Embedder` for `[embeddings]`: the local MiniLM model or an OpenAI-compatible endpoint; with
    ``[[embeddings.fallbacks]]``, queries go through the chain (`codeassist.embedding_chain`)."""
    from codeassist.indexer.embedders import make_embedder

    if emb.provider == "openai":
        from codeassist.redact import redact_text

        primary = make_embedder("openai", base_url=emb.base_url, model=emb.model, api_key=emb.api_key,
                                timeout=emb.timeout, preprocess=redact_text)
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
