"""The index as a set of tools for coding agents: search, definitions, references, outlines, reading code,
status and re-indexing. Protocol-free (the MCP adapter is `codeassist.mcp_server`); every tool returns
`ToolResult(data, text)`: `data` is JSON-ready, `text` a short rendering for agents that read only text.

Guarantees, whatever the arguments:
- every path is confined to the root: no `..`, no absolute path elsewhere, no symlink leading out
  (`PathRefused`); files that look like secrets (`.env`, keys, credentials, ...) are never served;
- every text served passes the secret redactor over its whole file first (so a key block cut by a
  line range is still recognised), keeping line numbers;
- output per call is bounded: at most `MAX_HITS` hits and about `MAX_CHARS` characters (the rest is cut
  with a note saying so);
- the index is refreshed incrementally in the background (the same lock and pipeline as
  `codeassist index`) when a tool is called and files may have changed; searches answer meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeassist.errors import CodeassistError

log = logging.getLogger(__name__)

MAX_HITS = 50
MAX_CHARS = 24_000
MAX_READ_LINES = 500
# A tool call at most this often triggers a background check for changed files (a no-change check of a
# few thousand files costs tens of milliseconds).
REFRESH_SECONDS = 5.0


class ToolInputError(CodeassistError):
    """An argument the agent can fix (its message says how); becomes an MCP tool error."""


class PathRefused(ToolInputError):
    """A path outside the root, with `..`, through a symlink leading out, or to a secret-looking file."""


@dataclass
class ToolResult:
    data: dict[str, Any]
    text: str


def _clip_text(text: str, budget: int) -> tuple[str, bool]:
    if len(text) <= budget:
        return text, False
    cut = text[:budget].rsplit("\n", 1)[0]
    return cut, True


class AgentTools:
    """The tools over one repository's index.

    `root`: the repository (every path argument is relative to it). `index_dir`: where its index lives
    (default: the user cache dir, as for the CLI). `build`: create the index on first use when it does
    not exist yet (otherwise tools answer with an error saying how to create it). `embed`: whether
    background refreshes compute embeddings (the local model by default, per the settings).
    """

    def __init__(self, root: Path | str, *, index_dir: str | None = None, build: bool = False,
                 embed: bool = True, refresh_seconds: float = REFRESH_SECONDS) -> None:
        from codeassist.settings import load_settings

        self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise ToolInputError(f"{self.root} is not a directory; pass --root with a repository folder.")
        self.settings = load_settings(self.root, {"index": {"index_dir": index_dir}})
        self.index_dir = self.settings.index.index_dir or None
        self.build = build
        self.embed = embed
        self.refresh_seconds = refresh_seconds
        self._index: Any = None
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mcp-index")
        self._last_refresh = 0.0
        self._refreshing: Future | None = None
        self._last_report: dict[str, Any] | None = None
        self._last_error = ""
        self._embedder: Any = None

    # -- the index ------------------------------------------------------------------------------------
    def index(self) -> Any:
        """The open index; builds it first when `build` is set. Raises IndexNotFound with the fix."""
        from codeassist.indexer import open_index
        from codeassist.indexer.errors import IndexNotFound

        with self._lock:
            if self._index is not None:
                return self._index
        try:
            index = open_index(self.root, self.index_dir)
        except IndexNotFound as err:
            if not self.build:
                raise ToolInputError(
                    f"{err} Or call the reindex tool, or start the server with --build.") from None
            self._run_index(None)
            index = open_index(self.root, self.index_dir)
        with self._lock:
            if self._index is None:
                self._index = index
            elif index is not self._index:
                index.close()
            self._last_refresh = time.monotonic()
            return self._index

    def _run_index(self, only: list[str] | None) -> dict[str, Any]:
        from codeassist.indexer.pipeline import index_repository

        embed, embedder = self.embed, self._embedder
        if embed and embedder is None:
            from codeassist.embedding import configured_embedder

            try:  # made once: loading the local model takes seconds
                embedder = self._embedder = configured_embedder(self.settings.embeddings)
            except CodeassistError as err:  # no local weights, say: lexical index, and say why
                embed, self._last_error = False, str(err)
        report = index_repository(self.root, self.index_dir, self.settings.index.to_index_config(),
                                  embed=embed, embedder=embedder, only=only)
        data = {k: v for k, v in report.to_json().items()
                if k in ("files_total", "files_indexed", "files_unchanged", "files_removed", "chunks",
                         "embedded", "embed_error", "seconds", "skipped")}
        self._last_report = data
        return data

    def maybe_refresh(self) -> None:
        """Start a background incremental update when the last one is older than `refresh_seconds`."""
        now = time.monotonic()
        with self._lock:
            if self._index is None or now - self._last_refresh < self.refresh_seconds:
                return
            if self._refreshing is not None and not self._refreshing.done():
                return
            self._last_refresh = now
            self._refreshing = self._worker.submit(self._refresh_quietly)

    def _refresh_quietly(self) -> None:
        try:
            self._run_index(None)
            self._last_error = ""
        except CodeassistError as err:  # locked by a running `codeassist index`, disk full...: try later
            self._last_error = str(err)
            log.info("background refresh skipped: %s", err)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            index, self._index = self._index, None
        if index is not None:
            index.close()

    # -- paths and text -------------------------------------------------------------------------------
    def confine(self, path: str) -> tuple[Path, str]:
        """(absolute path, root-relative POSIX path) of a file argument, or PathRefused saying why."""
        from codeassist.indexer.discovery_rules import SECRET_DIRS, is_secret_name

        if not isinstance(path, str) or not path.strip() or "\x00" in path:
            raise PathRefused("Give a file path relative to the repository root, e.g. src/app.py.")
        given = Path(path.strip())
        if ".." in given.parts:
            raise PathRefused(f"{path!r}: '..' is not allowed; paths are relative to the repository root.")
        candidate = given if given.is_absolute() else self.root / given
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            raise PathRefused(f"{path!r} does not exist under the repository root.") from None
        if not resolved.is_relative_to(self.root):
            raise PathRefused(f"{path!r} is outside the repository root (absolute paths and symlinks "
                              "must stay inside it).")
        rel = resolved.relative_to(self.root)
        if any(part in SECRET_DIRS for part in rel.parts) or is_secret_name(rel.as_posix()):
            raise PathRefused(f"{rel.as_posix()} looks like a secrets file; it is never served.")
        return resolved, rel.as_posix()

    def _redacted_lines(self, rel: str, cache: dict[str, list[str] | None]) -> list[str] | None:
        """The file's lines after whole-file redaction (None: unreadable, binary, refused)."""
        from codeassist.redact import redact_text

        if rel not in cache:
            try:
                absolute, _ = self.confine(rel)
                data = absolute.read_bytes()
            except (PathRefused, OSError):
                cache[rel] = None
                return None
            cache[rel] = None if b"\x00" in data[:8192] else redact_text(
                data.decode("utf-8", errors="replace")).split("\n")
        return cache[rel]

    def _served_text(self, rel: str, start: int, end: int, fallback: str,
                     cache: dict[str, list[str] | None]) -> str | None:
        """Lines start..end (1-based) of a file as served: redacted over the whole file. When the file on
        disk is gone, the index's text is redacted on its own; a refused file gives None."""
        from codeassist.redact import redact_text

        lines = self._redacted_lines(rel, cache)
        if lines is None:
            try:
                self.confine(rel)
            except PathRefused as err:
                if "secrets" in str(err):
                    return None
            return redact_text(fallback)
        return "\n".join(lines[max(start, 1) - 1 : end])

    # -- the tools ------------------------------------------------------------------------------------
    def search_code(self, query: str, k: int = 10, lang: str | None = None, path: str | None = None,
                    kind: str | None = None) -> ToolResult:
        """Hybrid search (BM25 + embeddings) for a question or a code fragment, best first."""
        if not isinstance(query, str) or not query.strip():
            raise ToolInputError("query is empty; describe the code you are looking for, or paste some of it.")
        if not isinstance(k, int) or k < 1:
            raise ToolInputError(f"k must be between 1 and {MAX_HITS}.")
        index = self.index()
        self.maybe_refresh()
        results = index.search(query, min(k, MAX_HITS), lang=lang or None, path=path or None, kind=kind or None)
        cache: dict[str, list[str] | None] = {}
        hits, lines, budget = [], [], MAX_CHARS
        for hit in results:
            text = self._served_text(hit.path, hit.start_line, hit.end_line, hit.text, cache)
            if text is None:
                continue
            text, cut = _clip_text(text, max(budget, 0))
            if not text:
                break
            budget -= len(text)
            hits.append({"path": hit.path, "start_line": hit.start_line, "end_line": hit.end_line,
                         "symbol": hit.symbol, "kind": hit.kind, "language": hit.language,
                         "score": hit.score, "text": text, "truncated": cut})
            lines.append(f"## {hit.path}:{hit.start_line}-{hit.end_line} {hit.symbol}".rstrip()
                         + f"\n```{hit.language}\n{text}\n```")
        coverage = results.coverage.to_json()
        header = f"{len(hits)} hits for {query!r}" + ("" if coverage["dense"] else " (lexical only)")
        return ToolResult({"query": query, "hits": hits, "coverage": coverage}, "\n\n".join([header, *lines]))

    def find_definition(self, name: str, from_path: str | None = None) -> ToolResult:
        """Where `name` (bare or qualified) is defined; with from_path, resolved through its imports."""
        if not isinstance(name, str) or not name.strip():
            raise ToolInputError("name is empty; give a function, class or variable name, e.g. make_client.")
        rel = self.confine(from_path)[1] if from_path else None
        index = self.index()
        self.maybe_refresh()
        found = index.definitions(name.strip(), from_path=rel, limit=10)
        cache: dict[str, list[str] | None] = {}
        items, lines, budget = [], [], MAX_CHARS
        for d in found:
            text = self._served_text(d.path, d.start_line, d.end_line, d.signature, cache)
            if text is None:
                continue
            text, cut = _clip_text(text, max(min(budget, 4000), 0))
            budget -= len(text)
            items.append({**d.to_json(), "text": text, "truncated": cut})
            lines.append(f"## {d.path}:{d.start_line}-{d.end_line} {d.kind} {d.symbol}\n```{d.language}\n{text}\n```")
            if budget <= 0:
                break
        header = f"{len(items)} definitions of {name!r}" if items else f"No definition of {name!r} in the index."
        return ToolResult({"name": name, "definitions": items}, "\n\n".join([header, *lines]))

    def find_references(self, name: str) -> ToolResult:
        """Where `name` is used (path, line, the enclosing symbol), at most MAX_HITS * 4 places."""
        if not isinstance(name, str) or not name.strip():
            raise ToolInputError("name is empty; give the identifier whose uses you want.")
        index = self.index()
        self.maybe_refresh()
        refs = index.references(name.strip(), limit=MAX_HITS * 4)
        cache: dict[str, list[str] | None] = {}
        items, lines = [], []
        for ref in refs:
            text = self._served_text(ref.path, ref.line, ref.line, "", cache)
            if text is None:
                continue
            items.append({"path": ref.path, "line": ref.line, "symbol": ref.symbol, "text": text.strip()})
            lines.append(f"{ref.path}:{ref.line} {ref.symbol}: {text.strip()}".rstrip())
        body, cut = _clip_text("\n".join(lines), MAX_CHARS)
        header = f"{len(items)} references to {name!r}" + (" (list cut)" if cut else "")
        return ToolResult({"name": name, "references": items}, header + ("\n" + body if body else ""))

    def file_outline(self, path: str) -> ToolResult:
        """The definitions of one file in line order: kind, qualified symbol, lines, signature, doc."""
        _, rel = self.confine(path)
        index = self.index()
        self.maybe_refresh()
        outline = index.outline(rel)
        items = [d.to_json() for d in outline[: MAX_HITS * 10]]
        lines = [f"{d.start_line}-{d.end_line} {d.kind} {d.symbol}: {d.signature.strip().splitlines()[0] if d.signature.strip() else ''}"
                 for d in outline[: MAX_HITS * 10]]
        body, cut = _clip_text("\n".join(lines), MAX_CHARS)
        if not outline:
            header = f"No definitions indexed for {rel} (not indexed yet, or no syntax-tree language)."
        else:
            header = f"Outline of {rel} ({len(outline)} definitions" + (", cut)" if cut else ")")
        return ToolResult({"path": rel, "definitions": items}, header + ("\n" + body if body else ""))

    def read_code(self, path: str, start_line: int = 1, end_line: int | None = None) -> ToolResult:
        """Lines start_line..end_line (1-based, inclusive; clamped to the file and to MAX_READ_LINES)."""
        absolute, rel = self.confine(path)
        if absolute.is_dir():
            raise ToolInputError(f"{rel} is a folder; use search_code or file_outline to find files in it.")
        cache: dict[str, list[str] | None] = {}
        lines = self._redacted_lines(rel, cache)
        if lines is None:
            raise ToolInputError(f"{rel} is not a text file.")
        total = len(lines) - (1 if lines and lines[-1] == "" else 0)
        start = max(1, int(start_line or 1))
        end = total if end_line is None else min(int(end_line), total)
        if total == 0:
            return ToolResult({"path": rel, "start_line": 0, "end_line": 0, "total_lines": 0, "text": ""},
                              f"{rel} is empty.")
        if start > total:
            raise ToolInputError(f"{rel} has {total} lines; start_line {start} is past its end.")
        if end < start:
            raise ToolInputError(f"end_line {end} is before start_line {start}.")
        end = min(end, start + MAX_READ_LINES - 1)
        text, cut = _clip_text("\n".join(lines[start - 1 : end]), MAX_CHARS)
        if cut:
            end = start + text.count("\n")
        note = f"{rel}:{start}-{end} of {total} lines" + (" (more follows; read on from line "
                                                           f"{end + 1})" if end < total else "")
        return ToolResult({"path": rel, "start_line": start, "end_line": end, "total_lines": total, "text": text},
                          f"{note}\n{text}")

    def index_status(self) -> ToolResult:
        """Counts, languages, dense coverage, the last refresh and its problem (if any)."""
        index = self.index()
        status = index.status()
        refreshing = self._refreshing is not None and not self._refreshing.done()
        data = {**status, "refreshing": refreshing, "last_refresh": self._last_report,
                "refresh_error": self._last_error}
        text = (f"{status['files']} files, {status['chunks']} chunks, {status['embedded']} embedded "
                f"({status['coverage']:.0%}); languages: "
                + ", ".join(f"{k} {v}" for k, v in list(status.get("languages", {}).items())[:8])
                + ("; refreshing now" if refreshing else "")
                + (f"; last refresh failed: {self._last_error}" if self._last_error else ""))
        return ToolResult(data, text)

    def reindex(self, paths: list[str] | None = None) -> ToolResult:
        """Bring the index up to date now (only `paths` when given: changed, new or deleted files)."""
        only = None
        if paths:
            only = []
            for p in paths:
                given = Path(str(p))
                if given.is_absolute() or ".." in given.parts or not str(p).strip():
                    raise PathRefused(f"{p!r}: give paths relative to the repository root, without '..'.")
                only.append(given.as_posix())
        if self._refreshing is not None:
            self._refreshing.result()  # one writer at a time inside this process too
        report = self._worker.submit(self._run_index, only).result()
        with self._lock:
            self._last_refresh = time.monotonic()
        if self._index is None:
            self.index()
        text = (f"Indexed {report['files_indexed']} changed files ({report['files_unchanged']} unchanged, "
                f"{report['files_removed']} removed); {report['chunks']} chunks in {report['seconds']} s"
                + (f"; embeddings: {report['embed_error']}" if report.get("embed_error") else ""))
        return ToolResult(report, text)
