"""Several repositories in one index: names on files and hits, the repo filter, the manifest, the
schema migration from a single-repository (v1) database, and the streaming embed stage."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.indexer import open_index
from codeassist.indexer.errors import CodeassistError
from codeassist.indexer.pipeline import index_repositories, index_repository
from codeassist.indexer.repos import ManifestError, assign_repo_names, read_manifest
from codeassist.indexer.store import MIGRATIONS, Store
from tests.indexer.conftest import open_vectors, write


@pytest.fixture
def repos(tmp_path: Path) -> list[Path]:
    alpha = tmp_path / "alpha"
    write(alpha, "app/http.py", "def send_request(url):\n    return fetch_with_retries(url)\n")
    write(alpha, "app/cache.py", "class LRUCache:\n    def evict_oldest(self):\n        pass\n")
    beta = tmp_path / "beta"
    write(beta, "app/http.py", "def send_request(url):\n    return post_form(url)\n")  # same path as alpha
    write(beta, "lib/queue.go", "package lib\n\n// Push appends a job to the work queue.\nfunc Push(j Job) {}\n")
    other = tmp_path / "elsewhere" / "alpha"  # same folder name as the first: gets alpha-2
    write(other, "main.rs", "fn main() {\n    println!(\"send_request\");\n}\n")
    return [alpha, beta, other]


def file_rows(index_dir: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(index_dir / "index.db")
    rows = set(db.execute("SELECT repo, path FROM files").fetchall())
    db.close()
    return rows


def test_each_file_and_hit_carries_its_repository(repos: list[Path], tmp_path: Path) -> None:
    report = index_repositories(repos, tmp_path / "idx", embed=False)
    assert report.repos == {"alpha": str(repos[0]), "beta": str(repos[1]), "alpha-2": str(repos[2])}
    assert file_rows(tmp_path / "idx") == {
        ("alpha", "app/http.py"), ("alpha", "app/cache.py"), ("beta", "app/http.py"),
        ("beta", "lib/queue.go"), ("alpha-2", "main.rs"),
    }
    with open_index(repos[0], tmp_path / "idx") as index:
        hits = index.search("send_request", k=10, mode="lexical")
        assert {(h.repo, h.path) for h in hits} == {("alpha", "app/http.py"), ("beta", "app/http.py"),
                                                   ("alpha-2", "main.rs")}
        only_beta = index.search("send_request", k=10, mode="lexical", repo="beta")
        assert [(h.repo, h.path) for h in only_beta] == [("beta", "app/http.py")]
        assert "post_form" in only_beta[0].text
        two = index.search("send_request", k=10, mode="lexical", repo=["alpha", "alpha-2"])
        assert {h.repo for h in two} == {"alpha", "alpha-2"}
        assert index.repos()["beta"] == str(repos[1])


def test_rerun_is_incremental_per_repository_and_names_are_stable(repos: list[Path], tmp_path: Path) -> None:
    index_repositories(repos, tmp_path / "idx", embed=False)
    (repos[1] / "lib" / "queue.go").unlink()
    # Listed in another order: the names stay what they were.
    report = index_repositories([repos[2], repos[1], repos[0]], tmp_path / "idx", embed=False)
    assert report.repos == {"alpha-2": str(repos[2]), "beta": str(repos[1]), "alpha": str(repos[0])}
    assert report.files_indexed == 0 and report.files_unchanged == 4 and report.files_removed == 1
    assert ("beta", "lib/queue.go") not in file_rows(tmp_path / "idx")
    # Indexing one repository into the shared index leaves the others alone.
    report = index_repositories([repos[1]], tmp_path / "idx", embed=False)
    assert len(file_rows(tmp_path / "idx")) == 4


def test_several_repositories_need_an_explicit_index_dir(repos: list[Path]) -> None:
    with pytest.raises(CodeassistError, match="--index-dir"):
        index_repositories(repos, None, embed=False)  # type: ignore[arg-type]


def test_manifest_lines_comments_and_relative_paths(repos: list[Path], tmp_path: Path) -> None:
    manifest = tmp_path / "repos.txt"
    manifest.write_text(f"# our services\nalpha\n\n{repos[1]}   # absolute\nalpha  # listed twice\n")
    roots = read_manifest(manifest)
    assert roots == [tmp_path / "alpha", repos[1], tmp_path / "alpha"]
    assert [name for name, _ in assign_repo_names(roots)] == ["alpha", "beta"]
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ManifestError, match="lists no repository"):
        read_manifest(tmp_path / "empty.txt")


def test_cli_indexes_a_manifest_and_filters_search_by_repo(repos: list[Path], tmp_path: Path) -> None:
    manifest = tmp_path / "repos.txt"
    manifest.write_text("alpha\nbeta\n")
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    result = runner.invoke(cli, ["index", "--manifest", str(manifest), str(repos[2]), "--index-dir", idx,
                                 "--no-embed", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["repos"]) == ["alpha", "alpha-2", "beta"]
    result = runner.invoke(cli, ["search", "send_request", "--index-dir", idx, "--repo", "beta", "--json",
                                 "--mode", "lexical"])
    assert result.exit_code == 0, result.output
    assert [(h["repo"], h["path"]) for h in json.loads(result.stdout)] == [("beta", "app/http.py")]
    result = runner.invoke(cli, ["search", "send_request", "--index-dir", idx, "--repo", "gamma"])
    assert result.exit_code == 2 and "repositories: alpha, alpha-2, beta" in result.output
    result = runner.invoke(cli, ["search", "send_request", "--index-dir", idx, "--mode", "lexical"])
    # PATH arguments come before the manifest's entries, so elsewhere/alpha got the plain name.
    assert "beta:app/http.py:1-2" in result.stdout and "alpha-2:app/http.py:1-2" in result.stdout
    assert "alpha:main.rs:1-3" in result.stdout


def test_single_repository_index_keeps_an_empty_repo_name(repos: list[Path], tmp_path: Path) -> None:
    index_repository(repos[0], tmp_path / "idx", embed=False)
    assert {repo for repo, _ in file_rows(tmp_path / "idx")} == {""}
    with open_index(repos[0], tmp_path / "idx") as index:
        assert index.repos() == {}
        assert [h.repo for h in index.search("send_request", mode="lexical")] == [""]


def test_a_v1_database_upgrades_in_place_keeping_ids_chunks_and_fts(repos: list[Path], tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    db = sqlite3.connect(index_dir / "index.db")
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO meta VALUES ('fts_version', '1')")
    db.execute("INSERT INTO files VALUES (7, 'app/http.py', 1, 1, 'h', 'python', 'ok', 0)")
    db.execute("INSERT INTO chunks VALUES (42, 7, 1, 2, 'function', 'send_request', 'python', 'def send_request', 't')")
    db.execute("INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (42, 'send_request', 'app/http.py', 'x')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = Store(index_dir)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
    assert store.db.execute("SELECT id, repo, path FROM files").fetchall() == [(7, "", "app/http.py")]
    assert store.chunk_rows([42])[42].symbol == "send_request"  # the rebuild did not cascade into chunks
    assert [cid for cid, _ in store.lexical_search("send_request", 5)] == [42]
    assert store.file_states() == {"app/http.py": store.file_states()["app/http.py"]}
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    # And the pipeline carries on with it: the old file row is updated, not duplicated.
    write(repos[0], "app/http.py", "def send_request(url):\n    return 1\n")
    index_repository(repos[0], index_dir, embed=False)
    assert ("", "app/http.py") in file_rows(index_dir) and len(file_rows(index_dir)) == 2


class CountingEmbedder:
    """Deterministic vectors from the text; records every text it was asked to embed."""

    model_id = "test:counting"
    dimension = 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        rows = [np.frombuffer(__import__("hashlib").sha256(t.encode()).digest()[:8], dtype=np.uint8)
                for t in texts]
        matrix = np.asarray(rows, dtype=np.float32) + 1
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def test_embed_stage_streams_pages_and_embeds_each_body_once(tmp_path: Path, monkeypatch) -> None:
    import codeassist.indexer.store as store_module

    root = tmp_path / "repo"
    for n in range(12):  # 12 files, 3 distinct bodies: copies of one body span many pages
        write(root, f"f{n:02d}.py", f"def same_{n % 3}():\n    return {n % 3}\n")
    monkeypatch.setattr(store_module, "EMBED_PAGE", 2)
    embedder = CountingEmbedder()
    report = index_repository(root, tmp_path / "idx", embedder=embedder)
    assert report.newly_embedded == len(embedder.texts) == 3
    assert report.embedded == report.chunks == 12
    index = open_vectors(tmp_path / "idx", 8, "test:counting")
    assert len(index) == 12
    # Copies share their body's vector.
    store = Store(tmp_path / "idx")
    ids = store.all_chunk_ids()
    rows = store.chunk_rows(ids.tolist())
    store.close()
    by_body: dict[str, list[np.ndarray]] = {}
    for cid in ids:
        by_body.setdefault(rows[int(cid)].text_hash, []).append(index.vectors([int(cid)])[0])
    assert len(by_body) == 3 and all(np.array_equal(v[0], w) for v in by_body.values() for w in v)
    # A second run finds nothing to embed.
    again = index_repository(root, tmp_path / "idx", embedder=embedder)
    assert again.newly_embedded == 0 and len(embedder.texts) == 3


def test_ask_passes_the_repo_filter_to_retrieval(repos: list[Path], tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    index_repositories(repos, idx, embed=False)
    result = CliRunner().invoke(cli, ["ask", "send_request", "--index-dir", idx, "--repo", "beta", "--json"])
    assert result.exit_code == 0, result.output
    snippets = json.loads(result.stdout)["snippets"]
    assert snippets and all("fetch_with_retries" not in s["text"] for s in snippets)
    assert any("post_form" in s["text"] for s in snippets)
