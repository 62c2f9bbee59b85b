"""An `Index` kept open (as the language server keeps one) while the index is rebuilt under it
(issue 16, item 5): it must notice the new database and read it, not the deleted one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.indexer import open_index
from codeassist.indexer.pipeline import index_repository
from tests.indexer.conftest import write
from tests.indexer.hash_embedder import HashEmbedder


def _rebuild_api(root: Path, idx: Path) -> None:
    index_repository(root, idx, embedder=HashEmbedder(), rebuild=True)


def _rebuild_cli(root: Path, idx: Path) -> None:
    result = CliRunner().invoke(cli, ["index", str(root), "--index-dir", str(idx), "--rebuild", "--no-embed"])
    assert result.exit_code == 0, result.output


def _delete_and_index_again(root: Path, idx: Path) -> None:
    shutil.rmtree(idx)
    index_repository(root, idx, embedder=HashEmbedder())


@pytest.mark.parametrize("rebuild", [_rebuild_api, _rebuild_cli, _delete_and_index_again],
                         ids=["index_repository(rebuild=True)", "codeassist index --rebuild", "rm -r and index"])
def test_stale_open_index_reopens_a_rebuilt_database(tmp_path: Path, rebuild) -> None:
    root = tmp_path / "repo"
    write(root, "old.py", "def legacy_parser(text):\n    return text.split()\n")
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    with open_index(root, idx, embedder=HashEmbedder()) as index:
        assert [h.path for h in index.search("legacy_parser", mode="lexical")] == ["old.py"]
        assert [d.path for d in index.definitions("legacy_parser")] == ["old.py"]
        write(root, "fresh.py", "def brand_new_tokenizer(text):\n    return list(text)\n")
        rebuild(root, idx)
        hits = index.search("brand_new_tokenizer", mode="lexical")
        assert [h.path for h in hits] == ["fresh.py"] and hits[0].symbol == "brand_new_tokenizer"
        assert index.status()["files"] == 2
        assert {h.path for h in index.file_chunks("fresh.py")} == {"fresh.py"}
        assert [d.path for d in index.definitions("brand_new_tokenizer")] == ["fresh.py"]  # symbol graph too
        if rebuild is not _rebuild_cli:  # rebuilt with embeddings: dense search reads the new vectors
            dense = index.search("brand_new_tokenizer", mode="dense", k=2)
            assert dense.coverage.dense and "fresh.py" in {h.path for h in dense}


def test_stale_open_index_keeps_working_while_nothing_changed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "a.py", "def alpha():\n    return 1\n")
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    with open_index(root, idx) as index:
        store = index._store
        write(root, "b.py", "def beta():\n    return 2\n")
        index_repository(root, idx, embedder=HashEmbedder())  # an update, not a rebuild: same file
        assert [h.path for h in index.search("beta", mode="lexical")] == ["b.py"]
        assert index._store is store
