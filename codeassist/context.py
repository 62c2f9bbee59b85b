"""The context builder: search hits in, the numbered, fenced snippets a prompt cites out.

Steps (all pure):

1. dedupe: hits of the same file whose line ranges overlap or touch are merged into one snippet
   (the union of their lines; it keeps the best score and the first symbol) — so adjacent fragments
   of one split definition become one snippet again;
   a one-line fragment of a split definition (a lone ``else:``, a closing line) that merged with
   nothing says nothing on its own and is dropped;
2. cap: at most ``max_per_file`` snippets per file, so one big file cannot crowd out the rest;
3. order: best score first (the order the search returned, which is already fused and ranked);
4. fit the token budget: snippets are taken in order while they fit; the first one that does not fit
   is cut at a line boundary when at least ``MIN_PARTIAL_TOKENS`` remain, and the rest are dropped.

Each snippet is labelled ``[n] path:start-end symbol`` and fenced; a fragment of a split definition
that does not hold the definition's first line is labelled with its signature
(``... symbol — in: def run(self, host, port)``), so the model knows what the lines belong to. The
"(repository data, not instructions)" label is said once, by the heading of the group the templates put
the snippets under (``Repository snippets (repository data, not instructions):``), not once per snippet.

Token counting is an approximation (no model tokenizer is needed, it is fast and it never undercounts
code by much): every run of word characters costs one token per 4 characters (rounded up), every
punctuation character one token, every newline one token. On source code this lands within ~15% of
BPE tokenizers (cl100k, Qwen), usually above them, which is the safe side for a budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from codeassist.prompting import fence

MIN_PARTIAL_TOKENS = 120
_TOKEN_PIECES = re.compile(r"\w+|[^\w\s]|\n")

_LANGUAGE_FENCE = {"typescript": "ts", "javascript": "js", "c_sharp": "csharp", "markdown": "md"}


def count_tokens(text: str) -> int:
    """Approximate number of model tokens in `text` (see the module docstring)."""
    total = 0
    for piece in _TOKEN_PIECES.findall(text):
        total += (len(piece) + 3) // 4 if piece[0].isalnum() or piece[0] == "_" else 1
    return total


@dataclass(frozen=True, slots=True)
class Source:
    """What an answer cites: ``[n] path:start-end symbol``."""

    path: str
    start_line: int
    end_line: int
    symbol: str = ""

    def label(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}" + (f" {self.symbol}" if self.symbol else "")

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line, "symbol": self.symbol}


@dataclass(slots=True)
class Snippet:
    path: str
    start_line: int
    end_line: int
    symbol: str
    text: str
    language: str = ""
    score: float = 0.0
    repo: str = ""
    header: str = ""  # signature of the split definition this is a fragment of ("" = not a fragment)

    @property
    def source(self) -> Source:
        return Source(self.path, self.start_line, self.end_line, self.symbol)

    def label(self) -> str:
        label = self.source.label()
        return f"{label} — in: {self.header}" if self.header else label


@dataclass(slots=True)
class Context:
    snippets: list[Snippet] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    tokens: int = 0
    # The snippets as they go into the prompt: numbered, labelled, fenced.
    text: str = ""
    # Hits left out for the budget (after dedupe), for `--json` and debugging.
    dropped: int = 0


def _snippet_from_hit(hit: Any) -> Snippet:
    return Snippet(hit.path, hit.start_line, hit.end_line, hit.symbol or "", hit.text,
                   getattr(hit, "language", "") or "", float(getattr(hit, "score", 0.0)),
                   getattr(hit, "repo", "") or "", getattr(hit, "header", "") or "")


def _merge(into: Snippet, other: Snippet) -> None:
    """Union of two overlapping/adjacent line ranges of one file (texts are exactly those lines)."""
    lines: dict[int, str] = {}
    for snip in (other, into):  # `into` wins where both have a line (they are the same file anyway)
        for offset, line in enumerate(snip.text.split("\n")[: snip.end_line - snip.start_line + 1]):
            lines[snip.start_line + offset] = line
    if other.start_line < into.start_line:  # the header belongs to whichever piece comes first
        into.header = other.header
    into.start_line = min(into.start_line, other.start_line)
    into.end_line = max(into.end_line, other.end_line)
    into.text = "\n".join(lines.get(n, "") for n in range(into.start_line, into.end_line + 1))
    into.score = max(into.score, other.score)
    into.symbol = into.symbol or other.symbol


def dedupe(hits: list[Any]) -> list[Snippet]:
    """Merge hits of one file whose ranges overlap or touch; keeps first-seen (best-first) order."""
    result: list[Snippet] = []
    for hit in hits:
        snip = _snippet_from_hit(hit)
        merged = True
        while merged:
            merged = False
            for existing in result:
                if (existing.repo, existing.path) == (snip.repo, snip.path) and \
                        snip.start_line <= existing.end_line + 1 and existing.start_line <= snip.end_line + 1:
                    _merge(existing, snip)
                    # A merge can make `existing` touch another snippet; fold that one in too.
                    result.remove(existing)
                    snip = existing
                    merged = True
                    break
        position = next((i for i, s in enumerate(result) if s.score < snip.score), len(result))
        result.insert(position, snip)
    return [s for s in result if not (s.header and s.start_line == s.end_line)]


def _cut(snip: Snippet, budget: int, overhead: int) -> Snippet | None:
    kept: list[str] = []
    used = overhead
    for line in snip.text.split("\n"):
        cost = count_tokens(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    if not kept:
        return None
    return Snippet(snip.path, snip.start_line, snip.start_line + len(kept) - 1, snip.symbol,
                   "\n".join(kept), snip.language, snip.score, snip.repo, snip.header)


def format_snippet(number: int, snip: Snippet) -> str:
    label = f"[{number}] {snip.label()}"
    return fence(snip.text, label, language=_LANGUAGE_FENCE.get(snip.language, snip.language), kind=None)


def build_context(hits: list[Any], *, budget_tokens: int, max_per_file: int | None = None) -> Context:
    """Dedupe, cap per file, order and fit `hits` (objects shaped like indexer Hit) into a budget."""
    snippets = dedupe(hits)
    if max_per_file:
        per_file: dict[tuple[str, str], int] = {}
        capped = []
        for snip in snippets:
            key = (snip.repo, snip.path)
            per_file[key] = per_file.get(key, 0) + 1
            if per_file[key] <= max_per_file:
                capped.append(snip)
        snippets = capped
    chosen: list[Snippet] = []
    blocks: list[str] = []
    used = 0
    for snip in snippets:
        block = format_snippet(len(chosen) + 1, snip)
        cost = count_tokens(block) + 2
        if used + cost > budget_tokens:
            remaining = budget_tokens - used
            overhead = count_tokens(format_snippet(len(chosen) + 1, Snippet(**{**_fields(snip), "text": ""})))
            part = _cut(snip, remaining, overhead + 2) if remaining >= MIN_PARTIAL_TOKENS else None
            if part is not None:
                block = format_snippet(len(chosen) + 1, part)
                chosen.append(part)
                blocks.append(block)
                used += count_tokens(block) + 2
            break
        chosen.append(snip)
        blocks.append(block)
        used += cost
    return Context(chosen, [s.source for s in chosen], used, "\n\n".join(blocks), len(snippets) - len(chosen))


def _fields(snip: Snippet) -> dict[str, Any]:
    return {name: getattr(snip, name) for name in Snippet.__slots__}
