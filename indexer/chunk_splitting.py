"""Line bookkeeping and size-bounded splitting for the chunker.

Owns three pure operations over the decoded lines of one file:
- `SourceLines`: the lines (CRLF read as LF), the character size of any line range in O(1);
- `split_range`: cut a range of lines that is too big into pieces no bigger than the limit, at the
  boundaries of the syntax node's children, descending into a child only when the child itself is
  too big; a range with no children left is cut by lines, a single line by characters;
- `line_windows`: fixed-size overlapping windows for files the parser cannot read.

Every non-blank line of the input range ends up in exactly one piece (blank lines at the edges of a
piece are left out). Traversal uses an explicit stack, never Python recursion, so a 20,000-deep
syntax tree costs no stack.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from tree_sitter import Node

# A piece of a chunk: 0-based inclusive rows and the exact text.
Piece = tuple[int, int, str]
# A run of rows below max_chars // _SMALL_FRACTION waiting to be emitted joins the next piece instead.
_SMALL_FRACTION = 8


class SourceLines:
    """The lines of a file, decoded as UTF-8 with replacement; rows are 0-based here."""

    __slots__ = ("lines", "source", "_offsets", "_children")

    def __init__(self, source: bytes) -> None:
        self.source = source
        # node id -> (children, their last rows): the root is cut once per run of top-level code.
        self._children: dict[int, tuple[list[Node], list[tuple[int, int]]]] = {}
        text = source.decode("utf-8", errors="replace")
        if "\r\n" in text:
            # Tree-sitter counts rows by "\n", so "\r\n" keeps row numbers; the "\r" is not content.
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()  # the final newline ends the last line, it does not start a new one
        self.lines = lines
        # _offsets[i] = characters in the rows before row i, newlines not counted.
        self._offsets = list(accumulate(map(len, lines), initial=0))

    def __len__(self) -> int:
        return len(self.lines)

    def size(self, start: int, end: int) -> int:
        """Characters of rows start..end joined by newlines (the length of `text(start, end)`)."""
        return self._offsets[end + 1] - self._offsets[start] + end - start

    def text(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start : end + 1])

    def is_blank(self, row: int) -> bool:
        return not self.lines[row].strip()

    def children_rows(self, node: Node) -> tuple[list[Node], list[tuple[int, int]]]:
        cached = self._children.get(node.id)
        if cached is None:
            children = node.children
            source = self.source
            rows = []
            for child in children:  # node_rows, inlined: this loop runs for every child split at
                start_row = child.start_point.row
                end = child.end_point
                end_row = end.row
                if end_row > start_row and (
                    end.column == 0
                    or (
                        source[child.end_byte - 1 : child.end_byte] in (b" ", b"\t")
                        and not source[child.end_byte - end.column : child.end_byte].strip()
                    )
                ):
                    end_row -= 1
                rows.append((start_row, end_row))
            cached = self._children[node.id] = (children, rows)
        return cached

    def trim(self, start: int, end: int) -> tuple[int, int] | None:
        """The range without blank rows at either end, or None if it is all blank."""
        while start <= end and self.is_blank(start):
            start += 1
        while end >= start and self.is_blank(end):
            end -= 1
        return (start, end) if start <= end else None


def node_rows(node: Node, source: bytes) -> tuple[int, int]:
    """First and last row holding the node's text. A node that ends in the indentation of a row
    (markdown sections end at column 0, Scala indented blocks before the next member) ends on the
    row before."""
    start_row = node.start_point.row
    end = node.end_point
    if end.row > start_row:
        if end.column == 0:
            return start_row, end.row - 1
        end_byte = node.end_byte
        # Cheap test first: almost no node ends in whitespace.
        if (
            source[end_byte - 1 : end_byte] in (b" ", b"\t")
            and not source[end_byte - end.column : end_byte].strip()
        ):
            return start_row, end.row - 1
    return start_row, end.row


def _child_spans(node: Node, start: int, end: int, lines: SourceLines) -> list[tuple[int, int, Node | None]]:
    """Partition rows start..end by the node's children: children sharing a row merge, and rows no
    child covers (blank lines, a header) join the child that follows, or the last one."""
    spans: list[list] = []
    children, rows = lines.children_rows(node)
    # Children are in source order, so their last rows are sorted: skip those before `start`.
    first_index = bisect_left(rows, start, key=lambda span: span[1])
    for child, (first, last) in zip(children[first_index:], rows[first_index:], strict=True):
        if first > end:
            break
        first, last = max(first, start), min(last, end)
        if spans and first <= spans[-1][1]:
            previous = spans[-1]
            # Keep the child with more rows: it is the one worth descending into later.
            if last - first > previous[1] - previous[0]:
                previous[2] = child
            previous[1] = max(previous[1], last)
            continue
        spans.append([first, last, child])
    if not spans:
        return []
    spans[0][0] = start
    for previous, following in zip(spans, spans[1:], strict=False):
        following[0] = previous[1] + 1
    spans[-1][1] = end
    return [(first, last, child) for first, last, child in spans]


def split_line(lines: SourceLines, row: int, max_chars: int) -> list[Piece]:
    """A single line longer than the limit, cut by characters (the only pieces that are not whole lines)."""
    line = lines.lines[row]
    return [(row, row, line[at : at + max_chars]) for at in range(0, len(line), max_chars)] or [
        (row, row, "")
    ]


def split_range(lines: SourceLines, start: int, end: int, node: Node | None, max_chars: int) -> list[Piece]:
    """Cut rows start..end into consecutive pieces of at most `max_chars` characters.

    Children of `node` are packed greedily in order; an oversized child is replaced by its own
    children (a stack, not recursion). Small neighbours stay together, so a long function becomes
    a few pieces of whole statements rather than many one-liners.
    """
    if lines.size(start, end) <= max_chars:
        return [(start, end, lines.text(start, end))]
    pieces: list[Piece] = []
    pending: tuple[int, int] | None = None  # rows being packed into the next piece

    def emit(first: int, last: int) -> None:
        # Blank rows at the edges of a piece say nothing; a piece of only blank rows is dropped.
        trimmed = lines.trim(first, last)
        if trimmed is not None:
            pieces.append((trimmed[0], trimmed[1], lines.text(*trimmed)))

    stack: list[tuple[int, int, Node | None]] = [(start, end, node)]
    while stack:
        first, last, child = stack.pop()
        if pending is not None and lines.size(pending[0], last) <= max_chars:
            pending = (pending[0], last)
            continue
        if lines.size(first, last) <= max_chars:
            if pending is not None:
                emit(*pending)
            pending = (first, last)
            continue
        if pending is not None and (first == last or lines.size(*pending) > max_chars // _SMALL_FRACTION):
            emit(*pending)
            pending = None
        # A small pending run (a signature line, a label, a comment) is kept to open the first piece of
        # the big span below instead of becoming a fragment of its own.
        if first == last:
            pieces.extend(split_line(lines, first, max_chars))
            continue
        spans = _child_spans(child, first, last, lines) if child is not None else []
        if not spans:
            # No syntax left to cut at: fall back to whole lines.
            spans = [(row, row, None) for row in range(first, last + 1)]
        stack.extend(reversed(spans))
    if pending is not None:
        emit(*pending)
    return pieces


def line_windows(lines: SourceLines, window_lines: int, overlap: int, max_chars: int) -> list[Piece]:
    """Windows of up to `window_lines` lines (and `max_chars` characters) overlapping by `overlap`
    lines; a window cut short by the character limit overlaps proportionally less."""
    window_lines = max(1, window_lines)
    overlap = max(0, min(overlap, window_lines - 1))
    pieces: list[Piece] = []
    count = len(lines)
    start = 0
    while start < count:
        if lines.size(start, start) > max_chars:
            pieces.extend(split_line(lines, start, max_chars))
            start += 1
            continue
        end = min(start + window_lines, count) - 1
        while end > start and lines.size(start, end) > max_chars:
            end -= 1
        text = lines.text(start, end)
        if text.strip():  # a window of blank lines finds nothing
            pieces.append((start, end, text))
        if end == count - 1:
            break
        taken = end - start + 1
        start = max(start + 1, end + 1 - overlap * taken // window_lines)
    return pieces
