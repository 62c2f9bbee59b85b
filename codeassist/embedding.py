"""The embedder the settings ask for, built in one place for the CLI and the language server.

Text sent to a remote embeddings endpoint passes the secret redactor first (the indexer cannot import
`codeassist`, so the redactor is handed to it here); the local model never sends anything anywhere.
"""

from __future__ import annotations

from typing import Any

from codeassist.settings import EmbeddingsSettings


def configured_embedder(emb: EmbeddingsSettings, **local_options: Any) -> Any:
    """An `Embedder` for `[embeddings]`: the local MiniLM model or an OpenAI-compatible endpoint."""
    from codeassist.indexer.embedders import make_embedder

    if emb.provider == "openai":
        from codeassist.redact import redact_text

        return make_embedder("openai", base_url=emb.base_url, model=emb.model, api_key=emb.api_key,
                             timeout=emb.timeout, preprocess=redact_text)
    return make_embedder("local", model_path=emb.model_path or None, **local_options)
