"""The Ray engine, run for real on a local 2-CPU cluster: the index it builds equals the local one
(chunk ids, texts, vectors), incrementally too, for one and for several repositories."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from codeassist.indexer.chunk_text import unpack_text
from codeassist.indexer.pipeline import index_repositories, index_repository
from tests.indexer.conftest import open_vectors, write

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def engine():
    from codeassist.indexer.distributed import RayEngine

    engine = RayEngine(num_cpus=2)  # a local cluster bound to 127.0.0.1; shut down below
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def embedder():
    from codeassist.indexer.embedders import make_embedder

    return make_embedder("local")


def make_repo(root: Path, files: int = 24) -> Path:
    for n in range(files):
        write(root, f"pkg/mod{n:02d}.py", f'''
            # Helpers for job {n}.
            def run_job_{n}(queue):
                """Pop job {n} from the queue and run it."""
                return queue.pop({n})


            class Worker{n}:
                def start(self):
                    return "worker {n} started"
            ''')
    write(root, "README.md", "# Jobs\n\nRun jobs from a queue.\n")
    write(root, "cmd/main.go", "package main\n\n// main starts every worker.\nfunc main() {}\n")
    return root


def snapshot(index_dir: Path, dimension: int | None = None, model_id: str | None = None):
    db = sqlite3.connect(index_dir / "index.db")
    db.create_function("chunk_text", 1, unpack_text)
    chunks = db.execute(
        "SELECT c.id, f.repo, f.path, c.start_line, c.end_line, c.kind, c.symbol, chunk_text(c.text), c.text_hash"
        " FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY c.id").fetchall()
    files = db.execute("SELECT id, repo, path, content_hash FROM files ORDER BY id").fetchall()
    db.close()
    vectors = {}
    if model_id:
        index = open_vectors(index_dir, dimension, model_id)
        assert sorted(index.ids().tolist()) == [row[0] for row in chunks]
        for row in chunks:
            vectors[row[7]] = index.vectors([row[0]])[0]
    return chunks, files, vectors


def assert_same_index(a: Path, b: Path, embedder) -> None:
    chunks_a, files_a, vectors_a = snapshot(a, embedder.dimension, embedder.model_id)
    chunks_b, files_b, vectors_b = snapshot(b, embedder.dimension, embedder.model_id)
    assert chunks_a == chunks_b and files_a == files_b
    assert vectors_a.keys() == vectors_b.keys()
    for text, vector in vectors_a.items():
        np.testing.assert_allclose(vector, vectors_b[text], atol=1e-6)


def test_ray_index_equals_local_index_then_stays_equal_incrementally(engine, embedder, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    local = index_repository(root, tmp_path / "local", embedder=embedder)
    remote = index_repository(root, tmp_path / "ray", embedder=embedder, engine=engine)
    assert remote.engine == "ray" and local.engine == "local"
    assert remote.chunks == local.chunks > 50 and remote.embedded == local.embedded == local.chunks
    assert remote.newly_embedded == local.newly_embedded
    assert_same_index(tmp_path / "local", tmp_path / "ray", embedder)

    write(root, "pkg/mod03.py", "def run_job_3(queue):\n    return queue.popleft()\n")
    (root / "pkg" / "mod07.py").unlink()
    again_local = index_repository(root, tmp_path / "local", embedder=embedder)
    again_ray = index_repository(root, tmp_path / "ray", embedder=embedder, engine=engine)
    assert (again_ray.files_indexed, again_ray.files_removed, again_ray.newly_embedded) == (1, 1, 1)
    assert again_ray.files_indexed == again_local.files_indexed
    assert_same_index(tmp_path / "local", tmp_path / "ray", embedder)


def test_ray_embedding_workers_load_the_model_once_and_share_the_batches(engine, embedder) -> None:
    texts = [f"def handler_{n}(request):\n    return {n}" for n in range(16)]
    batches = [texts[i : i + 2] for i in range(0, 16, 2)]
    got = np.vstack(list(engine.map_embed(embedder, iter(batches))))
    np.testing.assert_allclose(got, embedder.embed_documents(texts), atol=1e-6)
    stats = ray.get([actor.stats.remote() for actor in engine._actors])
    assert len(stats) == 2 and len({s["pid"] for s in stats}) == 2  # one embedder per worker process
    assert sum(s["batches"] for s in stats) == 8 and all(s["batches"] >= 2 for s in stats)
    more = list(engine.map_embed(embedder, iter(batches[:2])))
    assert len(more) == 2
    again = ray.get([actor.stats.remote() for actor in engine._actors])
    assert [s["embedder"] for s in again] == [s["embedder"] for s in stats]  # same actors, same model
    engine.release()
    assert engine._actors == []


def test_ray_multi_repository_index_equals_local(engine, tmp_path: Path) -> None:
    roots = [make_repo(tmp_path / "svc-a", 6), make_repo(tmp_path / "svc-b", 9)]
    local = index_repositories(roots, tmp_path / "local", embed=False)
    remote = index_repositories(roots, tmp_path / "ray", embed=False, engine=engine)
    assert remote.repos == local.repos == {"svc-a": str(roots[0]), "svc-b": str(roots[1])}
    assert snapshot(tmp_path / "local")[:2] == snapshot(tmp_path / "ray")[:2]
    assert {row[1] for row in snapshot(tmp_path / "ray")[1]} == {"svc-a", "svc-b"}


def test_cli_index_with_the_ray_engine(engine, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from codeassist.cli import cli

    root = make_repo(tmp_path / "repo", 4)
    result = CliRunner().invoke(cli, ["index", str(root), "--engine", "ray", "--index-dir", str(tmp_path / "idx"),
                                      "--no-embed", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["engine"] == "ray" and report["files_indexed"] == 6
    assert ray.is_initialized()  # the CLI joined the running cluster and did not shut it down
