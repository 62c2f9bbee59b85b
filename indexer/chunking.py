"""Tree-sitter chunking: bytes in, chunks out. Pure; the only state is the grammar/parser caches.

What a definition is comes from the query file of the language (`queries/<language>.scm`):

- `@definition.function` / `@definition.method` / `@definition.class` / `@definition.namespace` /
  `@definition.section` mark the node; `@name` its name; `@scope` an owner named outside the body
  (a Go receiver, C++ `Foo::bar`, Lua `Class:method`), which makes it a method of that owner;
- `@attribute` marks what may sit on the lines just above a definition and belong to it (Rust
  `#[...]`, Python and TypeScript decorators, even over several lines).

Comments above a definition are found by their text (`LanguageInfo.line_comment` / `block_comment`):
looking at the few lines above each definition costs far less than capturing every comment node.

The layout, identical for every language:

- a function/method is one chunk: its leading comments (the block ending on the line right above it,
  no blank line in between), decorators, signature, docstring and body;
- a class-like container keeps the lines that are not inside a member definition: its leading
  comments, header, docstring and fields. Member definitions (methods, nested classes) are chunks of
  their own. The container's lines between two members (more fields) make another chunk with the
  class symbol; a closing run (`}`, `end`) joins the chunk right above it so no line is lost;
- definitions inside a function stay in that function's chunk;
- code outside any definition is grouped into windows of whole statements (kind "module");
- anything over `max_chunk_chars` is split at child boundaries (see `chunk_splitting`).

Symbols are paths (`Outer.Inner.method`, `Server.Start`; markdown `Install > Linux`).
Files without a grammar, or that the parser gives up on, get overlapping line windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from codeassist.indexer.chunk_splitting import SourceLines, line_windows, node_rows, split_range
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.languages import LanguageInfo, language_info, load_grammar, parser_and_cursor
from codeassist.indexer.model import Chunk
from codeassist.indexer.source_text import normalise_source

_CONTAINER_TAGS = frozenset({"class", "namespace", "section"})
# Kind of a container's own lines; a namespace's own lines are plain top-level code.
_OWN_LINES_KIND = {"class": "class", "section": "section"}

# (start row, end row, text, kind, symbol), rows 0-based inclusive.
_Piece = tuple[int, int, str, str, str]
# A run of closers (start row, end row, kind, symbol) waiting to join the piece above it.
_Closing = tuple[int, int, str, str]
# A run of container lines made only of closers belongs with the code above it, not on its own.
# A trailing comment is allowed: `}  // namespace physics`.
_CLOSING_LINE = re.compile(r"^\s*(?=\S)[\]\)\}>;,]*(end|fi|esac|done)?[\s\]\)\};,]*((//|/\*|--|#).*)?$")
_CLOSER = re.compile(r"^\s*([\]\)\}]|(end|fi|esac|done)\b)")


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """The chunks of one file, by start line. `fallback_reason` says why line windows were used
    instead of the syntax tree ("no_grammar", "parse_failed"), None when they were not."""

    chunks: list[Chunk]
    fallback_reason: str | None = None


@dataclass(slots=True)
class _Definition:
    node: Node
    tag: str  # function / method / class / namespace / section
    name_node: Node | None
    scope_node: Node | None
    start_byte: int
    end_byte: int
    start: int  # first row, leading comments included
    end: int
    parent: _Definition | None = None
    symbol: str = ""
    members: list[_Definition] = field(default_factory=list)
    chunked: bool = False  # gets chunks of its own (top level, or inside a chunked container)

    @property
    def is_container(self) -> bool:
        return self.tag in _CONTAINER_TAGS


def chunk_source(source: bytes, language: str | None, config: IndexConfig | None = None, *,
                 tree: Any = None) -> ChunkResult:
    """Chunk one file's bytes. Never raises on odd input: bad bytes decode as U+FFFD, a parser
    failure falls back to line windows. Line numbers are 1-based; "\r\n", "\r" and "\n" each end a
    line, and a byte-order mark (UTF-8/16/32) changes nothing (see `source_text`). `tree`: the file
    already parsed with its grammar (the indexer parses once for chunks and symbols); it must be the
    tree of `normalise_source(source)`, and is ignored when normalising changes the bytes."""
    config = config or IndexConfig()
    normalised = normalise_source(source)  # BOM, UTF-16/32, CR line endings: never change the chunks
    if normalised is not source:
        source, tree = normalised, None  # a tree of the raw bytes would have other offsets
    lines = SourceLines(source)
    if not lines:
        return ChunkResult([])
    info = language_info(language)
    grammar = load_grammar(info.name) if info is not None and info.ast else None
    if info is None or grammar is None:
        return ChunkResult(_windows(lines, language or "", config), "no_grammar")
    parser, cursor = parser_and_cursor(info.name, grammar)
    try:
        if tree is None:
            tree = parser.parse(source)
        matches = cursor.matches(tree.root_node) if tree is not None else None
    except Exception:  # a grammar bug or resource limit must not stop indexing the rest of the repo
        matches = None
    if matches is None:
        return ChunkResult(_windows(lines, info.name, config), "parse_failed")
    definitions, leading = _read_matches(matches, source, lines)
    top = _nest(definitions, info, source)
    _attach_leading(top, lines, info, leading)
    headers: dict[int, str] = {}
    pieces = _layout(top, tree.root_node, lines, info, max(1, config.max_chunk_chars), headers)
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    return ChunkResult(
        [
            Chunk(start + 1, end + 1, kind, symbol, text, info.name, headers.get(start, ""))
            for start, end, text, kind, symbol in pieces
        ]
    )


def _windows(lines: SourceLines, language: str, config: IndexConfig) -> list[Chunk]:
    pieces = line_windows(lines, config.window_lines, config.window_overlap, max(1, config.max_chunk_chars))
    return [Chunk(start + 1, end + 1, "window", "", text, language) for start, end, text in pieces]


def _node_text(node: Node, source: bytes) -> str:
    return " ".join(source[node.start_byte : node.end_byte].decode("utf-8", errors="replace").split())


def _starts_its_line(node: Node, source: bytes) -> bool:  # nothing but indentation before it
    line_start = node.start_byte - node.start_point.column
    return not source[line_start : node.start_byte].strip()


def _read_matches(
    matches: list[tuple[int, dict[str, list[Node]]]], source: bytes, lines: SourceLines
) -> tuple[list[_Definition], dict[int, int]]:
    """Definitions found by the query, and `attributes`: last row -> first row of every attribute or
    decorator that starts its line (only those can belong to the definition below them)."""
    definitions: dict[int, _Definition] = {}
    by_name: dict[int, _Definition] = {}
    leading: dict[int, int] = {}
    last_row = len(lines) - 1
    for _pattern, captures in matches:
        for capture, nodes in captures.items():
            if capture == "attribute":
                node = nodes[0]
                if _starts_its_line(node, source):
                    first, last = node_rows(node, source)
                    leading[last] = min(first, leading.get(last, first))
            elif capture.startswith("definition."):
                node = nodes[0]
                if node.id in definitions:
                    continue  # two patterns matched the same node: the first one wins
                name_nodes = captures.get("name")
                scope_nodes = captures.get("scope")
                first, last = node_rows(node, source)
                first, last = min(first, last_row), min(last, last_row)
                while last > first and lines.is_blank(last):
                    last -= 1  # a grammar that ends a node in the blank lines after it
                definition = _Definition(
                    node=node,
                    tag=capture.partition(".")[2],
                    name_node=name_nodes[0] if name_nodes else None,
                    scope_node=scope_nodes[0] if scope_nodes else None,
                    start_byte=node.start_byte,
                    end_byte=node.end_byte,
                    start=first,
                    end=last,
                )
                if name_nodes:
                    # One name, one definition: a wrapper matched around the same name (C++ template,
                    # TS export) keeps the outermost node.
                    other = by_name.get(name_nodes[0].id)
                    if other is not None:
                        if other.end_byte - other.start_byte >= definition.end_byte - definition.start_byte:
                            continue
                        del definitions[other.node.id]
                    by_name[name_nodes[0].id] = definition
                definitions[node.id] = definition
    return list(definitions.values()), leading


def _nest(definitions: list[_Definition], info: LanguageInfo, source: bytes) -> list[_Definition]:
    """Link definitions to their parents (a stack over start order: no recursion), give them symbols
    and kinds, and return the top-level ones."""
    definitions.sort(key=lambda d: (d.start_byte, -d.end_byte))
    top: list[_Definition] = []
    open_: list[_Definition] = []
    for definition in definitions:
        while open_ and open_[-1].end_byte <= definition.start_byte:
            open_.pop()
        parent = open_[-1] if open_ else None
        if parent is not None and (parent.start, parent.end) == (definition.start, definition.end):
            continue  # same lines as its parent (a typedef around a struct): adds nothing
        open_.append(definition)
        definition.parent = parent
        if parent is None:
            definition.chunked = True
            top.append(definition)
        elif parent.chunked and parent.is_container:
            definition.chunked = True
            parent.members.append(definition)
        if not definition.chunked:
            continue
        # Names are read only now, for the definitions that get chunks.
        scope = _node_text(definition.scope_node, source) if definition.scope_node else ""
        name = _node_text(definition.name_node, source) if definition.name_node else ""
        outer = parent.symbol if parent is not None else ""
        # A nameless container (Kotlin companion object) adds nothing to the path of its members.
        definition.symbol = info.symbol_separator.join(part for part in (outer, scope, name) if part)
        if definition.tag == "function" and (scope or (parent is not None and parent.tag == "class")):
            definition.tag = "method"
    return top


def _attach_leading(
    top: list[_Definition], lines: SourceLines, info: LanguageInfo, attributes: dict[int, int]
) -> None:
    """Extend each chunked definition upward over the comments and attributes right above it (no
    blank line in between), never past the end of the previous sibling or its container's first line."""
    stack: list[tuple[list[_Definition], int]] = [(top, -1)]
    while stack:
        siblings, lowest = stack.pop()
        for definition in siblings:
            start = definition.start
            while start - 1 > lowest:
                above = attributes.get(start - 1)
                if above is None:
                    above = _comment_start(lines, start - 1, lowest, info)
                if above is None:
                    break
                start = max(above, lowest + 1)
            definition.start = start
            lowest = definition.end
            if definition.members:
                stack.append((definition.members, definition.node.start_point.row))


