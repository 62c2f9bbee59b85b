"""The offline completer: continue the code the way the repository already continues it.

With no completion model, or a model that fails or misses the deadline, find the indexed window most
similar to the lines just before the cursor and suggest the lines that followed it in that file.
Pure apart from the `searcher` (anything with `search(query, k, ...)` returning hits) and `read_file`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeassist.lsp.cursor_context import CursorContext
from codeassist.lsp.neighbors import jaccard, token_set
from codeassist.lsp.term_stats import TermStats, compact_query

CONTEXT_LINES = 3
MULTILINE_LINES = 6
MIN_SIMILARITY = 0.2


def fallback_completion(
    ctx: CursorContext,
    searcher: Any,
    *,
    exclude: list[tuple[str, int, int]] | None = None,
    read_file: Callable[[str], str | None] | None = None,
    k: int = 8,
    term_stats: TermStats | None = None,
) -> str:
    """The continuation of the most similar indexed window, re-indented to the cursor; "" if none."""
    recent = [line for line in ctx.previous_lines if line.strip()][-CONTEXT_LINES:]
    typed = ctx.line_prefix.strip()
    query = compact_query("\n".join(recent + [ctx.line_prefix]).strip() or ctx.query, term_stats=term_stats)
    if not query or searcher is None:
        return ""
    try:
        hits = searcher.search(query, k, mode="lexical")
    except TypeError:  # a searcher without `mode`
        hits = searcher.search(query, k)
    # Excluded ranges filtered here: asking the index to exclude makes it fetch hundreds of candidates.
    hits = [h for h in hits if not any(p == h.path and s <= h.end_line and h.start_line <= e
                                       for p, s, e in exclude or [])]
    want = token_set("\n".join(recent + [typed]))
    # The line right before the cursor (or the typed part of the cursor's line) must match the most.
    anchor = token_set(typed or (recent[-1] if recent else ""))
    best: tuple[float, Any, list[str], int] | None = None
    for hit in hits:
        lines = hit.text.split("\n")
        for row, line in enumerate(lines):
            if typed and typed not in line:
                continue
            window = "\n".join(lines[max(0, row - CONTEXT_LINES):row + 1])
            score = 0.6 * jaccard(anchor, token_set(line)) + 0.4 * jaccard(want, token_set(window))
            if typed and line.strip().startswith(typed):
                score += 0.5
            if best is None or score > best[0]:
                best = (score, hit, lines, row)
    if best is None or best[0] < MIN_SIMILARITY:
        return ""
    _, hit, lines, row = best
    return continuation(_with_file_tail(hit, lines, read_file), row, ctx)


def continuation(lines: list[str], row: int, ctx: CursorContext) -> str:
    """What follows `lines[row]`: the rest of that line when the user is mid-line, else the next lines."""
    typed = ctx.line_prefix.strip()
    if typed:
        line = lines[row]
        pos = line.find(typed)
        rest = line[pos + len(typed):] if pos >= 0 else ""
        if ctx.line_prefix != ctx.line_prefix.rstrip():  # the user already typed the space
            rest = rest.lstrip()
        return rest.rstrip()
    following = lines[row + 1:]
    count = MULTILINE_LINES if ctx.multiline else 1
    picked: list[str] = []
    base = None
    row_width = len(lines[row]) - len(lines[row].lstrip())
    for line in following:
        if not line.strip():
            if picked:
                break
            continue
        width = len(line) - len(line.lstrip())
        if base is None:
            if width < row_width:  # the block ended there: nothing to continue with
                return ""
            base = width
        elif width < base:
            break
        picked.append(line)
        if len(picked) >= count:
            break
    if not picked or base is None:
        return ""
    # Re-indent: the first line goes where the cursor is (its indentation is already typed).
    out = [picked[0][base:]]
    out += [ctx.indent + line[base:] for line in picked[1:]]
    return "\n".join(out).rstrip()


def _with_file_tail(hit: Any, lines: list[str], read_file: Callable[[str], str | None] | None) -> list[str]:
    """The hit's lines plus the lines after it in the file, so a match at the chunk's end still continues."""
    if read_file is None:
        return lines
    text = read_file(hit.path)
    if text is None:
        return lines
    file_lines = text.split("\n")
    tail = file_lines[hit.end_line:hit.end_line + MULTILINE_LINES]
    return lines + tail
