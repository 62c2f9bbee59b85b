"""Similar windows from the other open documents ("neighboring tabs"): Jaccard similarity of token sets.

The user's open files are the best hint of what they are working on, and they may hold unsaved code the
index has not seen. Pure: texts in, snippets out; tokenised windows are cached per (uri, version).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from codeassist.lsp.fim import Snippet

TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
WINDOW_LINES = 20
STEP_LINES = 10
MIN_SCORE = 0.15
MAX_CACHED_DOCUMENTS = 32
# Open documents larger than this (characters) are no neighbours: tokenising a 10 MB generated file takes
# seconds and scanning its windows slows every keystroke in every other file (the index skips such files too).
MAX_NEIGHBOR_CHARS = 1_000_000


def token_set(text: str) -> frozenset[str]:
    return frozenset(TOKEN_RE.findall(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True, slots=True)
class Window:
    start_line: int  # 1-based inclusive
    end_line: int
    tokens: frozenset[str]


def windows_of(text: str, size: int = WINDOW_LINES, step: int = STEP_LINES) -> list[Window]:
    lines = text.split("\n")
    per_step = [token_set("\n".join(lines[i:i + step])) for i in range(0, len(lines), step)]  # each line once
    result = []
    for start in range(0, max(1, len(lines) - size + step), step):
        tokens = frozenset().union(*per_step[start // step:(start + size) // step])
        if tokens:
            result.append(Window(start + 1, min(start + size, len(lines)), tokens))
    return result


class NeighborIndex:
    """Tokenised windows of open documents, recomputed only when a document's version changes."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, tuple[object, list[Window]]] = OrderedDict()
        self._lock = threading.Lock()  # completion requests assemble context on several threads

    def windows(self, uri: str, version: object, text: str) -> list[Window]:
        with self._lock:
            cached = self._cache.get(uri)
            if cached is not None and cached[0] == version:
                self._cache.move_to_end(uri)
                return cached[1]
        wins = windows_of(text)
        with self._lock:
            self._cache[uri] = (version, wins)
            while len(self._cache) > MAX_CACHED_DOCUMENTS:
                self._cache.popitem(last=False)
        return wins

    def forget(self, uri: str) -> None:
        with self._lock:
            self._cache.pop(uri, None)

    def similar(
        self,
        query: str,
        documents: list[tuple[str, str, object, str]],
        *,
        k: int = 2,
        min_score: float = MIN_SCORE,
    ) -> list[tuple[float, Snippet]]:
        """Best window per document, top `k` overall. `documents`: (uri, display path, version, text);
        documents over MAX_NEIGHBOR_CHARS are passed over."""
        wanted = token_set(query)
        if not wanted:
            return []
        scored: list[tuple[float, Snippet]] = []
        for uri, path, version, text in documents:
            if len(text) > MAX_NEIGHBOR_CHARS:
                continue
            best: tuple[float, Window] | None = None
            for win in self.windows(uri, version, text):
                score = jaccard(wanted, win.tokens)
                if best is None or score > best[0]:
                    best = (score, win)
            if best is not None and best[0] >= min_score:
                lines = text.split("\n")[best[1].start_line - 1:best[1].end_line]
                snippet = Snippet(path, best[1].start_line, best[1].end_line, "\n".join(lines).strip("\n"), "open")
                scored.append((best[0], snippet))
        scored.sort(key=lambda item: -item[0])
        return scored[:k]
