"""What the text around the cursor says: budgeted prefix/suffix, the comment the user just wrote,
the enclosing function's signature and docstring, single- vs multi-line mode, and the retrieval query.

Pure: text and a position in, a `CursorContext` out. Tree-sitter finds the enclosing function when the
language has a grammar; a regex scan is the fallback (and the only path for grammar-less languages).
"""

from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass, field

from codeassist.indexer.languages import language_for_path, language_info

PREFIX_CHARS = 4000
SUFFIX_CHARS = 1500
QUERY_LINES = 15
# The file's header comment / module docstring kept at the top of a cut prefix (file-level intent).
HEADER_CHARS = 600
HEADER_SCAN_LINES = 60
LICENSE_RE = re.compile(r"copyright|licen[cs]e|spdx|all rights reserved", re.IGNORECASE)
PARSE_LINES_BEFORE = 300
PARSE_LINES_AFTER = 100
# Tree-sitter parses the whole document; above this size the regex scan is fast enough and good enough.
MAX_PARSE_CHARS = 300_000

FUNCTION_NODE_TYPES = frozenset({
    "function_definition", "function_declaration", "method_definition", "method_declaration",
    "function_item", "func_literal", "arrow_function", "function_expression", "generator_function_declaration",
    "constructor_declaration", "local_function_statement", "method", "singleton_method", "function",
})
# Languages whose comments start with "#" / "--"; everything else uses "//" and "/* */".
HASH_COMMENT = frozenset({"python", "ruby", "bash", "perl", "r", "elixir", "yaml", "toml", "makefile",
                          "dockerfile", "cmake", "terraform", "julia", "nim", "powershell"})
DASH_COMMENT = frozenset({"lua", "sql", "haskell"})
BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", " do", " then")
LINE_END_BLOCK_OPENERS = (":", "{", "=>", " do", " then")

DEF_RE = re.compile(
    r"^\s*(?:(?:export|default|public|private|protected|internal|static|async|pub(?:\([\w:]+\))?|"
    r"override|final|abstract|inline|virtual|unsafe|const|extern|suspend|open)\s+)*"
    r"(?:def|fn|func|function\*?|fun|sub|local\s+function)\s*[\w(<.]"
)
C_STYLE_DEF_RE = re.compile(
    r"^\s*(?!(?:if|for|while|switch|catch|return|else|do|try|using|lock|foreach)\b)"
    r"[\w<>\[\],.*&:?\s]+?\b\w+\s*\([^;{}]*\)\s*(?:const\s*)?(?:throws\s+[\w.,\s]+)?(?:->\s*[\w<>:,\s&*]+)?\{?\s*$"
)
# VS Code languageIds that differ from our language names.
LANGUAGE_IDS = {
    "typescriptreact": "tsx", "javascriptreact": "javascript", "shellscript": "bash", "sh": "bash",
    "c++": "cpp", "cs": "csharp", "py": "python", "golang": "go",
}


@dataclass(slots=True)
class CursorContext:
    path: str
    language: str | None
    line: int  # 0-based
    prefix: str
    suffix: str
    line_prefix: str
    line_suffix: str
    indent: str
    intent: str = ""  # the comment block just above the cursor (or on its line)
    signature: str = ""
    docstring: str = ""
    # 1-based inclusive lines of the enclosing function, to keep the cursor's own chunk out of retrieval.
    enclosing: tuple[int, int] | None = None
    multiline: bool = False
    # The cursor is at the end of a line that opens a block (`def f():|`, `if (x) {|`): the body follows.
    opens_block: bool = False
    query: str = ""
    previous_lines: list[str] = field(default_factory=list)
    # The file's header comment / module docstring, at the head of `prefix` when the prefix was cut
    # below it ("" when the prefix already starts at the top of the file, or the file has none).
    header: str = ""
    # 1-based line of the file where the cursor-side part of `prefix` (after `header`) starts.
    prefix_first_line: int = 1


def document_language(path: str, language_id: str | None = None) -> str | None:
    """Our language name from the file name, else from the client's languageId."""
    by_path = language_for_path(path)
    if by_path:
        return by_path
    if language_id:
        lid = language_id.lower()
        return LANGUAGE_IDS.get(lid, lid if language_info(lid) else None)
    return None


