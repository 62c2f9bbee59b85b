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
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
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


def _process(works: Sequence[_Work], config: IndexConfig) -> Iterator[_Done]:
    if len(works) < POOL_MIN_FILES or (os.cpu_count() or 1) < 2:
        for work in works:
            yield _read_and_chunk(work, config)
        return
    workers = min(2, os.cpu_count() or 1)
    # forkserver, not fork: a forked worker would inherit the index lock and the SQLite handle, and
    # outlive a killed parent while still holding the lock.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_read_and_chunk, works, [config] * len(works), chunksize=16)


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
) -> IndexReport:
    """Create or bring up to date the index of `root`. `only`: restrict the update to these rel paths."""
    from codeassist.indexer.discovery import discover_files

    started = time.perf_counter()
    root = Path(root).expanduser()
    if not root.is_dir():
        raise RootNotFound(str(root))
    root = root.resolve()
    config = config or IndexConfig()
    target = resolve_index_dir(root, index_dir)
    report = IndexReport(root=str(root), index_dir=str(target))
    tick = progress or (lambda stage, done, total: None)

    with IndexLock(target):
        if rebuild:
            _remove_index_files(target)
        store = Store(target)
        try:
            store.set_meta("root", str(root))
            tick("discover", 0, 0)
            discovery = discover_files(root, config)
            skipped: Counter[str] = Counter({str(k): v for k, v in discovery.skipped.items()})
            files = discovery.files
            if only is not None:
                wanted = set(only)
                files = [f for f in files if f.rel in wanted]
            tick("discover", len(files), len(files))
            report.files_total = len(files)
            _chunk_stage(store, files, config, report, skipped, tick)
            seen = {f.rel for f in files}
            stale = [p for p in store.file_states() if p not in seen]
            if only is not None:
                wanted = set(only)
                stale = [p for p in stale if p in wanted]
            report.files_removed = store.delete_files(stale)
            report.skipped = dict(sorted(skipped.items()))
            report.chunks = store.counts()["chunks"]
            store.set_meta("indexed_at", str(time.time()))
            if embed:
                try:
                    _embed_stage(store, target, embedder, report, tick)
                except KeyboardInterrupt:
                    report.interrupted = True
                    raise
                except CodeassistError as err:
                    report.embed_error = str(err)
        finally:
            store.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _chunk_stage(store: Store, files: Sequence[Any], config: IndexConfig, report: IndexReport,
                 skipped: Counter[str], tick: Progress) -> None:
    states = store.file_states()
    works: list[_Work] = []
    for f in files:
        state = states.get(f.rel)
        if state and state.size == f.size and state.mtime_ns == f.mtime_ns:
            report.files_unchanged += 1
            continue
        works.append(_Work(str(f.path), f.rel, f.size, f.mtime_ns, f.language,
                           state.content_hash if state else None))
    tick("chunk", 0, len(works))
    gone: list[str] = []
    # Files are committed in small groups: each file's update is still all-or-nothing, a kill loses
    # at most the group in flight, and the commit cost is paid once per group instead of per file.
    group_started = time.monotonic()
    store.db.execute("BEGIN IMMEDIATE")
    try:
        for done_count, done in enumerate(_process(works, config), start=1):
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
    if gone:
        store.delete_files(gone)


def _store_one(store: Store, done: _Done, states: dict, report: IndexReport, skipped: Counter[str],
               gone: list[str]) -> None:
        work = done.work
        if done.skip is not None:
            skipped[done.skip] += 1
            gone.append(work.rel)  # previously indexed but now unreadable/binary/vanished
        elif done.chunks is None:
            report.files_unchanged += 1
            store.touch_file(states[work.rel].id, work.size, work.mtime_ns)
        else:
            status = "fallback" if done.fallback == "parse_failed" else "ok"
            ids = store.replace_file(work.rel, size=work.size, mtime_ns=work.mtime_ns, digest=done.digest or "",
                                     language=work.language, chunks=done.chunks, status=status)
            report.files_indexed += 1
            report.chunks_written += len(ids)
            if status == "fallback":
                report.fallbacks.append(work.rel)


def _remove_index_files(target: Path) -> None:
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        (target / name).unlink(missing_ok=True)
    for path in target.glob(VECTORS_NAME + "*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _embed_stage(store: Store, target: Path, embedder: Any, report: IndexReport, tick: Progress) -> None:
    from codeassist.indexer.embedders import document_text, make_embedder
    from codeassist.indexer.vector_sync import sync_vectors

    embedder = embedder or make_embedder("local")
    model_id = embedder.model_id
    report.embedding_model = model_id
    store.set_meta("embedding_model", model_id)
    store.set_meta("embedding_dimension", str(embedder.dimension))
    vectors = sync_vectors(store, target / VECTORS_NAME, model_id, embedder.dimension)
    todo = store.chunks_missing_embeddings(model_id)
    # One embedding per distinct body: duplicated code (vendored copies, generated files) is embedded once.
    by_hash: dict[str, list[int]] = {}
    firsts = []
    for cid, digest, path, symbol, kind, text in todo:
        if digest not in by_hash:
            by_hash[digest] = []
            firsts.append((digest, document_text(path, symbol, kind, text)))
        by_hash[digest].append(cid)
    # Batches of similar length pad little (the local model's cost grows with the longest text in a batch).
    firsts.sort(key=lambda item: len(item[1]))
    total = len(firsts)
    tick("embed", 0, total)
    last_save = time.monotonic()
    done = 0
    try:
        for start in range(0, total, EMBED_BATCH):
            batch = firsts[start : start + EMBED_BATCH]
            matrix = embedder.embed_documents([text for _, text in batch])
            store.put_embeddings(model_id, ((digest, matrix[i]) for i, (digest, _) in enumerate(batch)))
            ids, rows = [], []
            for i, (digest, _) in enumerate(batch):
                for cid in by_hash[digest]:
                    ids.append(cid)
                    rows.append(matrix[i])
            if ids:
                import numpy as np

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
