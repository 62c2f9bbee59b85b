"""Index-run faults found by the robustness trial (bench/robustness.py, issue 16): a run whose index
folder disappears under it must not report success."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codeassist.indexer.errors import CodeassistError
from codeassist.indexer.pipeline import index_repository
from tests.indexer.hash_embedder import HashEmbedder


def _repo(root: Path, files: int = 12) -> Path:
    for n in range(files):
        path = root / f"pkg{n % 3}" / f"mod{n}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"def fn_{n}(value):\n    return value + {n}\n")
    return root


@pytest.mark.parametrize("stage", ["chunk", "embed"])
@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_index_folder_removed_during_the_run_is_an_error_not_a_success(tmp_path: Path, stage: str,
                                                                        how: str) -> None:
    root = _repo(tmp_path / "repo")
    idx = tmp_path / "idx"
    done: list[str] = []

    def progress(name: str, count: int, total: int) -> None:
        if name == stage and count and not done:  # what `rm -rf ~/.cache/codeassist` does mid-run
            done.append(name)
            if how == "removed":
                shutil.rmtree(idx)
            else:
                idx.rename(tmp_path / "idx.old")
                idx.mkdir()
                (idx / "index.db").write_bytes(b"")

    with pytest.raises(CodeassistError) as caught:
        index_repository(root, idx, embedder=HashEmbedder(), progress=progress)

    assert done == [stage]
    assert f"The index folder {idx} was removed or replaced while this run was writing to it" in str(caught.value)
    assert "Run `codeassist index` again" in str(caught.value)
    # and the next run builds a complete index there
    report = index_repository(root, idx, embedder=HashEmbedder())
    assert report.files_indexed == 12 and report.embedded == report.chunks


@pytest.mark.parametrize("embed_after", [True, False])
@pytest.mark.parametrize("how", ["index.db deleted", "index.db emptied"])
def test_vectors_faiss_of_another_database_never_answers_for_its_chunks(tmp_path: Path, how: str,
                                                                      embed_after: bool) -> None:
    """A new database numbers its chunks from 1 again: the old FAISS file's vector 1 belongs to another
    chunk. Before, the next run kept it (nothing re-embedded, `embedded` 0) and search used it."""
    import numpy as np

    from codeassist.indexer import open_index
    from codeassist.indexer.store import Store
    from codeassist.indexer.vector_sync import sync_vectors

    root = _repo(tmp_path / "repo")
    idx = tmp_path / "idx"
    index_repository(root, idx, embedder=HashEmbedder())
    for path in sorted(root.rglob("*.py")):  # other bodies under the same chunk ids 1..12
        path.write_text(path.read_text().replace("return value", "return 2 * value"))
    if how == "index.db deleted":
        (idx / "index.db").unlink()
    else:
        (idx / "index.db").write_bytes(b"")
    report = index_repository(root, idx, embed=embed_after, embedder=HashEmbedder())

    store = Store(idx)
    try:
        model_id = HashEmbedder().model_id
        ids = np.asarray(sorted(store.all_chunk_ids()), dtype=np.int64)
        vectors = sync_vectors(store, idx / "vectors.faiss", model_id, HashEmbedder().dimension)
        cached_ids, cached = store.cached_vectors(model_id, ids.tolist())
        if embed_after:
            assert report.embedded == report.chunks == 12
            assert sorted(vectors.ids().tolist()) == ids.tolist()
            assert np.allclose(vectors.vectors(cached_ids), cached, atol=1e-2)
        else:  # nothing embedded for the new database: the old vectors must not stand in for it
            assert len(cached_ids) == 0 and len(vectors) == 0
    finally:
        store.close()
    if not embed_after:
        with open_index(root, idx, embedder=HashEmbedder()) as index:
            assert index.search("fn_3 value", k=5, mode="dense") == []