# How far up a block comment's opening is looked for; a doc comment is never longer.
_MAX_BLOCK_COMMENT_ROWS = 400


def _comment_start(lines: SourceLines, row: int, lowest: int, info: LanguageInfo) -> int | None:
    """First row of the comment that ends on `row` and has the row to itself, None if `row` is not
    comment. Whole-line comments only: `x = 1  # note` is code."""
    text = lines.lines[row].strip()
    if not text:
        return None
    if info.line_comment and text.startswith(info.line_comment):
        return row
    block = info.block_comment
    if block is None or not text.endswith(block[1]):
        return None
    opening, closing = block
    for candidate in range(row, max(lowest, row - _MAX_BLOCK_COMMENT_ROWS), -1):
        line = lines.lines[candidate]
        if opening in line and (candidate < row or line.index(opening) < len(line) - len(closing)):
            return candidate if line.lstrip().startswith(opening) else None
    return None


def _layout(
    top: list[_Definition], root: Node, lines: SourceLines, info: LanguageInfo, max_chars: int,
    headers: dict[int, str],
) -> list[_Piece]:
    """Turn the definition tree into pieces (start row, end row, text, kind, symbol); `headers` gets
    the signature of a split definition for each of its fragments, by the fragment's first row."""
    out: list[_Piece] = []
    closing: list[_Closing] = []
    # (rows to cover, node to split by, the definitions inside those rows, kind, symbol)
    work: list[tuple[int, int, Node, list[_Definition], str, str]] = [
        (0, len(lines) - 1, root, top, info.top_level_kind, "")
    ]
    while work:
        start, end, node, members, kind, symbol = work.pop()
        row = start
        for member in _non_overlapping(members):
            may_close = row > start and node is not root
            _emit_run(out, closing, lines, row, member.start - 1, node, kind, symbol, max_chars, may_close)
            if member.is_container:
                member_kind = _OWN_LINES_KIND.get(member.tag, info.top_level_kind)
                work.append(
                    (member.start, member.end, member.node, member.members, member_kind, member.symbol)
                )
            else:
                pieces = split_range(lines, member.start, member.end, member.node, max_chars)
                if len(pieces) > 1:
                    signature = signature_line(member.node, lines)
                    for first, _, _ in pieces:
                        if first > member.node.start_point.row:
                            headers[first] = signature
                for first, last, text in pieces:
                    out.append((first, last, text, member.tag, member.symbol))
            row = member.end + 1
        # Only a run after a member can be a closer; the first run is the container's header.
        _emit_run(
            out, closing, lines, row, end, node, kind, symbol, max_chars, row > start and node is not root
        )
    _join_closing_runs(out, closing, lines, max_chars)
    return out