def extract_cursor_context(
    text: str,
    line: int,
    character: int,
    *,
    path: str = "",
    language: str | None = None,
    prefix_chars: int = PREFIX_CHARS,
    suffix_chars: int = SUFFIX_CHARS,
) -> CursorContext:
    """`character` is an index into the line as a Python string (the server converts from UTF-16)."""
    lines = text.split("\n")
    line = max(0, min(line, len(lines) - 1))
    current = lines[line].rstrip("\r")
    character = max(0, min(character, len(current)))
    line_prefix, line_suffix = current[:character], current[character:]
    before = "\n".join(lines[:line] + [line_prefix])
    after = "\n".join([line_suffix] + lines[line + 1:])
    ctx = CursorContext(
        path=path,
        language=language,
        line=line,
        prefix=_tail(before, prefix_chars),
        suffix=_head(after, suffix_chars),
        line_prefix=line_prefix,
        line_suffix=line_suffix,
        indent=current[: len(current) - len(current.lstrip())] if current.strip() else line_prefix,
        previous_lines=lines[max(0, line - QUERY_LINES):line],
    )
    ctx.intent = comment_above(lines, line, language)
    if len(before) > prefix_chars:
        header = file_header(lines, language)
        tail = _tail(before, prefix_chars - len(header) - 1 if header else prefix_chars)
        ctx.prefix_first_line = line + 1 - tail.count("\n")
        if header and ctx.prefix_first_line > header.count("\n") + 1:
            ctx.header = header
            ctx.prefix = header + "\n" + tail
        else:
            ctx.prefix = _tail(before, prefix_chars)
            ctx.prefix_first_line = line + 1 - ctx.prefix.count("\n")
    found = None
    if len(text) <= MAX_PARSE_CHARS and parser_for(language) is not None:
        found = _enclosing_with_tree_sitter(text, line, character, language)
    if found is None:  # no grammar, or code the parser could not place (an empty body being typed)
        found = _enclosing_with_regex(lines, line, language)
    if found is not None:
        ctx.signature, ctx.docstring, ctx.enclosing = found
    ctx.opens_block = bool(line_prefix.strip()) and not line_suffix.strip() and \
        line_prefix.rstrip().endswith(LINE_END_BLOCK_OPENERS)
    ctx.multiline = ctx.opens_block or is_multiline(lines, line, line_prefix, line_suffix, bool(ctx.intent))
    ctx.query = retrieval_query(ctx)
    return ctx


def retrieval_query(ctx: CursorContext) -> str:
    """Comments as intent: comment + signature + docstring when present, else the last prefix lines."""
    parts = [p for p in (ctx.intent, ctx.signature, ctx.docstring) if p.strip()]
    if parts:
        if ctx.intent and ctx.header:  # the file's purpose joins the local comment as intent
            parts.insert(0, header_summary(ctx.header))
        if ctx.line_prefix.strip():
            parts.append(ctx.line_prefix.strip())
        return "\n".join(parts)
    return "\n".join(ctx.previous_lines + [ctx.line_prefix]).strip()


# -- comments ---------------------------------------------------------------------------------------
def comment_markers(language: str | None) -> tuple[str, ...]:
    if language in HASH_COMMENT:
        return ("#",)
    if language in DASH_COMMENT:
        return ("--",)
    if language == "php":
        return ("//", "#", "/*", "*")
    return ("//", "/*", "*")


def is_comment_line(stripped: str, language: str | None) -> bool:
    if not stripped:
        return False
    if language == "python" and stripped.startswith("#!"):
        return False
    return stripped.startswith(comment_markers(language)) or stripped.endswith("*/")


def comment_above(lines: list[str], line: int, language: str | None) -> str:
    """The contiguous comment block ending just above `line` (one blank line allowed in between),
    or the trailing comment on the cursor's own line."""
    own = lines[line].strip()
    if is_comment_line(own, language):
        block = [own]
        row = line - 1
    else:
        trailing = _trailing_comment(lines[line], language)
        if trailing:
            return trailing
        block = []
        row = line - 1
        if row >= 0 and not lines[row].strip():
            row -= 1
    while row >= 0 and is_comment_line(lines[row].strip(), language):
        block.append(lines[row].strip())
        row -= 1
    return "\n".join(reversed(block))


