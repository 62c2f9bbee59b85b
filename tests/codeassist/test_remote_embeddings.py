"""Indexing with a remote embeddings endpoint: secrets in the code never reach it."""

from __future__ import annotations

from pathlib import Path

from codeassist.embedding import configured_embedder
from codeassist.indexer import open_index
from codeassist.indexer.pipeline import index_repository
from codeassist.settings import load_settings

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
DB_URL = "postgres://admin:hunter2-very-secret@db.internal:5432/shop"


def test_remote_embedding_requests_are_redacted_and_vectors_are_stored(tmp_path: Path, fake_openai) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "config.py").write_text(
        f'# Storage settings\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\nDATABASE_URL = "{DB_URL}"\n\n'
        "def storage_bucket():\n    return 's3://shop-assets'\n"
    )
    settings = load_settings(repo, {"embeddings": {"provider": "openai", "base_url": fake_openai.base_url,
                                                   "model": "fake-embed", "api_key": "sk-test"}})
    embedder = configured_embedder(settings.embeddings)
    report = index_repository(repo, tmp_path / "idx", embedder=embedder)

    sent = fake_openai.all_request_text()
    assert fake_openai.requests_of("embeddings"), "the endpoint was never called"
    # Not even in pieces: the embedding view splits identifiers into words after the redactor ran.
    assert AWS_KEY not in sent and "AKIAIOSFODNN7" not in sent and "hunter2" not in sent
    assert "storage bucket" in sent  # the code itself still went out (as words), only the secrets were masked
    assert report.embedded == report.chunks > 0
    with open_index(repo, tmp_path / "idx", embedder=embedder) as index:
        hits = index.search("storage bucket", k=3, mode="dense")
    assert hits and hits.coverage.dense and hits[0].path == "app/config.py"