_MAX_SIGNATURE_CHARS = 300


def signature_line(node: Node, lines: SourceLines) -> str:
    """A definition's signature on one line: its text from the first row of the node up to where its
    body starts (the whole first row when the grammar names no body), whitespace collapsed."""
    inner = node.child_by_field_name("definition") or node  # a decorated Python definition
    body = inner.child_by_field_name("body")
    start = inner.start_point
    if body is not None and body.start_point.row > start.row:
        text = lines.text(start.row, body.start_point.row - 1)[start.column:]
        if body.start_point.column > 0 and lines.lines[body.start_point.row][: body.start_point.column].strip():
            text += " " + lines.lines[body.start_point.row][: body.start_point.column]
    elif body is not None:
        text = lines.lines[start.row][start.column : body.start_point.column]
    else:
        text = lines.lines[start.row][start.column:]
    return " ".join(text.split())[:_MAX_SIGNATURE_CHARS]


def _non_overlapping(members: list[_Definition]) -> list[_Definition]:
    """Siblings in row order; one that starts on a row its predecessor already covers (two
    definitions on one line) stays inside the surrounding code instead of getting a chunk."""
    kept: list[_Definition] = []
    for member in members:
        if kept and member.start <= kept[-1].end:
            continue
        kept.append(member)
    return kept


