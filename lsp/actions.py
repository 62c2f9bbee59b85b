"""Code actions and the edits they make: "Explain this code", "Write a docstring", "Find similar code".

Owns where a docstring goes (Python: inside the body, after the signature, indented; brace languages: a
comment block above the declaration, `/** */`, `//` or `///` by language) and the workspace boundary:
every URI a client sends is checked, and anything outside the workspace root is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types

from codeassist.errors import CodeassistError
from codeassist.lsp import protocol
from codeassist.lsp.cursor_context import (
    C_STYLE_DEF_RE,
    DEF_RE,
    FUNCTION_NODE_TYPES,
    block_end,
    parser_for,
)

JSDOC_LANGUAGES = frozenset({"typescript", "tsx", "javascript", "java", "csharp", "cpp", "c", "kotlin",
                             "scala", "swift", "php"})
DECLARATION_NODE_TYPES = FUNCTION_NODE_TYPES | {
    "class_definition", "class_declaration", "interface_declaration", "struct_item", "enum_item", "trait_item",
    "impl_item", "type_declaration", "struct_specifier", "enum_declaration", "record_declaration",
    "abstract_class_declaration", "type_alias_declaration", "decorated_definition", "method_signature",
}
_PY_DEF_RE = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+\w+")


class OutsideWorkspace(CodeassistError):
    exit_code = 2

    def __init__(self, uri: str, root: Path) -> None:
        super().__init__(
            f"Refusing {uri!r}: it is outside the workspace {root}. codeassist only reads and edits files "
            "inside the folder it was started for; open that folder as the workspace."
        )


# -- the workspace boundary ---------------------------------------------------------------------------
def resolve_workspace_path(uri: str, root: Path) -> Path:
    """The file a `file://` URI names, if it lies inside `root`; raises OutsideWorkspace otherwise.
    Traversal segments (`..`, also percent-encoded) are refused outright rather than normalised."""
    if not isinstance(uri, str) or not uri:
        raise OutsideWorkspace(str(uri), root)
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        raise OutsideWorkspace(uri, root)
    raw_path = unquote(parsed.path)
    if "\x00" in raw_path or any(part == ".." for part in re.split(r"[\\/]", raw_path)):
        raise OutsideWorkspace(uri, root)
    if re.match(r"^/[A-Za-z]:", raw_path):  # file:///C:/... on Windows
        raw_path = raw_path[1:]
    path = Path(raw_path)
    try:
        resolved = path.resolve()
        base = root.resolve()
    except (OSError, RuntimeError):
        raise OutsideWorkspace(uri, root) from None
    if resolved != base and base not in resolved.parents:
        raise OutsideWorkspace(uri, root)
    return resolved


def relative_path(uri: str, root: Path) -> str:
    return resolve_workspace_path(uri, root).relative_to(root.resolve()).as_posix()


# -- code actions -------------------------------------------------------------------------------------
def code_actions(uri: str, rng: types.Range, *, can_resolve: bool) -> list[types.CodeAction]:
    """The three actions for a selection or the symbol under the cursor. Nothing runs until chosen: the
    docstring edit is computed on codeAction/resolve (or by the command, which asks the client to apply)."""
    args = [{"textDocument": {"uri": uri}, "range": _range_json(rng)}]
    explain = types.CodeAction(
        title=protocol.ACTION_EXPLAIN,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=protocol.ACTION_EXPLAIN, command=protocol.CMD_EXPLAIN, arguments=args),
    )
    docstring = types.CodeAction(title=protocol.ACTION_DOCSTRING, kind=types.CodeActionKind.RefactorRewrite)
    if can_resolve:
        docstring.data = {"action": protocol.CMD_WRITE_DOCSTRING, **args[0]}
    else:
        docstring.command = types.Command(title=protocol.ACTION_DOCSTRING, command=protocol.CMD_WRITE_DOCSTRING,
                                          arguments=args)
    similar = types.CodeAction(
        title=protocol.ACTION_SIMILAR,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=protocol.ACTION_SIMILAR, command=protocol.CMD_FIND_SIMILAR, arguments=args),
    )
    return [explain, docstring, similar]


def _range_json(rng: types.Range) -> dict:
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def similar_locations(index: Any, text: str, rel: str, start_line: int, end_line: int,
                      root: Path) -> list[types.Location]:
    """"Find similar code": index hits for the selected code, the selection itself left out."""
    if index is None or not text.strip():
        return []
    hits = index.search(text[:2000], 10, exclude_ranges=[(rel, start_line, end_line)])
    return [types.Location(uri=(root / h.path).as_uri(), range=types.Range(
        start=types.Position(line=h.start_line - 1, character=0),
        end=types.Position(line=h.end_line, character=0))) for h in hits]


# -- docstrings ---------------------------------------------------------------------------------------
def declaration_span(text: str, start: int, end: int, language: str | None) -> tuple[int, int]:
    """The lines (0-based) to show the model: the declaration at the cursor, whole, or else the selection."""
    found = find_declaration(text, start, language)
    if found is None:
        return start, end
    lines = text.split("\n")
    return found[0], min(block_end(lines, found[0]), found[0] + 200)


CURSOR_WINDOW_LINES = 30


def cursor_span(text: str, line: int, language: str | None, window: int = CURSOR_WINDOW_LINES) -> tuple[int, int]:
    """The lines (0-based, inclusive) that "the code at the cursor" means when nothing is selected: the
    enclosing declaration (at most 200 lines of it), else `window` lines either side of the cursor."""
    lines = text.split("\n")
    last = len(lines) - 1
    line = max(0, min(line, last))
    found = find_declaration(text, line, language)
    if found is not None:
        return found[0], min(block_end(lines, found[0]), found[0] + 200, last)
    return max(0, line - window), min(last, line + window)


# A huge document (a 10 MB generated file) is parsed around the cursor only: the whole file takes seconds.
PARSE_WINDOW_BEFORE = 3000
PARSE_WINDOW_AFTER = 500
# Lines around the cursor longer than this in total (a minified or generated one-line file): no parse.
PARSE_MAX_CHARS = 2_000_000


def find_declaration(text: str, line: int, language: str | None) -> tuple[int, int] | None:
    """(first line, last line of the signature), 0-based, of the declaration at or enclosing `line`.
    In a document of more than PARSE_WINDOW_BEFORE + PARSE_WINDOW_AFTER lines only the lines around
    `line` are parsed (a declaration longer than the window is not found: the caller's window applies);
    when those lines hold more than PARSE_MAX_CHARS characters nothing is parsed (None)."""
    if len(text) > PARSE_MAX_CHARS or text.count("\n", 0, 4_000_000) > PARSE_WINDOW_BEFORE + PARSE_WINDOW_AFTER:
        lines = text.split("\n")
        first = max(0, min(line, len(lines) - 1) - PARSE_WINDOW_BEFORE)
        window = "\n".join(lines[first:line + PARSE_WINDOW_AFTER])
        if len(window) > PARSE_MAX_CHARS:
            return None  # megabytes on a few lines: generated or minified, no declaration to find
        found = _find_declaration_in(window, line - first, language)
        return (found[0] + first, found[1] + first) if found is not None else None
    return _find_declaration_in(text, line, language)


def _find_declaration_in(text: str, line: int, language: str | None) -> tuple[int, int] | None:
    parser = parser_for(language)
    if parser is not None:
        source = text.encode("utf-8")
        tree = parser.parse(source)
        lines = text.split("\n")
        column = len(lines[line]) - len(lines[line].lstrip()) if line < len(lines) else 0
        node = tree.root_node.descendant_for_point_range((line, column), (line, column))
        while node is not None and node.type not in DECLARATION_NODE_TYPES:
            node = node.parent
        if node is not None:
            if node.type == "decorated_definition":
                node = node.child_by_field_name("definition") or node
            body = node.child_by_field_name("body")
            sig_end = body.start_point[0] if body is not None else node.start_point[0]
            if body is not None and language == "python":
                sig_end = _python_signature_end(lines, node.start_point[0])
            start = node.start_point[0]
            if language != "python" and node.parent is not None and node.parent.type in (
                    "export_statement", "decorated_definition"):
                start = node.parent.start_point[0]
            return start, sig_end
        return None
    return _find_declaration_regex(text.split("\n"), line, language)


def _find_declaration_regex(lines: list[str], line: int, language: str | None) -> tuple[int, int] | None:
    pattern = _PY_DEF_RE if language == "python" else None
    for row in range(min(line, len(lines) - 1), -1, -1):
        text = lines[row]
        if pattern is not None:
            if pattern.match(text):
                return (row, _python_signature_end(lines, row)) if block_end(lines, row) >= line else None
        elif DEF_RE.match(text) or C_STYLE_DEF_RE.match(text) or re.match(
                r"^\s*(?:export\s+)?(?:abstract\s+)?(?:class|interface|struct|type|enum|trait|impl)\b", text):
            return (row, row) if block_end(lines, row) >= line else None
    return None


def _python_signature_end(lines: list[str], start: int) -> int:
    """The line holding the `:` that ends a (possibly multi-line) def/class header."""
    depth = 0
    for row in range(start, len(lines)):
        code = lines[row].split("#", 1)[0]
        for char in code:
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
        if depth <= 0 and code.rstrip().endswith(":"):
            return row
    return start


def clean_docstring(text: str) -> str:
    """The model's docstring without fences, quotes or comment markers it may have added."""
    body = text.strip()
    fence = re.match(r"^```[\w+-]*\n(.*?)\n?```\s*$", body, re.S)
    if fence:
        body = fence.group(1).strip()
    for quote in ('"""', "'''"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 6:
            body = body[3:-3].strip()
    if body.startswith("/**") and body.endswith("*/"):
        body = body[3:-2]
    lines = [re.sub(r"^\s*(?:///?|\*|#)\s?", "", line).rstrip() for line in body.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def format_docstring(doc: str, language: str | None, indent: str) -> str:
    """The docstring as lines ready to insert (each ending in a newline), in the language's style."""
    lines = clean_docstring(doc).split("\n") or [""]
    if language == "python":
        if len(lines) == 1:
            return f'{indent}"""{lines[0]}"""\n'
        body = "".join(f"{indent}{line}\n" if line.strip() else "\n" for line in lines[1:])
        return f'{indent}"""{lines[0]}\n{body}{indent}"""\n'
    if language in JSDOC_LANGUAGES:
        body = "".join(f"{indent} * {line}".rstrip() + "\n" for line in lines)
        return f"{indent}/**\n{body}{indent} */\n"
    marker = "///" if language == "rust" else "#" if language in ("ruby", "bash", "elixir") else "--" \
        if language == "lua" else "//"
    return "".join(f"{indent}{marker} {line}".rstrip() + "\n" for line in lines)


def docstring_edit(text: str, line: int, language: str | None, doc: str) -> types.TextEdit:
    """Where and what to insert for the declaration at/around `line`."""
    lines = text.split("\n")
    found = find_declaration(text, line, language)
    if found is None:
        start = end = line
    else:
        start, end = found
    decl = lines[start]
    decl_indent = decl[: len(decl) - len(decl.lstrip())]
    if language == "python":
        body_indent = _python_body_indent(lines, end, decl_indent)
        where = types.Position(line=end + 1, character=0)
        new_text = format_docstring(doc, language, body_indent)
        if end + 1 >= len(lines):  # header on the last line without a trailing newline
            where = types.Position(line=end, character=len(lines[end]))
            new_text = "\n" + new_text.rstrip("\n")
        return types.TextEdit(range=types.Range(start=where, end=where), new_text=new_text)
    # Brace languages: above the declaration (and above its decorators/annotations).
    row = start
    while row > 0 and lines[row - 1].strip().startswith("@"):
        row -= 1
    where = types.Position(line=row, character=0)
    return types.TextEdit(range=types.Range(start=where, end=where),
                          new_text=format_docstring(doc, language, decl_indent))


def _python_body_indent(lines: list[str], sig_end: int, decl_indent: str) -> str:
    for row in range(sig_end + 1, len(lines)):
        text = lines[row]
        if text.strip():
            indent = text[: len(text) - len(text.lstrip())]
            if len(indent) > len(decl_indent):
                return indent
            break
    unit = "\t" if decl_indent.startswith("\t") else "    "
    return decl_indent + unit


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits (positions as Python string indices) the way a client would; for tests and previews."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(pos: types.Position) -> int:
        if pos.line >= len(lines):
            return len(text)
        return offsets[pos.line] + min(pos.character, len(lines[pos.line]))

    result = text
    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        result = result[: offset(edit.range.start)] + edit.new_text + result[offset(edit.range.end):]
    return result
