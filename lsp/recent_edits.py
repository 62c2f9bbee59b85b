"""Recent edits as completion context (as Copilot and Continue do): the line ranges the user changed in
the last minutes, per document, shown to the model when completing in another file.

`RecentEdits.record` is called from `textDocument/didChange` (after the document was updated) with the
change events; `snippets` turns the newest ranges of the other open documents into prompt snippets.
Ranges are kept in the document's current line numbers: an edit that inserts or removes lines above a
recorded range moves it. Thread-safe (didChange runs on the event loop, completion in a worker).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from codeassist.lsp.fim import Snippet

MAX_AGE_SECONDS = 600.0
MAX_RANGES_PER_DOCUMENT = 8
MAX_DOCUMENTS = 20
CONTEXT_LINES = 2
MAX_EDIT_LINES = 20


@dataclass(slots=True)
class EditedRange:
    start: int  # 0-based inclusive line of the document as it is now
    end: int
    at: float  # time.monotonic() of the last change inside it


class RecentEdits:
    """Per-document edited line ranges, newest last. `clock` is injectable for tests."""

    def __init__(self, *, max_age: float = MAX_AGE_SECONDS, clock: Any = time.monotonic) -> None:
        self._ranges: OrderedDict[str, list[EditedRange]] = OrderedDict()
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, uri: str, changes: list[Any]) -> None:
        """Note LSP `TextDocumentContentChangeEvent`s (objects with `range` and `text`, or a whole-text
        change without a range, which is not an edit anyone made by hand and is ignored)."""
        now = self._clock()
        with self._lock:
            ranges = self._ranges.pop(uri, [])
            for change in changes:
                rng = getattr(change, "range", None)
                if rng is None:
                    continue
                start, end = rng.start.line, rng.end.line
                added = change.text.count("\n")
                delta = added - (end - start)
                for old in ranges:  # shift what lies below the edit
                    if old.start > end:
                        old.start += delta
                        old.end += delta
                    elif old.end >= start:
                        old.end = max(start + added, old.end + delta)
                new = EditedRange(start, start + added, now)
                merged = next((r for r in ranges if r.start <= new.end + 1 and new.start <= r.end + 1), None)
                if merged is not None:
                    merged.start, merged.end, merged.at = min(merged.start, new.start), max(merged.end, new.end), now
                    ranges.remove(merged)
                    ranges.append(merged)
                else:
                    ranges.append(new)
            self._ranges[uri] = [r for r in ranges if r.end >= r.start][-MAX_RANGES_PER_DOCUMENT:]
            while len(self._ranges) > MAX_DOCUMENTS:
                self._ranges.popitem(last=False)

    def forget(self, uri: str) -> None:
        with self._lock:
            self._ranges.pop(uri, None)

    def snippets(self, current_uri: str, documents: list[tuple[str, str, object, str]], *, limit: int = 2
                 ) -> list[Snippet]:
        """The newest edited ranges of the open documents other than `current_uri` (documents as
        (uri, path, version, text)), with `CONTEXT_LINES` around them, newest first."""
        now = self._clock()
        texts = {uri: (path, text) for uri, path, _, text in documents}
        with self._lock:
            recent = [(r.at, uri, r.start, r.end) for uri, ranges in self._ranges.items() if uri != current_uri
                      and uri in texts for r in ranges if now - r.at <= self._max_age]
        recent.sort(reverse=True)
        result: list[Snippet] = []
        for _, uri, start, end in recent[:limit]:
            path, text = texts[uri]
            lines = text.split("\n")
            first = max(0, start - CONTEXT_LINES)
            last = min(len(lines) - 1, end + CONTEXT_LINES, first + MAX_EDIT_LINES - 1)
            body = "\n".join(lines[first:last + 1])
            if body.strip():
                result.append(Snippet(path, first + 1, last + 1, body, "edit"))
        return result
