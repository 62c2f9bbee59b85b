"""Redacting text cut from a file with the whole file at hand: the one place every path that sends
repository text to a model goes through (context snippets, the editor selection, the FIM prefix/suffix,
completion snippets, remote embeddings).

A chunk, a range or a prefix is a cut of a file. Redacting the cut alone misses what only the whole file
shows: a key block whose BEGIN line lies above the cut. So the cut is redacted as a slice of the
redacted file: key blocks are found in the WHOLE file (`redact_rules.key_block_spans`), every other rule
is line-local, and the lines the cut touches are redacted whole before the cut is taken (a cursor in the
middle of a token cannot split it into pieces too short to recognise). Line counts never change.

When the file is not at hand (a remote worker, a file deleted since indexing, a chunk that no longer
matches the file) the cut is redacted on its own, which still recognises a block from either end.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from codeassist.redact import mark, redact
from codeassist.redact_rules import key_block_spans

# Files larger than this are not read for context (the index skips them too); their cuts are redacted alone.
MAX_FILE_BYTES = 4_000_000


def _common(a: str, b: str) -> tuple[int, int]:
    """Lengths of the common prefix and (non-overlapping) common suffix of two lines."""
    p = 0
    limit = min(len(a), len(b))
    while p < limit and a[p] == b[p]:
        p += 1
    s = 0
    while s < limit - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return p, s


def _map_column(orig: str, red: str, column: int, *, is_end: bool) -> int:
    """Where `column` of an original line falls in its redacted line. A column inside a replaced
    stretch moves to the stretch's start (for a cut's start) or end (for a cut's end), so the cut
    holds the whole mark or none of it, never part of the secret."""
    p, s = _common(orig, red)
    if column <= p:
        return column
    if column >= len(orig) - s:
        return column + len(red) - len(orig)
    return len(red) - s if is_end else p


def redact_slice(file_text: str, start: int, end: int) -> str:
    """`file_text[start:end]` with its secrets replaced as the whole file shows them.

    `start`/`end` are character offsets into `file_text` (clamped). The result has exactly as many
    newlines as the slice."""
    start = max(0, min(start, len(file_text)))
    end = max(start, min(end, len(file_text)))
    line_start = file_text.rfind("\n", 0, start) + 1
    line_end = file_text.find("\n", end)
    line_end = len(file_text) if line_end < 0 else line_end
    lines = file_text[line_start:line_end]
    blocks = [(max(s, line_start) - line_start, min(e, line_end) - line_start)
              for s, e in key_block_spans(file_text) if s < line_end and e > line_start]
    masked = lines
    for s, e in reversed(blocks):
        masked = masked[:s] + mark("private-key", masked[s:e]) + masked[e:]
    red = redact(masked).text
    orig_lines, red_lines = lines.split("\n"), red.split("\n")
    first_col = start - line_start
    last_col = end - (line_start + len(lines) - len(orig_lines[-1]))
    if len(orig_lines) == 1:
        a = _map_column(orig_lines[0], red_lines[0], first_col, is_end=False)
        b = _map_column(orig_lines[0], red_lines[0], last_col, is_end=True)
        return red_lines[0][a:max(a, b)]
    red_lines[0] = red_lines[0][_map_column(orig_lines[0], red_lines[0], first_col, is_end=False):]
    red_lines[-1] = red_lines[-1][:_map_column(orig_lines[-1], red_lines[-1], last_col, is_end=True)]
    return "\n".join(red_lines)


def line_offset(text: str, line: int) -> int:
    """Character offset where 1-based `line` starts in `text` (len(text) past the end)."""
    pos = 0
    for _ in range(max(0, line - 1)):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


def redact_lines(file_text: str, start_line: int, end_line: int) -> str:
    """Lines `start_line..end_line` (1-based, inclusive) of a file, redacted with the whole file in view."""
    start = line_offset(file_text, start_line)
    end = file_text.find("\n", start)
    for _ in range(max(0, end_line - start_line)):
        if end < 0:
            break
        end = file_text.find("\n", end + 1)
    return redact_slice(file_text, start, len(file_text) if end < 0 else end)


def redact_excerpt(excerpt: str, file_texts: Iterable[str | None] = (), start_line: int | None = None) -> str:
    """`excerpt` (a chunk, snippet or range cut from a file) redacted in the context of its file.

    `file_texts` are candidate versions of the file (the open editor buffer, the file on disk); the first
    that holds the excerpt (at `start_line` when given, else anywhere) is used. With none, the excerpt is
    redacted on its own."""
    for text in file_texts:
        if not text:
            continue
        at = line_offset(text, start_line) if start_line else -1
        if at < 0 or text[at:at + len(excerpt)] != excerpt:
            at = text.find(excerpt)
        if at >= 0:
            return redact_slice(text, at, at + len(excerpt))
    return redact(excerpt).text


class SourceFiles:
    """Reads the files of one or more repository roots for redaction. `open_text(path)` may supply the
    editor's unsaved buffer (tried first). File texts are cached process-wide, keyed by (path, mtime,
    size), so the typing path (a new instance per completion request) rereads nothing unchanged."""

    _cache: OrderedDict[tuple[str, int, int], str] = OrderedDict()
    _lock = threading.Lock()
    _max_chars = 32_000_000  # the cache's whole size, whatever the number of files

    def __init__(self, roots: dict[str, Path] | Path | None, open_text: Callable[[str], str | None] | None = None) -> None:
        if isinstance(roots, str | os.PathLike):
            roots = {"": Path(roots)}
        self.roots = {name: Path(root) for name, root in (roots or {}).items()}
        self.open_text = open_text

    def candidates(self, path: str, repo: str = "") -> list[str]:
        """Versions of `path` to look the excerpt up in: open buffer first, then the file on disk."""
        found = []
        if self.open_text is not None:
            text = self.open_text(path)
            if text:
                found.append(text)
        roots = [self.roots[repo]] if repo in self.roots else list(self.roots.values())
        for root in roots:
            text = self._read(root, path)
            if text:
                found.append(text)
                break
        return found

    def _read(self, root: Path, path: str) -> str | None:
        target = (root / path).resolve()
        try:
            if root.resolve() not in target.parents:
                return None
            stat = target.stat()
            if stat.st_size > MAX_FILE_BYTES:
                return None
            key = (str(target), stat.st_mtime_ns, stat.st_size)
            with self._lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    return self._cache[key]
            text = target.read_bytes().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return None
        with self._lock:
            self._cache[key] = text
            total = sum(len(t) for t in self._cache.values())
            while total > self._max_chars and len(self._cache) > 1:
                total -= len(self._cache.popitem(last=False)[1])
        return text

    def redact(self, excerpt: str, path: str, start_line: int | None = None, repo: str = "") -> str:
        """`excerpt` of `path` redacted with the whole file in view (see `redact_excerpt`)."""
        return redact_excerpt(excerpt, self.candidates(path, repo), start_line)


def files_for(searcher: Any, open_text: Callable[[str], str | None] | None = None) -> SourceFiles:
    """The files behind a searcher's hits: its `root`, or the roots of a multi-repository index."""
    roots: dict[str, Path] = {}
    repos = getattr(searcher, "repos", None)
    if callable(repos):
        try:
            roots.update({name: Path(root) for name, root in repos().items()})
        except Exception:  # noqa: BLE001 - a broken index still answers; cuts are then redacted alone
            pass
    root = getattr(searcher, "root", None)
    if root:
        roots.setdefault("", Path(root))
    return SourceFiles(roots, open_text)


