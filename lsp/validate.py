"""Syntax validation of a suggestion, after post-processing and before it reaches the editor.

Rules, in order:

1. a suggestion that repeats the lines right after the cursor is dropped (accepting it would duplicate
   them);
2. with a tree-sitter grammar for the language: the code around the cursor is parsed with the
   suggestion inserted and without it. A suggestion that adds syntax errors is trimmed to its longest
   prefix of whole lines that adds none, or dropped when no prefix does. This also catches brackets and
   quotes the suffix already closes (`return 1;\\n}` before the function's own `}`), a trailing half line,
   and a second function cut off at the end.

Only the region around the cursor is parsed: from the nearest line before it that starts at column 0
(a top-level construct) to the next such line after it, at most `MAX_LINES_BEFORE` / `MAX_LINES_AFTER`
lines. Parsing a whole 2,000-line file costs tens of ms; the region costs well under one. Cutting the
region mid-construct can add errors at its edges, but they are the same with and without the
suggestion, and only the difference counts. Pure apart from the (cached, per-thread) parser.
"""

from __future__ import annotations

from codeassist.indexer.languages import load_grammar, parser_and_cursor

MAX_LINES_BEFORE = 60
MAX_LINES_AFTER = 30
CLOSERS = ")]}"


def validate_suggestion(text: str, document: str, line: int, character: int, language: str | None) -> str:
    """`text` (to insert at `line`:`character`, 0-based, of `document`) as shown, trimmed, or "" (dropped)."""
    if not text.strip():
        return ""
    lines = document.split("\n")
    if line >= len(lines):
        return text
    current = lines[line]
    line_prefix, line_suffix = current[:character], current[character:]
    if repeats_following_lines(text, line_prefix, line_suffix, lines[line + 1:]):
        return ""
    grammar = load_grammar(language) if language else None
    if grammar is None:
        return text
    parser, _ = parser_and_cursor(language, grammar)
    first, last = region(lines, line)
    before = "\n".join(lines[first:line] + [line_prefix])
    after = "\n".join([line_suffix] + lines[line + 1:last])

    def errors(inserted: str) -> int:
        return count_errors(parser.parse((before + inserted + after).encode("utf-8")).root_node)

    allowed = errors("")
    if errors(text) <= allowed:
        return text
    candidate_lines = text.split("\n")
    for keep in range(len(candidate_lines) - 1, 0, -1):
        candidate = "\n".join(candidate_lines[:keep]).rstrip()
        if candidate.strip() and errors(candidate) <= allowed:
            return candidate
    return ""


def repeats_following_lines(text: str, line_prefix: str, line_suffix: str, following: list[str]) -> bool:
    """The suggestion (completing the cursor's line) is the code that already comes next."""
    upcoming = [ln.strip() for ln in following if ln.strip()]
    if not upcoming:
        return False
    suggested = [ln.strip() for ln in (line_prefix + text).split("\n") if ln.strip()]
    if not suggested:
        return False
    if line_suffix.strip():  # mid-line: the cursor's own line is not a repeat; the lines after it may be
        suggested = suggested[1:]
    head = suggested[: len(upcoming)]
    return len("".join(head)) > 3 and head == upcoming[: len(head)]


def region(lines: list[str], line: int) -> tuple[int, int]:
    """[first, last) line numbers of the top-level construct around `line`, capped."""
    first = line
    lowest = max(0, line - MAX_LINES_BEFORE)
    while first > lowest and not _starts_construct(lines[first]):
        first -= 1
    last = line + 1
    highest = min(len(lines), line + 1 + MAX_LINES_AFTER)
    while last < highest and not _starts_construct(lines[last]):
        last += 1
    return first, last


def _starts_construct(text: str) -> bool:
    return bool(text) and not text[0].isspace() and text[0] not in CLOSERS


def count_errors(node: object) -> int:
    """ERROR and MISSING nodes under `node`; descends only into subtrees that contain an error."""
    if not node.has_error:  # type: ignore[attr-defined]
        return 0
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:  # type: ignore[attr-defined]
            total += 1
        stack.extend(child for child in current.children if child.has_error or child.is_missing)  # type: ignore[attr-defined]
    return total
