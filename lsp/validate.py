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
region mid-construct adds errors at its edges, so only errors that touch the lines of the insertion
(from the cursor's line to `WINDOW_AFTER` lines past the inserted text) are counted, with and without
the suggestion; only the difference counts. When even a wide region is cut and the code around the
cursor does not parse without the suggestion (a docstring or table literal longer than the region),
there is no reliable verdict and the suggestion is kept. Pure apart from the (cached, per-thread) parser.
"""

from __future__ import annotations

from codeassist.indexer.languages import load_grammar, parser_and_cursor

MAX_LINES_BEFORE = 40
MAX_LINES_AFTER = 20
WINDOW_AFTER = 2
WIDE_LINES_BEFORE = 150
WIDE_LINES_AFTER = 60
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
    narrow = _SyntaxCheck(parser, lines, line, line_prefix, line_suffix, MAX_LINES_BEFORE, MAX_LINES_AFTER)
    wide: list[_SyntaxCheck] = []

    def adds_errors(candidate: str) -> bool:
        if not narrow.adds_errors(candidate):
            return False
        if not narrow.cut:
            return True
        # The narrow region starts or ends mid-construct, and error recovery there is noisy: a verdict
        # against the suggestion is confirmed on a wide region (rare: only suspect suggestions pay).
        if not wide:
            wide.append(_SyntaxCheck(parser, lines, line, line_prefix, line_suffix, WIDE_LINES_BEFORE,
                                     WIDE_LINES_AFTER))
        if not wide[0].adds_errors(candidate):
            return False
        # Still cut, and the code around the cursor does not parse even without the suggestion (the
        # cursor is inside a construct longer than the region: a long docstring, a big table literal):
        # no reliable verdict, so the suggestion is not rejected.
        return not (wide[0].cut and wide[0].baseline_errors() > 0)

    if not adds_errors(text):
        return text
    # Trimming: the narrow region judges each shorter version (a noisy verdict only trims more).
    candidate_lines = text.split("\n")
    for keep in range(len(candidate_lines) - 1, 0, -1):
        candidate = "\n".join(candidate_lines[:keep]).rstrip()
        if candidate.strip() and not narrow.adds_errors(candidate):
            return candidate
    return ""


class _SyntaxCheck:
    """Parses the region around the cursor with and without an insertion and compares the errors."""

    def __init__(self, parser: object, lines: list[str], line: int, line_prefix: str, line_suffix: str,
                 lines_before: int, lines_after: int) -> None:
        first, last = region(lines, line, lines_before, lines_after)
        self._parser = parser
        self._before = "\n".join(lines[first:line] + [line_prefix])
        self._after = "\n".join([line_suffix] + lines[line + 1:last])
        self._cursor_row = line - first
        self._rows = last - first
        # Errors made by cutting the region mid-construct start at its first row or run to its last one.
        self._cut_start, self._cut_end = first > 0, last < len(lines)
        self.cut = self._cut_start or self._cut_end
        self._allowed: int | None = None

    def errors(self, inserted: str) -> int:
        tree = self._parser.parse((self._before + inserted + self._after).encode("utf-8"))  # type: ignore[attr-defined]
        added = inserted.count("\n")
        last_row = self._rows - 1 + added
        window = (self._cursor_row, self._cursor_row + added + WINDOW_AFTER)
        return sum(1 for start, end in error_rows(tree.root_node, *window)
                   if not (self._cut_start and start == 0)
                   and not (self._cut_end and end >= last_row and start < self._cursor_row))

    def baseline_errors(self) -> int:
        """Errors near the cursor without any insertion."""
        if self._allowed is None:
            self._allowed = self.errors("")
        return self._allowed

    def adds_errors(self, inserted: str) -> bool:
        return self.errors(inserted) > self.baseline_errors()


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


def region(lines: list[str], line: int, lines_before: int = MAX_LINES_BEFORE,
           lines_after: int = MAX_LINES_AFTER) -> tuple[int, int]:
    """[first, last) line numbers of the top-level construct around `line`, capped."""
    first = line
    lowest = max(0, line - lines_before)
    while first > lowest and not _starts_construct(lines[first]):
        first -= 1
    last = line + 1
    highest = min(len(lines), line + 1 + lines_after)
    while last < highest and not _starts_construct(lines[last]):
        last += 1
    return first, last


def _starts_construct(text: str) -> bool:
    return bool(text) and not text[0].isspace() and text[0] not in CLOSERS


def error_rows(node: object, first_row: int = 0, last_row: int = 1 << 30) -> list[tuple[int, int]]:
    """(start row, end row) of the ERROR and MISSING nodes under `node` that touch rows
    `first_row`..`last_row` (0-based, inclusive); descends only into subtrees that contain an error."""
    if not node.has_error:  # type: ignore[attr-defined]
        return []
    found: list[tuple[int, int]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if (current.is_error or current.is_missing) and current.start_point.row <= last_row \
                and current.end_point.row >= first_row:  # type: ignore[attr-defined]
            found.append((current.start_point.row, current.end_point.row))
        stack.extend(child for child in current.children  # type: ignore[attr-defined]
                     if (child.has_error or child.is_missing) and child.start_point.row <= last_row
                     and child.end_point.row >= first_row)
    return found