def file_header(lines: list[str], language: str | None, max_chars: int = HEADER_CHARS) -> str:
    """The file's header comment or module docstring as written (license blocks skipped), cut to
    `max_chars` at a line boundary; "" when the file starts with code."""
    row, limit = 0, min(len(lines), HEADER_SCAN_LINES)
    while row < limit:
        stripped = lines[row].strip()
        if not stripped or stripped.startswith("#!") or re.match(r"#.*coding[:=]", stripped):
            row += 1
            continue
        block_start = row
        if language == "python" and stripped.lstrip("rRuUbB").startswith(('"""', "'''", '"', "'")):
            quote = stripped.lstrip("rRuUbB")[:3] if stripped.lstrip("rRuUbB")[:3] in ('"""', "'''") \
                else stripped.lstrip("rRuUbB")[0]
            body = stripped.lstrip("rRuUbB")[len(quote):]
            while quote not in body and row + 1 < len(lines):
                row += 1
                body = lines[row]
            block = lines[block_start:row + 1]
        elif stripped.startswith("/*"):
            while "*/" not in lines[row] and row + 1 < len(lines):
                row += 1
            block = lines[block_start:row + 1]
        elif is_comment_line(stripped, language):
            while row + 1 < len(lines) and is_comment_line(lines[row + 1].strip(), language):
                row += 1
            block = lines[block_start:row + 1]
        else:
            return ""  # code before any (non-license) comment: no header
        row += 1
        text = "\n".join(block)
        if LICENSE_RE.search(block[0]) or LICENSE_RE.search(block[-1]):
            continue  # a license block says nothing about what this file is for
        if len(text) > max_chars:
            text = text[:max_chars].rsplit("\n", 1)[0]
        return text
    return ""


def header_summary(header: str, max_chars: int = 200) -> str:
    """The header's words without comment markers or quotes (for the retrieval query)."""
    lines = (line.strip().strip("#/*-\"'").strip() for line in header.split("\n"))
    return " ".join(line for line in lines if line)[:max_chars]


def _trailing_comment(line_text: str, language: str | None) -> str:
    marker = "#" if language in HASH_COMMENT else "--" if language in DASH_COMMENT else "//"
    code = line_text.strip()
    pos = code.find(" " + marker + " ")
    if pos <= 0 or code[:pos].count('"') % 2 or code[:pos].count("'") % 2:
        return ""
    return code[pos + 1:].strip()


# -- the enclosing function ---------------------------------------------------------------------------
_parsers = threading.local()


def parser_for(language: str | None):
    """This thread's tree-sitter Parser for a language, or None when it has no (installed) grammar."""
    info = language_info(language)
    if info is None or info.grammar is None or info.name == "markdown":
        return None
    cache = getattr(_parsers, "cache", None)
    if cache is None:
        cache = _parsers.cache = {}
    if info.name not in cache:
        try:
            from tree_sitter import Language, Parser

            module_name, _, function_name = info.grammar.partition(":")
            module = importlib.import_module(module_name)
            cache[info.name] = Parser(Language(getattr(module, function_name)()))
        except Exception:  # noqa: BLE001 — a broken grammar package must not break completion
            cache[info.name] = None
    return cache[info.name]


def _enclosing_with_tree_sitter(text: str, line: int, character: int, language: str | None):
    parser = parser_for(language)
    if parser is None:
        return None
    lines = text.split("\n")
    # Parse a window around the cursor, starting at a top-level line: parsing costs time in proportion
    # to the text, and the enclosing function is near the cursor.
    first = max(0, line - PARSE_LINES_BEFORE)
    while first > 0 and (not lines[first][:1].strip() or lines[first][:1] in ")]}"):
        first -= 1
    lines = lines[first:line + PARSE_LINES_AFTER]
    line -= first
    source = "\n".join(lines).encode("utf-8")
    tree = parser.parse(source)
    cursor_line, cursor_indent = line, len(lines[line][:character])
    if not lines[line][:character].strip():
        # A blank (or indentation-only) cursor line belongs to no node: look where the code before it ends.
        row = next((r for r in range(line - 1, -1, -1) if lines[r].strip()), None)
        if row is None:
            return None
        line, character = row, len(lines[row].rstrip())
    column = len(lines[line][:character].encode("utf-8"))
    node = tree.root_node.descendant_for_point_range((line, max(0, column - 1)), (line, max(0, column - 1)))
    while node is not None and node.type not in FUNCTION_NODE_TYPES:
        node = node.parent
    if node is None:
        return None
    if cursor_line > node.end_point[0] and cursor_indent <= node.start_point[1]:
        return None  # past the end of the function, back at its indentation: outside it
    signature, docstring, (start, end) = describe_function(node, source)
    return signature, docstring, (start + first, end + first)


