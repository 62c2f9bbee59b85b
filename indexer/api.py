"""The Python API: `open_index(root)` -> `Index`, whose `search()` the CLI, the language server and
`ask` all use.

    from codeassist.indexer import open_index
    index = open_index("path/to/repo")
    for hit in index.search("where are retries configured", k=5, lang="python"):
        print(hit.path, hit.start_line, hit.symbol, hit.score)

Hybrid search = FTS5 BM25 top-n and FAISS top-n, fused and re-ranked by `ranking.py` (score-normalised
weighted fusion, file-role priors, a second stage, the exact-symbol rule), overlapping ranges of one
file deduped, hits per file capped. While dense coverage is incomplete (embedding still running,
or no embedding model available) search works lexically and `SearchResults.coverage` says so.
An `Index` may be used from several threads; a lock serializes access to its SQLite connection.
The index can be rewritten by `codeassist index` while it is open: SQLite WAL gives readers a
consistent snapshot, and the FAISS file is re-read when its modification time changes.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from codeassist.indexer.embed_stage import VECTORS_NAME
from codeassist.indexer.embedding_view import split_words
from codeassist.indexer.errors import CodeassistError, IndexNotFound, RootNotFound
from codeassist.indexer.graph_api import GraphMixin
from codeassist.indexer.model import Hit
from codeassist.indexer.ranking import (
    ROLE_FACTORS,
    CandidateInfo,
    RankingOptions,
    defined_name,
    fuse,
    query_shape,
    rank,
)
from codeassist.indexer.search import Filters, dedupe_and_cap
from codeassist.indexer.store import DB_NAME, Store, resolve_index_dir

log = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "dense")
# Candidates fetched from each retriever before fusion: `RankingOptions.candidates` (150); with filters,
# at least FILTERED_CANDIDATES (filtered afterwards).
FILTERED_CANDIDATES = 400
MAX_K = 1000
MAX_QUERY_CHARS = 4000


@dataclass
class Coverage:
    chunks: int
    embedded: int
    dense: bool  # whether dense retrieval took part in this search
    reason: str = ""  # why not, when it did not

    def to_json(self) -> dict[str, Any]:
        return {"chunks": self.chunks, "embedded": self.embedded, "dense": self.dense, "reason": self.reason}


class SearchResults(list[Hit]):
    """A list of hits that also says how complete the dense side was."""

    def __init__(self, hits: list[Hit], coverage: Coverage, mode: str) -> None:
        super().__init__(hits)
        self.coverage = coverage
        self.mode = mode


def open_index(root: Path | str, index_dir: Path | str | None = None, *, embedder: Any = None) -> Index:
    """Open the existing index of `root`. Raises IndexNotFound (with the command that creates it)."""
    root_path = Path(root).expanduser()
    if not root_path.is_dir():
        raise RootNotFound(str(root_path))
    root_path = root_path.resolve()
    target = resolve_index_dir(root_path, index_dir)
    if not (target / DB_NAME).exists():
        raise IndexNotFound(str(root_path), str(target))
    return Index(root_path, target, embedder=embedder)


@dataclass
class _Dense:
    index: Any = None
    mtime_ns: int = -1
    embedder: Any = None
    error: str = ""
    generation: int = 0  # the database generation the loaded vectors belong to


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a file: a rebuilt database is a new file, even at the same path."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Index(GraphMixin):
    """An open index: `search()` here, the symbol graph (`definitions`, `imports`, `references`,
    `chunk_references`, `outline`, `symbols`) from `GraphMixin` (graph_api.py).

    It stays usable while `codeassist index` rewrites it, including `--rebuild` (or the folder being
    deleted and indexed again): every use checks whether the database file was replaced, and reopens
    it (and reloads the vectors) when it was, instead of reading the deleted one."""

    def __init__(self, root: Path, index_dir: Path, *, embedder: Any = None) -> None:
        self.root = root
        self.index_dir = index_dir
        self._lock = threading.RLock()
        self._open_store = Store(index_dir)
        self._db_id = _file_id(self._open_store.path)
        self._generation = 0
        self._dense = _Dense(embedder=embedder)
        self._counts_cache: tuple[int, tuple[int, str | None, int]] | None = None
        self.ranking = RankingOptions()  # replaced by bench/retrieval.py's ablations

    @property
    def _store(self) -> Store:
        """The store, reopened first if the database file was replaced since it was opened."""
        with self._lock:
            current = _file_id(self._open_store.path)
            if current is not None and current != self._db_id:
                log.info("%s was rebuilt; reopening it", self._open_store.path)
                fresh = Store(self.index_dir)
                self._open_store.close()
                self._open_store, self._db_id = fresh, current
                self._generation += 1
                self._counts_cache = None
                self._graph = None  # GraphMixin's cache, keyed by the old connection's data_version
                self._dense.error = "" if self._dense.embedder is not None else self._dense.error
            return self._open_store

    def close(self) -> None:
        with self._lock:
            self._open_store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- status ----------------------------------------------------------------------------
    @property
    def model_id(self) -> str | None:
        with self._lock:
            return self._store.get_meta("embedding_model")

    def status(self) -> dict[str, Any]:
        with self._lock:
            counts = self._store.counts()
            model = self._store.get_meta("embedding_model")
            embedded = self._store.embedded_count(model) if model else 0
            return {
                "root": str(self.root),
                "index_dir": str(self.index_dir),
                "files": counts["files"],
                "chunks": counts["chunks"],
                "embedded": embedded,
                "embedding_model": model,
                "languages": self._store.languages(),
                "last_update": self._store.last_update(),
                "coverage": round(embedded / counts["chunks"], 4) if counts["chunks"] else 0.0,
                "repos": self._store.repos(),
            }

    def stale_files(self, config: Any = None) -> int:
        """How many files changed, appeared or vanished since the last index run (one discovery pass).
        A file the last run skipped for its content (binary, minified...) is stale only once it changes."""
        from codeassist.indexer.config import IndexConfig
        from codeassist.indexer.discovery import discover_files
        from codeassist.indexer.skipped_files import skipped_files

        # as the index run judged: this index's own folder is never part of the repository
        config = replace(config or IndexConfig(), index_dirs=(os.path.realpath(self.index_dir),))
        current = {f.rel: f for f in discover_files(self.root, config).files}
        with self._lock:
            states: dict[str, Any] = dict(self._store.file_states())
            skips = skipped_files(self._store.db, "", config)
        for rel, skip in skips.items():
            states.setdefault(rel, skip)
        changed = sum(1 for rel, f in current.items()
                      if rel not in states or (states[rel].size, states[rel].mtime_ns) != (f.size, f.mtime_ns))
        return changed + sum(1 for rel in states if rel not in current and rel not in skips)

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """term -> how many chunks contain it (0 = none); used to keep only telling query words."""
        with self._lock:
            return self._store.document_frequencies(terms)

    def file_chunks(self, path: str, repo: str | None = None) -> list[Hit]:
        with self._lock:
            rows = self._store.chunks_of_file(path, repo)
        return [Hit(r.path, r.start_line, r.end_line, r.symbol, r.kind, r.language or "", 0.0, r.text, r.id,
                    repo=r.repo, header=r.header) for r in rows]

    def repos(self) -> dict[str, str]:
        """name -> root of the repositories of a multi-repository index ({} for a single one)."""
        with self._lock:
            return self._store.repos()

    # -- search ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        *,
        lang: str | list[str] | None = None,
        path: str | list[str] | None = None,
        kind: str | list[str] | None = None,
        mode: str = "hybrid",
        max_per_file: int | None = 3,
        exclude_ranges: list[tuple[str, int, int]] | None = None,
        repo: str | list[str] | None = None,
        include_tests: bool = False,
        exclude: str | list[str] | None = None,
    ) -> SearchResults:
        """Best chunks for a natural-language question or a code fragment, best first.

        k <= 0 gives no hits; k is capped at MAX_K. Queries longer than MAX_QUERY_CHARS are cut
        (a pasted file is still a fine query: its first few thousand characters decide). A query with
        nothing searchable in it (only punctuation) gives no hits, never an error.
        `path` / `exclude`: globs the hit's path must / must not match (gitignore-like).
        `include_tests`: rank test and fixture files like source (by default they rank below it, as do
        documentation, examples and generated files, unless the query names them: "the tests of ...").
        `exclude_ranges`: (path, start, end) ranges to leave out (the cursor's own chunk).
        `repo`: in an index of several repositories, only these repositories (names as on `Hit.repo`).
        """
        if mode not in MODES:
            raise CodeassistError(f"Unknown search mode {mode!r}; use one of {', '.join(MODES)}.")
        k = min(int(k), MAX_K)
        query = (query or "")[:MAX_QUERY_CHARS]
        coverage = self._coverage(mode)
        if k <= 0 or not query.strip():
            return SearchResults([], coverage, mode)
        filters = Filters.make(lang=lang, kind=kind, path=path, repo=repo, exclude=exclude)
        n = max(self.ranking.candidates, k * 3)
        if filters.active or exclude_ranges:
            n = max(n, FILTERED_CANDIDATES)
        shape = query_shape(query)
        # The query embedding (numpy, releases the GIL) runs on another core while FTS5 (which also
        # releases it) ranks: a hybrid query costs about the slower of the two, not their sum.
        embedding = None
        if mode in ("hybrid", "dense") and coverage.dense:
            text = split_words(query) or query if self.ranking.query_words else query
            embedding = _query_pool().submit(self._dense.embedder.embed_query, text)
        lexical: list[tuple[int, float]] = []
        with self._lock:
            if mode in ("hybrid", "lexical"):
                lexical = self._store.lexical_search(query, n)
                if self.ranking.exact_symbol:
                    lexical += _exact_candidates(self._store, shape, {cid for cid, _ in lexical}, lexical)
        dense = self._dense_scored(embedding.result(), n) if embedding is not None else []
        scores, found_by = fuse(lexical, dense, shape, self.ranking)
        with self._lock:
            rows = self._store.chunk_rows(list(scores), with_text=False)
        infos = {}
        for cid, row in rows.items():
            if not filters.accepts(row.path, row.language, row.kind, row.repo):
                continue
            if exclude_ranges and any(p == row.path and s <= row.end_line and row.start_line <= e
                                      for p, s, e in exclude_ranges):
                continue
            infos[cid] = CandidateInfo(row.path, row.symbol, row.kind)
        # A path filter chose the files: it asks for whatever roles they have.
        spared = set(ROLE_FACTORS) if filters.path else ({"test"} if include_tests else set())
        references = None
        if self.ranking.graph_prior:
            names = [defined_name(infos[cid].symbol) for cid in sorted(infos, key=lambda c: -scores[c])[:50]]
            with self._lock:
                references = self._store.reference_counts(names)
        ranked = rank(scores, infos, shape, self.ranking, include_roles=spared, references=references)
        # Hits are built lazily: dedupe_and_cap stops at k, and the candidate lists are 150 deep.
        hits = dedupe_and_cap((_hit(rows[cid], score, found_by.get(cid, [])) for cid, score in ranked), k,
                              max_per_file)
        with self._lock:
            texts = self._store.chunk_rows([hit.chunk_id for hit in hits])
        hits = [hit for hit in hits if hit.chunk_id in texts]  # a re-index may have replaced one meanwhile
        for hit in hits:
            hit.text = texts[hit.chunk_id].text
        return SearchResults(hits, coverage, mode)

    def _counts(self) -> tuple[int, str | None, int]:
        """(chunks, embedding model, embedded chunks), recomputed only after a write to the database."""
        with self._lock:
            version = self._store.data_version()
            if self._counts_cache is None or self._counts_cache[0] != version:
                chunks = self._store.counts()["chunks"]
                model = self._store.get_meta("embedding_model")
                embedded = self._store.embedded_count(model) if model else 0
                self._counts_cache = (version, (chunks, model, embedded))
            return self._counts_cache[1]

    def _coverage(self, mode: str) -> Coverage:
        chunks, model, embedded = self._counts()
        if mode == "lexical":
            return Coverage(chunks, embedded, False, "lexical mode")
        if not model or embedded == 0:
            return Coverage(chunks, embedded, False, "no embeddings yet (run: codeassist index)")
        if not self._ensure_dense(model):
            return Coverage(chunks, embedded, False, self._dense.error)
        reason = "" if embedded >= chunks else f"dense coverage {embedded:,} of {chunks:,} chunks"
        return Coverage(chunks, embedded, True, reason)

    def _ensure_dense(self, model_id: str) -> bool:
        from codeassist.indexer.vector_sync import sync_vectors

        dense = self._dense
        if dense.embedder is None and not dense.error:
            try:
                dense.embedder = _embedder_for(model_id)
            except CodeassistError as err:
                dense.error = str(err)
        if dense.embedder is None:
            return False
        if dense.embedder.model_id != model_id:
            dense.error = (f"the index was embedded with {model_id} but the configured model is "
                           f"{dense.embedder.model_id}; re-run: codeassist index")
            return False
        path = self.index_dir / VECTORS_NAME
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        if dense.index is None or mtime != dense.mtime_ns or dense.generation != self._generation:
            with self._lock:
                store = self._store
                dim = int(store.get_meta("embedding_dimension") or dense.embedder.dimension)
                same_db = dense.generation == self._generation  # chunk ids are only reused by a rebuild
                dense.index = sync_vectors(store, path, model_id, dim, dense.index if same_db else None)
                dense.generation = self._generation
            dense.mtime_ns = mtime
        return True

    def _dense_scored(self, vector: Any, n: int) -> list[tuple[int, float]]:
        scores, ids = self._dense.index.search(vector, n)
        return [(int(i), float(s)) for s, i in zip(scores, ids, strict=True) if i >= 0]


def _hit(row: Any, score: float, found_by: list[str]) -> Hit:
    return Hit(row.path, row.start_line, row.end_line, row.symbol, row.kind, row.language or "",
               round(score, 6), row.text, row.id, repo=row.repo, sources=found_by, header=row.header)


def _exact_candidates(store: Store, shape: Any, seen: set[int],
                      lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Chunks defining a name the query spells out, that BM25's top n missed (a name defined in
    hundreds of files, or a query whose other words outweigh it); scored as the weakest lexical hit."""
    floor = min((score for _, score in lexical), default=0.0)
    extra: list[tuple[int, float]] = []
    for name in sorted(shape.names)[:4]:
        for cid in store.symbol_search(name, 20):
            if cid not in seen:
                seen.add(cid)
                extra.append((cid, floor))
    return extra


_POOL: ThreadPoolExecutor | None = None


def _query_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="codeassist-query")
    return _POOL


def _embedder_for(model_id: str) -> Any:
    """The query embedder matching the model the index was built with (local models only)."""
    from codeassist.indexer.embedders import make_embedder

    if model_id.startswith("local:"):
        return make_embedder("local")
    raise CodeassistError(
        f"the index was embedded with {model_id}; pass the same embeddings endpoint to search "
        "(set [embeddings] in .codeassist.toml)"
    )
