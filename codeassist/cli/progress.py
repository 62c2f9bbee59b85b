"""The `codeassist index` progress bar and its time-remaining estimate.

The embed stage works through pages of chunk bodies sorted by length (short ones first, so batches
pad little), so chunks per second swings several-fold within every page: an ETA from the chunk rate
jumped 1:57 -> 7:27 -> 1:09 in one run. The estimate here is weighted by size instead: the embedder
is wrapped to count the characters it is given (a stand-in for tokens: the model's cost grows with
them), the rate is characters per second over a sliding window of recent work, and the remaining work
is the remaining chunks times the average chunk size of the pages completed so far.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Any

# The rate is measured over at least this many seconds and this many chunks of recent work.
WINDOW_SECONDS = 20.0
WINDOW_CHUNKS = 256


class EtaEstimator:
    """Seconds left for a stage, from (time, chunks done, characters done) samples.

    `update(done, total, chars, now)` records a sample; `seconds_left()` is None until there is
    enough to say (two samples with work between them). `chars` may stay 0 (work of unknown size):
    the estimate then uses chunk counts over the same window.

    Size of the remaining chunks: the average over the pages completed so far. A page is recognised
    by its first batch, whose bodies are much shorter than the batch before (the end of the previous
    page, its longest bodies); within the first page, the average so far is the best there is."""

    def __init__(self, window_seconds: float = WINDOW_SECONDS, window_chunks: int = WINDOW_CHUNKS) -> None:
        self.window_seconds = window_seconds
        self.window_chunks = window_chunks
        self.samples: deque[tuple[float, int, int]] = deque()
        self.total = 0
        self._last_batch_size = 0.0
        self._pages_done = 0  # chunks in completed pages
        self._pages_chars = 0  # their characters
        self._pages = 0

    def update(self, done: int, total: int, chars: int = 0, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.total = total
        if self.samples:
            _, last_done, last_chars = self.samples[-1]
            if done > last_done and chars > last_chars:
                batch_size = (chars - last_chars) / (done - last_done)
                if batch_size < 0.5 * self._last_batch_size:
                    self._pages_done, self._pages_chars = last_done, last_chars
                    self._pages += 1
                self._last_batch_size = batch_size
        self.samples.append((now, done, chars))
        # Drop samples older than the window, but keep enough chunks in it.
        while len(self.samples) > 2:
            t1, d1, _ = self.samples[1]
            if now - t1 >= self.window_seconds and done - d1 >= self.window_chunks:
                self.samples.popleft()
            else:
                break

    def seconds_left(self) -> float | None:
        if len(self.samples) < 2:
            return None
        t0, d0, c0 = self.samples[0]
        t1, d1, c1 = self.samples[-1]
        if t1 <= t0 or d1 <= d0:
            return None
        remaining = max(self.total - d1, 0)
        if c1 > c0 and d1 > 0:
            return self._chars_left(remaining, d1, c1) / ((c1 - c0) / (t1 - t0))
        return remaining / ((d1 - d0) / (t1 - t0))


    def _chars_left(self, remaining: int, done: int, chars: int) -> float:
        """Characters still to embed: the rest of the current page (its longest bodies) as in the
        average completed page, then whole pages at the average chunk size."""
        if not self._pages:
            return remaining * chars / done
        per_chunk = self._pages_chars / self._pages_done
        page_len, page_chars = self._pages_done / self._pages, self._pages_chars / self._pages
        left_in_page = min(max(page_len - (done - self._pages_done), 0.0), remaining)
        in_page = max(page_chars - (chars - self._pages_chars), left_in_page * per_chunk) if left_in_page else 0.0
        return in_page + (remaining - left_in_page) * per_chunk


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class CharCountingEmbedder:
    """An embedder proxy that counts the characters of the documents it embeds (for the ETA)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.chars = 0

    def embed_documents(self, texts: list[str]) -> Any:
        result = self._inner.embed_documents(texts)
        self.chars += sum(len(text) for text in texts)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class IndexProgress:
    """A rich progress bar on stderr fed by the pipeline's progress(stage, done, total) callback.

    `embedder`: a CharCountingEmbedder whose character count weights the embed stage's estimate."""

    LABELS = {"discover": "Discovering files", "chunk": "Chunking", "embed": "Embedding"}

    def __init__(self, enabled: bool, embedder: CharCountingEmbedder | None = None) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.embedder = embedder
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        self.started: dict[str, float] = {}
        self.estimates: dict[str, EtaEstimator] = {}

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[eta]}"),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        return self.tick

    def tick(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(self.LABELS.get(stage, stage), total=total or None,
                                                  rate="", eta="")
            self.started[stage] = now
            self.estimates[stage] = EtaEstimator()
        elapsed = max(now - self.started[stage], 1e-6)
        unit = "files/s" if stage == "chunk" else "chunks/s"
        rate = f"{done / elapsed:,.0f} {unit}" if stage != "discover" and done else ""
        chars = self.embedder.chars if stage == "embed" and self.embedder is not None else 0
        estimate = self.estimates[stage]
        estimate.update(done, total, chars, now)
        eta = format_eta(estimate.seconds_left()) if stage != "discover" and total else ""
        self.bar.update(self.tasks[stage], completed=done, total=total or None, rate=rate, eta=eta)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
