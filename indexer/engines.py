"""Indexing engines: the seam the pipeline runs its parallel steps through (read + chunk, embed).

`LocalEngine` runs on this machine (a small process pool for big chunk stages);
`codeassist.indexer.distributed.RayEngine` is the other implementation. Every map yields results in the
order of its input, which is what makes an index built by either engine identical (chunk ids are
assigned in that order). Workers are pure: bytes in, chunks out; only the driver writes the index.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.errors import CodeassistError
from codeassist.indexer.store import content_hash

# Below this many changed files a process pool costs more than it saves (measured in bench/chunking.py).
POOL_MIN_FILES = 200
# Files per worker task, and tasks in flight per worker (bounds the chunks waiting for the store).
FILES_PER_TASK = 16
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class ChunkWork:
    path: str
    rel: str
    size: int
    mtime_ns: int
    language: str | None
    known_hash: str | None
    repo: str = ""
    # The file's symbols are missing or from an older extraction: extract them even if unchanged.
    symbols_missing: bool = False


@dataclass(slots=True)
class ChunkDone:
    work: ChunkWork
    digest: str | None = None
    chunks: list | None = None  # None: content unchanged
    skip: str | None = None
    fallback: str | None = None
    language: str | None = None  # the name's language, or the one a shebang/modeline gave
    symbols: Any = None  # FileSymbols of the new content (or of unchanged content whose symbols were missing)


def read_and_chunk(work: ChunkWork, config: IndexConfig) -> ChunkDone:
    """Runs in a worker process or inline: read the bytes, hash, chunk if the content changed."""
    from codeassist.indexer.chunking import chunk_source
    from codeassist.indexer.discovery import read_source
    from codeassist.indexer.language_sniff import language_for_content
    from codeassist.indexer.source_text import normalise_source

    data = read_source(work, config)
    if not isinstance(data, bytes):
        return ChunkDone(work, skip=str(data))
    from codeassist.indexer.symbols import extract_symbols, parse_tree

    digest = content_hash(data)
    # A name without a known extension (`bin/tool`): the shebang or a modeline may say.
    language = work.language or language_for_content(data)
    # BOM, UTF-16/32, CR endings: the bytes chunks and symbols are read from (their offsets must agree).
    text = normalise_source(data)
    if digest == work.known_hash:
        if work.symbols_missing:
            return ChunkDone(work, digest=digest, symbols=extract_symbols(text, language, work.rel),
                             language=language)
        return ChunkDone(work, digest=digest)
    tree = parse_tree(text, language)  # one parse for the chunks and the symbol graph
    result = chunk_source(text, language, config, tree=tree)
    return ChunkDone(work, digest=digest, chunks=list(result.chunks), fallback=result.fallback_reason,
                     symbols=extract_symbols(text, language, work.rel, tree=tree), language=language)


def chunk_group(works: Sequence[ChunkWork], config: IndexConfig) -> list[ChunkDone]:
    return [read_and_chunk(work, config) for work in works]


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

    def map_chunk(self, works: Sequence[ChunkWork], config: IndexConfig) -> Iterator[ChunkDone]:
        if len(works) < POOL_MIN_FILES or (os.cpu_count() or 1) < 2:
            for work in works:
                yield read_and_chunk(work, config)
            return
        workers = min(2, os.cpu_count() or 1)
        # forkserver, not fork: a forked worker would inherit the index lock and the SQLite handle, and
        # outlive a killed parent while still holding the lock.
        context = multiprocessing.get_context("forkserver")
        groups = (works[i : i + FILES_PER_TASK] for i in range(0, len(works), FILES_PER_TASK))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # Not pool.map: it submits every file at once, and when the store (this process) is slower
            # than the workers their chunks pile up in memory (measured: 560 MB at 1M chunks).
            yield from ordered_map(lambda group: pool.submit(chunk_group, group, config), groups,
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
