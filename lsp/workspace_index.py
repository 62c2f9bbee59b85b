"""The workspace index as the server sees it: opened or built in the background, updated on save.

States (`codeassist/status` indexState): "none" -> "building" -> "lexical" (chunks searchable, vectors
still coming or unavailable) -> "ready"; "error" when it cannot be built. One worker thread runs every
build and update so they never contend for the index lock; searches use the open `Index` (thread-safe)
from any thread meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from codeassist.errors import CodeassistError

log = logging.getLogger(__name__)

# progress(kind, message, percentage): kind is "begin" | "report" | "end".
ProgressFn = Callable[[str, str, int | None], None]
# While another process holds the index lock, saved files stay pending and the update is retried:
# after RETRY_FIRST_S, doubling up to RETRY_MAX_S, for as long as the lock is held.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 10.0


def _no_progress(kind: str, message: str, pct: int | None) -> None:
    return None


class WorkspaceIndex:
    def __init__(
        self,
        root: Path,
        *,
        index_dir: str | None = None,
        config: Any = None,
        embed: bool = True,
        embeddings: Any = None,
        on_change: Callable[[], None] = lambda: None,
        on_error: Callable[[Exception], None] = lambda err: None,
    ) -> None:
        self.root = root
        self.index_dir = index_dir or None
        self.config = config
        self.embed = embed
        self.embeddings = embeddings  # EmbeddingsSettings: which embedder builds (and queries) the vectors
        self.state = "none"
        self.error = ""
        self._index: Any = None
        self._on_change = on_change
        self._on_error = on_error
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index")
        self._pending_paths: set[str] = set()
        self._build_embedder: Any = None
        self._timer: threading.Timer | None = None
        self._retry_delay = RETRY_FIRST_S
        self._closed = False
        self._resaved: set[str] = set()  # saved again while an update of them was running
        self._running: set[str] = set()

    # -- access ---------------------------------------------------------------------------------
    @property
    def index(self) -> Any:
        """The open Index, or None while there is nothing searchable yet."""
        return self._index

    def status(self) -> dict[str, int]:
        index = self._index
        if index is None:
            return {"files": 0, "chunks": 0, "embedded": 0}
        try:
            data = index.status()
        except CodeassistError:
            return {"files": 0, "chunks": 0, "embedded": 0}
        return {"files": data.get("files", 0), "chunks": data.get("chunks", 0), "embedded": data.get("embedded", 0)}

    def read_file(self, rel_path: str) -> str | None:
        """A file of the workspace by its index path (for the fallback's "what followed")."""
        path = (self.root / rel_path).resolve()
        if self.root.resolve() not in path.parents:
            return None
        try:
            return path.read_text("utf-8", errors="replace")
        except OSError:
            return None

    # -- building -------------------------------------------------------------------------------
    def start(self, progress: ProgressFn | None = None) -> Future:
        """Open what exists at once, then bring the index up to date in the background."""
        return self._worker.submit(self._build, progress or (lambda kind, message, pct: None), False)

    def open_only(self) -> Future:
        """Use an existing index without updating it (`lsp.indexOnStart` false)."""
        return self._worker.submit(self._open_existing)

    def update_all(self, progress: ProgressFn | None = None) -> Future:
        """`codeassist.reindex`: bring the whole index up to date (incremental: unchanged files are skipped)."""
        return self._worker.submit(self._build, progress or (lambda kind, message, pct: None), False)

    def _resubmit(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self._worker.submit(fn, *args)
        except RuntimeError:  # closed meanwhile
            pass

    def _build(self, progress: ProgressFn, rebuild: bool) -> None:
        from codeassist.indexer.errors import IndexLocked
        from codeassist.indexer.pipeline import index_repository

        self._open_existing()
        self._set_state("building" if self._index is None else self.state)
        progress("begin", "Indexing the workspace", 0)
        last = {"stage": ""}

        def tick(stage: str, done: int, total: int) -> None:
            if stage == "embed" and last["stage"] != "embed":
                self._open_existing()  # chunks are committed: lexical search works from here
            last["stage"] = stage
            pct = int(done * 100 / total) if total else None
            progress("report", f"{stage} {done}/{total}" if total else stage, pct)

        embed, embedder = self._embedding_plan()
        try:
            report = index_repository(self.root, self.index_dir, self.config, embed=embed, embedder=embedder,
                                      progress=tick, rebuild=rebuild)
        except IndexLocked as err:  # another process is indexing: use what exists, build after it
            progress("end", f"Waiting for another index run: {err}", None)
            self._open_existing()
            with self._lock:
                delay, self._retry_delay = self._retry_delay, min(self._retry_delay * 2, RETRY_MAX_S)
                if not self._closed:
                    timer = threading.Timer(delay, lambda: self._resubmit(self._build, _no_progress, rebuild))
                    timer.daemon = True
                    timer.start()
            return
        except CodeassistError as err:
            progress("end", f"Indexing failed: {err}", None)
            if self._index is None:
                self.error = str(err)
                self._set_state("error")
            self._on_error(err)
            return
        except Exception as err:  # noqa: BLE001 — a crash in the indexer must not take the server down
            log.exception("indexing failed")
            progress("end", f"Indexing failed: {err}", None)
            self.error = str(err)
            self._set_state("error" if self._index is None else self.state)
            return
        self._open_existing()
        if report.embed_error:
            self._on_error(CodeassistError(report.embed_error))
        dense = embed and not report.embed_error and report.embedded >= report.chunks
        self._set_state("ready" if dense or not self.embed else "lexical")
        progress("end", f"Indexed {report.files_total} files, {report.chunks} chunks", None)

    def _embedding_plan(self) -> tuple[bool, Any]:
        """(embed?, embedder): lexical only when the embedder cannot be made (no weights, bad endpoint)."""
        if not self.embed:
            return False, None
        if self._build_embedder is None:  # made once: loading a local model takes seconds
            try:
                self._build_embedder = self._embedder()
            except CodeassistError as err:
                self._on_error(err)
                return False, None
        return True, self._build_embedder

    def _embedder(self, *, for_queries: bool = False) -> Any:
        """The configured embedder (None = the indexer's default, the local model). For queries, only a
        remote one is passed: the index picks its own local model by the model id it was built with."""
        emb = self.embeddings
        if emb is None or (for_queries and emb.provider != "openai"):
            return None
        from codeassist.embedding import configured_embedder

        return configured_embedder(emb)

    def _open_existing(self) -> None:
        """Open the index once; it stays open (SQLite WAL snapshots and the FAISS mtime check keep an
        open Index current while it is rewritten, and closing it under a running search would break it)."""
        from codeassist.indexer import open_index

        if self._index is not None:
            return
        try:
            index = open_index(self.root, self.index_dir, embedder=self._embedder(for_queries=True))
        except CodeassistError:
            return
        with self._lock:
            self._index = index
        if self.state in ("none", "building", "error"):
            self._set_state("lexical")

    def _set_state(self, state: str) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            self._on_change()

    # -- updates on save ------------------------------------------------------------------------
    @property
    def pending(self) -> list[str]:
        """Changed files not yet in the index (waiting for the debounce or for another process's lock)."""
        with self._lock:
            return sorted(self._pending_paths)

    def schedule_update(self, rel_paths: list[str], delay: float = 0.5) -> None:
        """Debounced incremental re-index of saved / changed files: every path changed within `delay` of
        the last change goes into one update (a branch switch changes hundreds of files at once)."""
        with self._lock:
            self._pending_paths.update(rel_paths)
            self._resaved.update(p for p in rel_paths if p in self._running)
            self._retry_delay = RETRY_FIRST_S
            self._start_timer(delay)

    def _start_timer(self, delay: float) -> None:  # holding self._lock
        if self._closed:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(delay, self._submit_update)
        self._timer.daemon = True
        self._timer.start()

    def _submit_update(self) -> None:
        self._resubmit(self._update)

    def _update(self) -> None:
        from codeassist.indexer import pipeline
        from codeassist.indexer.errors import IndexLocked

        with self._lock:
            rel_paths = sorted(self._pending_paths)
            self._running, self._resaved = set(rel_paths), set()
        if not rel_paths:
            return
        embed, embedder = self._embedding_plan()
        try:
            pipeline.index_repository(self.root, self.index_dir, self.config, embed=embed, embedder=embedder,
                                      only=rel_paths)
        except IndexLocked as err:
            # Keep every pending path (and any saved meanwhile) and try again when the lock may be free.
            with self._lock:
                delay, self._retry_delay = self._retry_delay, min(self._retry_delay * 2, RETRY_MAX_S)
                self._start_timer(delay)
            log.info("re-index of %d files waits for the index lock (retry in %.1f s): %s", len(rel_paths),
                     delay, err)
            return
        except CodeassistError as err:
            log.info("re-index of %d files skipped: %s", len(rel_paths), err)
            self._on_error(err)
            self._done(rel_paths)
            return
        self._done(rel_paths)
        with self._lock:
            self._retry_delay = RETRY_FIRST_S
        if self._index is None:
            self._open_existing()
        self._on_change()

    def _done(self, rel_paths: list[str]) -> None:
        """Drop what this update covered from the pending set, except files saved again meanwhile."""
        with self._lock:
            self._pending_paths.difference_update(set(rel_paths) - self._resaved)
            self._running, self._resaved = set(), set()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
        self._worker.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            index, self._index = self._index, None
        if index is not None:
            index.close()
