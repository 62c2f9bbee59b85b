"""The [embeddings] fallback chain for query embedding: the next endpoint answers when the first fails,
the failed one is skipped inside its back-off, documents stay with the first endpoint, every endpoint
gets redacted text."""

from __future__ import annotations

import pytest

from codeassist.embedding import configured_embedder
from codeassist.indexer.errors import EmbeddingError
from codeassist.settings import load_settings
from tests.fake_openai import FakeOpenAI, Reply, fake_vector


def settings_for(primary: str, backup: str):
    return load_settings(None, {"embeddings": {
        "provider": "openai", "base_url": primary, "model": "fake-embed", "max_retries": 0,
        "fallbacks": [{"base_url": backup, "model": "fake-embed", "max_retries": 0}]}}, env={})


def test_query_embedding_moves_to_the_fallback_and_skips_the_failed_endpoint(fake_openai: FakeOpenAI) -> None:
    with FakeOpenAI() as backup:
        fake_openai.script("embeddings", Reply(status=503))
        embedder = configured_embedder(settings_for(fake_openai.base_url, backup.base_url).embeddings)
        first = embedder.embed_query("where is retry")
        assert first.tolist() == pytest.approx(fake_vector("where is retry", 8))
        assert "HTTP 503" in embedder.last_skipped[0][1]
        embedder.embed_query("second question")
        assert len(fake_openai.requests_of("embeddings")) == 1  # inside its back-off: not asked again
        assert len(backup.requests_of("embeddings")) == 2
        assert embedder.last_skipped[0][1].startswith("in its back-off after:")
        embedder.embed_documents(["chunk text"])  # indexing stays with the section's own endpoint
        assert len(fake_openai.requests_of("embeddings")) == 2


def test_query_embedding_every_endpoint_failing_names_each(fake_openai: FakeOpenAI) -> None:
    with FakeOpenAI() as gone:
        down = gone.base_url
    fake_openai.script("embeddings", Reply(status=500))
    embedder = configured_embedder(settings_for(fake_openai.base_url, down).embeddings)
    with pytest.raises(EmbeddingError, match="Every embeddings endpoint failed") as caught:
        embedder.embed_query("q")
    assert fake_openai.base_url in str(caught.value) and down in str(caught.value)


def test_every_embeddings_endpoint_gets_redacted_text(fake_openai: FakeOpenAI) -> None:
    secret = "AKIAIOSFODNN7EXAMPLE"
    with FakeOpenAI() as backup:
        fake_openai.script("embeddings", Reply(status=503))
        embedder = configured_embedder(settings_for(fake_openai.base_url, backup.base_url).embeddings)
        embedder.embed_query(f"aws_key = {secret}")
        assert backup.requests_of("embeddings") and secret not in backup.all_request_text()
        assert secret not in fake_openai.all_request_text()