def redact_hits(hits: Iterable[Any], files: SourceFiles) -> list[Any]:
    """Copies of `hits` (objects with path, start_line, text, optional repo) whose text is redacted."""
    result = []
    for hit in hits:
        text = files.redact(hit.text, hit.path, hit.start_line, getattr(hit, "repo", "") or "")
        if text == hit.text:
            result.append(hit)
        elif dataclasses.is_dataclass(hit) and not isinstance(hit, type):
            result.append(dataclasses.replace(hit, text=text))
        else:
            clone = copy.copy(hit)
            clone.text = text
            result.append(clone)
    return result


class EmbeddingRedactor:
    """The `preprocess` of a remote embedder: a chunk's embedding text (a header line naming the path,
    ``path[ :: symbol][ (kind)]``, then the chunk body) redacted with the chunk's file in view.
    Picklable (plain attributes), so distributed workers can carry it."""

    def __init__(self, roots: dict[str, Path] | Path | None = None) -> None:
        self.roots = roots
        self._files: SourceFiles | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"roots": self.roots, "_files": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __call__(self, text: str) -> str:
        header, newline, body = text.partition("\n")
        if not newline or not self.roots:
            return redact(text).text
        if self._files is None:
            self._files = SourceFiles(self.roots)
        files = self._files
        for path in _header_paths(header):
            candidates = files.candidates(path)
            if candidates and any(body in c for c in candidates):
                return redact(header).text + "\n" + redact_excerpt(body, candidates)
        return redact(text).text


def _header_paths(header: str) -> list[str]:
    """Paths an embedding header may name (the path itself may contain " :: " or parentheses)."""
    paths = [header]
    if header.endswith(")") and " (" in header:
        paths.append(header[: header.rindex(" (")])
    paths += [p.split(" :: ")[0] for p in list(paths) if " :: " in p]
    return list(dict.fromkeys(p for p in paths if p))
