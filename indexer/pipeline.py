"""Building and updating an index: discover -> read -> chunk -> store, then embed -> FAISS.

Progressive: every file's chunks are committed (one transaction per file) before any embedding
starts, so lexical search works as soon as the chunk stage ends. The embed stage then fills the
embedding cache batch by batch (each batch committed) and the FAISS file is saved atomically every
few seconds and at the end. A run killed at any moment (even kill -9) leaves a consistent database;
the next run re-reads only files whose size/mtime changed, re-chunks only those whose content hash
changed, and embeds only chunk bodies that have no cached vector (at most the batch in flight is lost).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.embed_stage import EMBED_BATCH, VECTORS_NAME, Progress, embed_stage
from codeassist.indexer.engines import ChunkDone, ChunkWork, LocalEngine, make_engine
from codeassist.indexer.errors import CodeassistError, RootNotFound
from codeassist.indexer.lock import IndexLock
from codeassist.indexer.skipped_files import (
    forget_skips,
    remember_skip,
    reset_if_settings_changed,
    skipped_files,
)
from codeassist.indexer.store import DB_NAME, Store, resolve_index_dir

__all__ = ["EMBED_BATCH", "VECTORS_NAME", "IndexReport", "LocalEngine", "index_repositories", "index_repository",
           "make_engine", "peak_rss_mb"]


COMMIT_EVERY_SECONDS = 0.25


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
    # Ignore-file / [index] exclude lines git can never match with ("file:line: why: text"); they are
    # skipped and the run goes on.
    rule_problems: list[str] = field(default_factory=list)
    # reason -> up to 5 of the paths left out for it, at discovery or read time ("repo:path" with repos)
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)
    embedding_model: str | None = None
    embedded: int = 0
    newly_embedded: int = 0
    # cached vectors no chunk used any more, deleted to keep the cache bounded (embedding_cache.SPARE_VECTORS)
    embeddings_pruned: int = 0
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
    # The index folder may sit inside a repository (--index-dir .codeassist): never index the index.
    config = replace(config or IndexConfig(), index_dirs=(os.path.realpath(target),))
    report = IndexReport(root=str(repos[0][1]) if len(repos) == 1 else "", index_dir=str(target))
    if multi:
        report.repos = {name: str(root) for name, root in repos}
    tick = progress or (lambda stage, done, total: None)
    owned = not hasattr(engine, "map_chunk")
    runner = make_engine(engine)
    report.engine = runner.name

    with IndexLock(target):
        # Under the lock no other run is saving, so any temporary file is debris of a killed run.
        from codeassist.indexer.vectors import remove_temp_files

        remove_temp_files(target / VECTORS_NAME)
        if rebuild:
            _remove_index_files(target)
        store = Store(target)
        opened = _file_identity(target / DB_NAME)
        if not store.get_meta("database_id"):  # binds vectors.faiss to this database (see vector_sync)
            store.set_meta("database_id", uuid.uuid4().hex)
        try:
            chunks_before = store.counts()["chunks"]
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
                prefix = f"{name}:" if name else ""
                report.rule_problems.extend(prefix + problem for problem in discovery.rule_problems)
                for reason, paths in discovery.skipped_examples.items():
                    examples = report.skipped_examples.setdefault(str(reason), [])
                    examples.extend(prefix + p for p in paths[: 5 - len(examples)])
                files = discovery.files
                if only is not None:
                    wanted = set(only)
                    files = [f for f in files if f.rel in wanted]
                listed.append((name, files))
            total = sum(len(files) for _, files in listed)
            tick("discover", total, total)
            report.files_total = total
            _chunk_stage(store, listed, config, report, skipped, tick, runner)
            wanted_only = set(only or ())
            for name, files in listed:
                seen = {f.rel for f in files}
                stale = [p for p in store.file_states(name) if p not in seen]
                if only is not None:
                    wanted = set(only)
                    stale = [p for p in stale if p in wanted]
                report.files_removed += store.delete_files(stale, name)
                unlisted = [p for p in skipped_files(store.db, name) if p not in seen]
                forget_skips(store.db, name, [p for p in unlisted if only is None or p in wanted_only])
            report.skipped = dict(sorted(skipped.items()))
            report.chunks = store.counts()["chunks"]
            if embed:
                try:
                    embed_stage(store, target, embedder, report, tick, runner)
                except KeyboardInterrupt:
                    report.interrupted = True
                    raise
                except CodeassistError as err:
                    report.embed_error = str(err)
            # Chunks written or deleted: only they can leave a cached vector unused.
            deleted = max(0, chunks_before + report.chunks_written - report.chunks)
            report.embeddings_pruned = store.prune_embeddings_if_due(report.chunks_written + deleted, report.chunks)
            if _file_identity(target / DB_NAME) != opened:
                raise CodeassistError(
                    f"The index folder {target} was removed or replaced while this run was writing to it, so "
                    "what it wrote is lost. Run `codeassist index` again (and leave the folder alone meanwhile).")
        finally:
            store.close()
            if owned:
                runner.close()
            else:
                runner.release()
    report.seconds = round(time.perf_counter() - started, 3)
    report.peak_rss_mb = peak_rss_mb()
    return report


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of `path`, None when it is gone: tells the database this run opened from a new one."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def _chunk_stage(store: Store, listed: Sequence[tuple[str, Sequence[Any]]], config: IndexConfig,
                 report: IndexReport, skipped: Counter[str], tick: Progress, engine: Any) -> None:
    states: dict[tuple[str, str], Any] = {}
    works: list[ChunkWork] = []
    # Files skipped for their content by an earlier run: the same reason holds until they change.
    reset_if_settings_changed(store.db, config)
    skip_keys: set[tuple[str, str]] = set()
    still_skipped = 0
    for repo, files in listed:
        repo_states = store.file_states(repo)
        states.update({(repo, rel): state for rel, state in repo_states.items()})
        repo_skips = skipped_files(store.db, repo)
        skip_keys.update((repo, rel) for rel in repo_skips)
        # Files indexed before the symbol graph existed (or by an older extraction) are re-read for it.
        symbols_stale = store.symbol_stale_paths(repo)
        for f in files:
            state = repo_states.get(f.rel)
            stale = f.rel in symbols_stale
            if state and state.size == f.size and state.mtime_ns == f.mtime_ns and not stale:
                report.files_unchanged += 1
                continue
            known = repo_skips.get(f.rel)
            if known is not None and (known.size, known.mtime_ns) == (f.size, f.mtime_ns):
                skipped[known.reason] += 1
                _add_example(report, known.reason, repo, f.rel)
                still_skipped += 1
                continue
            works.append(ChunkWork(str(f.path), f.rel, f.size, f.mtime_ns, f.language,
                               state.content_hash if state else None, repo, stale))
    tick("chunk", 0, len(works))
    gone: list[tuple[str, str]] = []
    # Files are committed in small groups: each file's update is still all-or-nothing, a kill loses
    # at most the group in flight, and the commit cost is paid once per group instead of per file.
    group_started = time.monotonic()
    store.db.execute("BEGIN IMMEDIATE")
    try:
        for done_count, done in enumerate(engine.map_chunk(works, config), start=1):
            _store_one(store, done, states, report, skipped, gone, skip_keys)
            tick("chunk", done_count, len(works))
            if time.monotonic() - group_started > COMMIT_EVERY_SECONDS:
                store.db.execute("COMMIT")
                store.db.execute("BEGIN IMMEDIATE")
                group_started = time.monotonic()
    except BaseException:
        store.db.execute("COMMIT")  # what was fully written stays; the file in flight was not started
        raise
    store.db.execute("COMMIT")
    report.files_total -= len(gone) + still_skipped
    for repo, rel in gone:
        store.delete_files([rel], repo)


def _add_example(report: IndexReport, reason: str, repo: str, rel: str) -> None:
    examples = report.skipped_examples.setdefault(reason, [])
    if len(examples) < 5:
        examples.append(f"{repo}:{rel}" if repo else rel)


def _store_one(store: Store, done: ChunkDone, states: dict, report: IndexReport, skipped: Counter[str],
               gone: list[tuple[str, str]], skip_keys: set[tuple[str, str]]) -> None:
        work = done.work
        if done.skip is not None:
            skipped[done.skip] += 1
            _add_example(report, done.skip, work.repo, work.rel)
            gone.append((work.repo, work.rel))  # previously indexed but now unreadable/binary/vanished
            remember_skip(store.db, work.repo, work.rel, work.size, work.mtime_ns, done.skip)
            return
        if (work.repo, work.rel) in skip_keys:  # skipped before, readable now
            forget_skips(store.db, work.repo, [work.rel])
        if done.chunks is None:
            report.files_unchanged += 1
            store.touch_file(states[(work.repo, work.rel)].id, work.size, work.mtime_ns)
            if done.symbols is not None:
                store.replace_symbols(work.rel, done.symbols, store.chunk_spans(work.rel, work.repo), work.repo)
        else:
            status = "fallback" if done.fallback == "parse_failed" else "ok"
            # A savepoint makes the file's chunks and symbols one unit inside the commit group.
            store.db.execute("SAVEPOINT file")
            try:
                ids = store.replace_file(work.rel, size=work.size, mtime_ns=work.mtime_ns, digest=done.digest or "",
                                         language=done.language or work.language, chunks=done.chunks,
                                         status=status, repo=work.repo)
                if done.symbols is not None:
                    spans = [(cid, c.start_line, c.end_line) for cid, c in zip(ids, done.chunks, strict=True)]
                    store.replace_symbols(work.rel, done.symbols, spans, work.repo)
            except BaseException:
                store.db.execute("ROLLBACK TO file")
                store.db.execute("RELEASE file")
                raise
            store.db.execute("RELEASE file")
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
