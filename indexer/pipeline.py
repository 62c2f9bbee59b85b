"""Building and updating an index: discover -> read -> chunk -> store, then embed -> FAISS.

Progressive: every file's chunks are committed (one transaction per file) before any embedding
starts, so lexical search works as soon as the chunk stage ends. The embed stage then fills the
embedding cache batch by batch (each batch committed) and the FAISS file is saved atomically every
few seconds and at the end. A run killed at any moment (even kill -9) leaves a consistent database;
the next run re-reads only files whose size/mtime changed, re-chunks only those whose content hash
changed, and embeds only chunk bodies that have no cached vector (at most the batch in flight is lost).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.errors import CodeassistError, RootNotFound
from codeassist.indexer.lock import IndexLock
from codeassist.indexer.store import DB_NAME, Store, content_hash, resolve_index_dir

# progress(stage, done, total): stages "discover", "chunk", "embed".
Progress = Callable[[str, int, int], None]

VECTORS_NAME = "vectors.faiss"
EMBED_BATCH = 64
SAVE_EVERY_SECONDS = 10.0
COMMIT_EVERY_SECONDS = 0.25
# Below this many changed files a process pool costs more than it saves (measured in bench/chunking.py).
POOL_MIN_FILES = 200
# Files per worker task, and tasks in flight per worker (bounds the chunks waiting for the store).
FILES_PER_TASK = 16
IN_FLIGHT_PER_WORKER = 4


@dataclass
class IndexReport:
    root: str
    index_dir: str
    files_total: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks: int = 0
    chunks_written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)
    embedding_model: str | None = None
    embedded: int = 0
    newly_embedded: int = 0
    embed_error: str | None = None
    interrupted: bool = False
    seconds: float = 0.0
    engine: str = "local"
    # name -> root, for an index of several repositories (empty for a single one)
    repos: dict[str, str] = field(default_factory=dict)
    # peak resident memory of the indexing process (the driver, with the ray engine), MiB
    peak_rss_mb: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Work:
    path: str
    rel: str
    size: int
    mtime_ns: int
    language: str | None
    known_hash: str | None
    repo: str = ""


@dataclass(slots=True)
class _Done:
    work: _Work
    digest: str | None = None
    chunks: list | None = None  # None: content unchanged
    skip: str | None = None
    fallback: str | None = None


def _read_and_chunk(work: _Work, config: IndexConfig) -> _Done:
    """Runs in a worker process or inline: read the bytes, hash, chunk if the content changed."""
    from codeassist.indexer.chunking import chunk_source
    from codeassist.indexer.discovery import read_source

    data = read_source(work, config)
    if not isinstance(data, bytes):
        return _Done(work, skip=str(data))
    digest = content_hash(data)
    if digest == work.known_hash:
        return _Done(work, digest=digest)
    result = chunk_source(data, work.language, config)
    return _Done(work, digest=digest, chunks=list(result.chunks), fallback=result.fallback_reason)


def _chunk_group(works: Sequence[_Work], config: IndexConfig) -> list[_Done]:
    return [_read_and_chunk(work, config) for work in works]


def ordered_map(submit: Callable[[Any], Any], items: Iterable[Any], in_flight: int,
                get: Callable[[Any], Any]) -> Iterator[Any]:
    """Submit items with at most `in_flight` outstanding and yield their results in input order
    (a result that is a list, such as a chunk group's, is flattened). Bounds the memory held by
    results the consumer has not taken yet, whatever the speed of the workers."""
    pending: deque[Any] = deque()
    source = iter(items)
    for item in source:
        pending.append(submit(item))
        if len(pending) >= in_flight:
            break
    while pending:
        result = get(pending.popleft())
        following = next(source, None)
        if following is not None:
            pending.append(submit(following))
        if isinstance(result, list):
            yield from result
        else:
            yield result


class LocalEngine:
    """The default engine: everything on this machine (a small process pool for big chunk stages).

    The seam the pipeline runs its parallel steps through; `codeassist.indexer.distributed.RayEngine`
    is the other implementation. Every map yields results in the order of its input, which is what
    makes an index built by either engine identical (chunk ids are assigned in that order).
    """

    name = "local"

    def map_discover(self, roots: Sequence[Path], config: IndexConfig) -> list[Any]:
        from codeassist.indexer.discovery import discover_files

        return [discover_files(root, config) for root in roots]

    def map_chunk(self, works: Sequence[_Work], config: IndexConfig) -> Iterator[_Done]:
        if len(works) < POOL_MIN_FILES or (os.cpu_count() or 1) < 2:
            for work in works:
                yield _read_and_chunk(work, config)
            return
        workers = min(2, os.cpu_count() or 1)
        # forkserver, not fork: a forked worker would inherit the index lock and the SQLite handle, and
        # outlive a killed parent while still holding the lock.
        context = multiprocessing.get_context("forkserver")
        groups = (works[i : i + FILES_PER_TASK] for i in range(0, len(works), FILES_PER_TASK))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # Not pool.map: it submits every file at once, and when the store (this process) is slower
            # than the workers their chunks pile up in memory (measured: 560 MB at 1M chunks).
            yield from ordered_map(lambda group: pool.submit(_chunk_group, group, config), groups,
                                   workers * IN_FLIGHT_PER_WORKER, lambda future: future.result())

    def map_embed(self, embedder: Any, batches: Iterable[list[str]]) -> Iterator[Any]:
        for texts in batches:
            yield embedder.embed_documents(texts)

    def release(self) -> None:
        """End of one index run: free per-run workers (nothing to free here)."""

    def close(self) -> None:
        pass


def make_engine(engine: Any = None, *, ray_address: str | None = None, embedder_factory: Any = None) -> Any:
    """An engine object from a name ("local", "ray") or an engine already built."""
    if engine is None or engine == "local":
        return LocalEngine()
    if engine == "ray":
        from codeassist.indexer.distributed import RayEngine

        return RayEngine(address=ray_address, embedder_factory=embedder_factory)
    if isinstance(engine, str):
        raise CodeassistError(f"Unknown indexing engine {engine!r}; use local or ray.")
    return engine


def index_repository(
    root: Path | str,
    index_dir: Path | str | None = None,
    config: IndexConfig | None = None,
    *,
    embed: bool = True,
    embedder: Any = None,
    progress: Progress | None = None,
    rebuild: bool = False,
    only: Sequence[str] | None = None,
    engine: Any = None,
) -> IndexReport:
    """Create or bring up to date the index of `root`. `only`: restrict the update to these rel paths.
    `engine`: "local" (default), "ray", or an engine object (see LocalEngine)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise RootNotFound(str(root))
    root = root.resolve()
    target = resolve_index_dir(root, index_dir)
    return _run(target, [("", root)], config, embed=embed, embedder=embedder, progress=progress,
                rebuild=rebuild, only=only, engine=engine)


def index_repositories(
    roots: Sequence[Path | str],
    index_dir: Path | str,
    config: IndexConfig | None = None,
    *,
    embed: bool = True,
    embedder: Any = None,
    progress: Progress | None = None,
    rebuild: bool = False,
    engine: Any = None,
) -> IndexReport:
    """Index several repositories into one index, each file recorded with its repository's short
    name (see `codeassist.indexer.repos`). Repositories indexed before but not listed now are kept."""
    from codeassist.indexer.repos import assign_repo_names

    if not index_dir:
        raise CodeassistError("Indexing several repositories needs an index folder: pass --index-dir "
                              "(or set CODEASSIST_INDEX_DIR); search it with the same --index-dir.")
    target = Path(index_dir).expanduser()
    known: dict[str, str] = {}
    if (target / DB_NAME).exists() and not rebuild:
        with IndexLock(target):
            store = Store(target)
            try:
                known = store.repos()
            finally:
                store.close()
    repos = assign_repo_names(roots, known)
    return _run(target, repos, config, embed=embed, embedder=embedder, progress=progress,
                rebuild=rebuild, only=None, engine=engine, multi=True)


def _run(target: Path, repos: list[tuple[str, Path]], config: IndexConfig | None, *, embed: bool,
         embedder: Any, progress: Progress | None, rebuild: bool, only: Sequence[str] | None, engine: Any,
         multi: bool = False) -> IndexReport:
    started = time.perf_counter()
    config = config or IndexConfig()
    report = IndexReport(root=str(repos[0][1]) if len(repos) == 1 else "", index_dir=str(target))
    if multi:
        report.repos = {name: str(root) for name, root in repos}
    tick = progress or (lambda stage, done, total: None)
    owned = not hasattr(engine, "map_chunk")
    runner = make_engine(engine)
    report.engine = runner.name

    with IndexLock(target):
        if rebuild:
            _remove_index_files(target)
        store = Store(target)
        try:
            if multi:
                for name, root in repos:
                    store.register_repo(name, str(root))
            else:
                store.set_meta("root", str(repos[0][1]))
            tick("discover", 0, 0)
            discoveries = runner.map_discover([root for _, root in repos], config)
            skipped: Counter[str] = Counter()
            listed: list[tuple[str, list[Any]]] = []
            for (name, _), discovery in zip(repos, discoveries, strict=True):
                skipped.update({str(k): v for k, v in discovery.skipped.items()})
                files = discovery.files
                if only is not None:
                    wanted = set(only)
                    files = [f for f in files if f.rel in wanted]
                listed.append((name, files))
            total = sum(len(files) for _, files in listed)
            tick("discover", total, total)
            report.files_total = total
            _chunk_stage(store, listed, config, report, skipped, tick, runner)
            for name, files in listed:
                seen = {f.rel for f in files}
                stale = [p for p in store.file_states(name) if p not in seen]
                if only is not None:
                    wanted = set(only)
                    stale = [p for p in stale if p in wanted]
                report.files_removed += store.delete_files(stale, name)
            report.skipped = dict(sorted(skipped.items()))
            report.chunks = store.counts()["chunks"]
            if embed:
                try:
                    _embed_stage(store, target, embedder, report, tick, runner)
                except KeyboardInterrupt:
                    report.interrupted = True
                    raise
                except CodeassistError as err:
                    report.embed_error = str(err)
        finally:
            store.close()
            if owned:
                runner.close()
            else:
                runner.release()
    report.seconds = round(time.perf_counter() - started, 3)
    report.peak_rss_mb = peak_rss_mb()
    return report


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def _chunk_stage(store: Store, listed: Sequence[tuple[str, Sequence[Any]]], config: IndexConfig,
                 report: IndexReport, skipped: Counter[str], tick: Progress, engine: Any) -> None:
    states: dict[tuple[str, str], Any] = {}
    works: list[_Work] = []
    for repo, files in listed:
        repo_states = store.file_states(repo)
        states.update({(repo, rel): state for rel, state in repo_states.items()})
        for f in files:
            state = repo_states.get(f.rel)
            if state and state.size == f.size and state.mtime_ns == f.mtime_ns:
                report.files_unchanged += 1
                continue
            works.append(_Work(str(f.path), f.rel, f.size, f.mtime_ns, f.language,
                               state.content_hash if state else None, repo))
    tick("chunk", 0, len(works))
    gone: list[tuple[str, str]] = []
    # Files are committed in small groups: each file's update is still all-or-nothing, a kill loses
    # at most the group in flight, and the commit cost is paid once per group instead of per file.
    group_started = time.monotonic()
    store.db.execute("BEGIN IMMEDIATE")
    try:
        for done_count, done in enumerate(engine.map_chunk(works, config), start=1):
            _store_one(store, done, states, report, skipped, gone)
            tick("chunk", done_count, len(works))
            if time.monotonic() - group_started > COMMIT_EVERY_SECONDS:
                store.db.execute("COMMIT")
                store.db.execute("BEGIN IMMEDIATE")
                group_started = time.monotonic()
    except BaseException:
        store.db.execute("COMMIT")  # what was fully written stays; the file in flight was not started
        raise
    store.db.execute("COMMIT")
    report.files_total -= len(gone)
    for repo, rel in gone:
        store.delete_files([rel], repo)


def _store_one(store: Store, done: _Done, states: dict, report: IndexReport, skipped: Counter[str],
               gone: list[tuple[str, str]]) -> None:
        work = done.work
        if done.skip is not None:
            skipped[done.skip] += 1
            gone.append((work.repo, work.rel))  # previously indexed but now unreadable/binary/vanished
        elif done.chunks is None:
            report.files_unchanged += 1
            store.touch_file(states[(work.repo, work.rel)].id, work.size, work.mtime_ns)
        else:
            status = "fallback" if done.fallback == "parse_failed" else "ok"
            ids = store.replace_file(work.rel, size=work.size, mtime_ns=work.mtime_ns, digest=done.digest or "",
                                     language=work.language, chunks=done.chunks, status=status, repo=work.repo)
            report.files_indexed += 1
            report.chunks_written += len(ids)
            if status == "fallback":
                report.fallbacks.append(f"{work.repo}:{work.rel}" if work.repo else work.rel)


def _remove_index_files(target: Path) -> None:
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        (target / name).unlink(missing_ok=True)
    for path in target.glob(VECTORS_NAME + "*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _embed_stage(store: Store, target: Path, embedder: Any, report: IndexReport, tick: Progress,
                 engine: Any = None) -> None:
    """Stream the chunks FAISS lacks out of SQLite a page at a time (never all of them in memory):
    cached vectors go straight in, each distinct uncached body is embedded once. Within a page,
    bodies are sorted by length so batches pad little (the local model's cost grows with the longest
    text in a batch). The engine computes the batches (possibly on other machines); only this
    process writes SQLite and FAISS — both are single-writer files, and one writer keeps the
    crash-safety argument of the module docstring intact."""
    import numpy as np

    from codeassist.indexer.embedders import document_text, make_embedder
    from codeassist.indexer.vector_sync import sync_vectors

    engine = engine or LocalEngine()
    embedder = embedder or make_embedder("local")
    model_id = embedder.model_id
    report.embedding_model = model_id
    store.set_meta("embedding_model", model_id)
    store.set_meta("embedding_dimension", str(embedder.dimension))
    vectors = sync_vectors(store, target / VECTORS_NAME, model_id, embedder.dimension)
    total = store.count_bodies_missing_embeddings(model_id)
    tick("embed", 0, total)
    last_save = time.monotonic()
    done = 0
    try:
        for page in store.pending_chunk_pages(model_id, vectors.ids()):
            ids: list[int] = []
            rows: list[Any] = []
            by_hash: dict[str, list[int]] = {}
            firsts: list[tuple[str, str]] = []
            for chunk in page:
                if chunk.vector is not None:
                    ids.append(chunk.id)
                    rows.append(np.frombuffer(chunk.vector, dtype=np.float32))
                    continue
                if chunk.text_hash not in by_hash:
                    by_hash[chunk.text_hash] = []
                    firsts.append((chunk.text_hash, document_text(chunk.path, chunk.symbol, chunk.kind, chunk.text)))
                by_hash[chunk.text_hash].append(chunk.id)
            if ids:
                vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(rows))
            firsts.sort(key=lambda item: len(item[1]))
            batches = [firsts[start : start + EMBED_BATCH] for start in range(0, len(firsts), EMBED_BATCH)]
            matrices = engine.map_embed(embedder, ([text for _, text in batch] for batch in batches))
            for batch, matrix in zip(batches, matrices, strict=True):
                store.put_embeddings(model_id, ((digest, matrix[i]) for i, (digest, _) in enumerate(batch)))
                ids, rows = [], []
                for i, (digest, _) in enumerate(batch):
                    for cid in by_hash[digest]:
                        ids.append(cid)
                        rows.append(matrix[i])
                vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(rows))
                done += len(batch)
                report.newly_embedded += len(batch)
                tick("embed", done, total)
                if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                    vectors.save(target / VECTORS_NAME)
                    last_save = time.monotonic()
    finally:
        vectors.save(target / VECTORS_NAME)
        report.embedded = store.embedded_count(model_id)