def _emit_run(
    out: list[_Piece],
    closing: list[_Closing],
    lines: SourceLines,
    start: int,
    end: int,
    node: Node,
    kind: str,
    symbol: str,
    max_chars: int,
    may_close: bool,
) -> None:
    """Emit the rows start..end that belong to no member definition, split by `node`'s children."""
    if start > end:
        return
    trimmed = lines.trim(start, end)
    if trimmed is None:
        return
    start, end = trimmed
    if may_close and _is_closing_run(lines, start, end):
        closing.append((start, end, kind, symbol))
        return
    for first, last, text in split_range(lines, start, end, node, max_chars):
        out.append((first, last, text, kind, symbol))


def _is_closing_run(lines: SourceLines, start: int, end: int) -> bool:
    """Closers only (blank lines and trailing comments allowed), at least one real closer; a bare
    comment is never a closer. Checked only for short runs: a closer run is a few lines."""
    if end - start > 8:
        return False
    rows = [lines.lines[row] for row in range(start, end + 1) if not lines.is_blank(row)]
    return all(_CLOSING_LINE.match(row) for row in rows) and any(_CLOSER.match(row) for row in rows)


def _join_closing_runs(
    out: list[_Piece], closing: list[_Closing], lines: SourceLines, max_chars: int
) -> None:
    """Append each closing run (`}`, `end`) to the piece ending right above it, if that piece has room;
    otherwise it stays a piece of its own so the line is still indexed."""
    by_end = {piece[1]: index for index, piece in enumerate(out)}
    for start, end, own_kind, own_symbol in sorted(closing):
        above_row = start - 1
        while above_row not in by_end and above_row >= 0 and lines.is_blank(above_row):
            above_row -= 1  # `}` after a blank line still closes the code above
        above = by_end.get(above_row)
        if above is not None:
            first, _, text, kind, symbol = out[above]
            # Only onto whole lines (not a piece of a line cut by characters) and only if it fits.
            if len(text) == lines.size(first, above_row) and lines.size(first, end) <= max_chars:
                out[above] = (first, end, lines.text(first, end), kind, symbol)
                del by_end[above_row]
                by_end[end] = above
                continue
        for first, last, text in split_range(lines, start, end, None, max_chars):
            out.append((first, last, text, own_kind, own_symbol))
            by_end[last] = len(out) - 1