def describe_function(node, source: bytes) -> tuple[str, str, tuple[int, int]]:
    """(signature, docstring, (start_line, end_line) 1-based) of a tree-sitter function node."""
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else source.find(b"\n", node.start_byte)
    signature = source[node.start_byte:end if end > node.start_byte else node.end_byte].decode("utf-8", "replace")
    docstring = ""
    if body is not None and body.named_child_count and body.named_children[0].type == "expression_statement":
        first = body.named_children[0]
        if first.named_child_count and first.named_children[0].type == "string":
            docstring = first.text.decode("utf-8", "replace")
    if not docstring:
        comments = []
        sibling = node.prev_named_sibling
        row = node.start_point[0]
        while sibling is not None and "comment" in sibling.type and sibling.end_point[0] >= row - 1:
            comments.append(sibling.text.decode("utf-8", "replace"))
            row = sibling.start_point[0]
            sibling = sibling.prev_named_sibling
        docstring = "\n".join(reversed(comments))
    return signature.strip(), docstring.strip(), (node.start_point[0] + 1, node.end_point[0] + 1)


def _enclosing_with_regex(lines: list[str], line: int, language: str | None):
    cursor_indent = _indent_width(lines[line]) if lines[line].strip() else len(lines[line])
    for row in range(line, max(-1, line - 200), -1):
        text = lines[row]
        if not text.strip():
            continue
        if row < line and _indent_width(text) >= cursor_indent and language in HASH_COMMENT | {"python"}:
            continue
        if DEF_RE.match(text) or (language not in HASH_COMMENT and C_STYLE_DEF_RE.match(text)):
            signature = text.strip()
            docstring = ""
            nxt = lines[row + 1].strip() if row + 1 < len(lines) else ""
            if nxt.startswith(('"""', "'''")):
                docstring = nxt
            end = block_end(lines, row)
            return signature, docstring, (row + 1, end + 1)
    return None


def block_end(lines: list[str], start: int) -> int:
    """The last line of the block that starts at `start` (by indentation; a closing brace included)."""
    base = _indent_width(lines[start])
    end = len(lines) - 1
    for row in range(start + 1, len(lines)):
        text = lines[row]
        if text.strip() and _indent_width(text) <= base and not text.strip().startswith((")", "]")):
            end = row if text.strip().startswith("}") else row - 1
            break
    while end > start and not lines[end].strip():
        end -= 1
    return end


# -- modes ------------------------------------------------------------------------------------------
def is_multiline(lines: list[str], line: int, line_prefix: str, line_suffix: str, has_intent: bool) -> bool:
    """Multi-line after an opening block, a comment, or in an empty body; single-line mid-line."""
    if line_prefix.strip() or line_suffix.strip():
        return False
    previous = next((lines[r] for r in range(line - 1, -1, -1) if lines[r].strip()), "")
    if previous.rstrip().endswith(BLOCK_OPENERS):
        return True
    if has_intent:
        return True
    following = next((lines[r] for r in range(line + 1, len(lines)) if lines[r].strip()), "")
    # Empty body: the next code is a closer or is less indented than the cursor.
    return bool(following) and (following.strip().startswith(("}", ")", "]", "end"))
                                and _indent_width(following) < len(line_prefix))


def _indent_width(text: str) -> int:
    expanded = text.replace("\t", "    ")
    return len(expanded) - len(expanded.lstrip())


def _tail(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    cut = text[-budget:]
    newline = cut.find("\n")
    return cut[newline + 1:] if 0 <= newline < len(cut) - 1 else cut


def _head(text: str, budget: int) -> str:
    if len(text) <= budget:
        return text
    cut = text[:budget]
    newline = cut.rfind("\n")
    return cut[:newline] if newline > 0 else cut
