"""Reading one file's tags-query matches into FileSymbols: definitions nested into qualified symbols,
signatures cut at the body, docs from docstrings or the comment block above, imports assembled from
their captures, references filtered. Pure; the capture names are documented in `symbols.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from codeassist.indexer.languages import LanguageInfo
from codeassist.indexer.symbol_model import Definition, FileSymbols, Import

# Kinds that qualify the names defined inside them.
_SCOPES = frozenset({"class", "interface", "enum", "struct", "trait", "module", "impl", "function", "method",
                     "type"})
# When two patterns capture the same name, the more specific kind wins (a `const f = () => …` is a
# function, not a variable; a Go struct type is a struct, not a type).
_GENERIC_KINDS = {"variable": 0, "constant": 0, "type": 1}
# Children that hold a definition's body: the signature is everything before it.
_BODY_TYPES = frozenset({
    "block", "body", "class_body", "declaration_list", "compound_statement", "field_declaration_list",
    "statement_block", "function_body", "enum_body", "interface_body", "template_body", "enum_class_body",
    "protocol_body", "enumerator_list", "body_statement", "object_type",
    "do_group", "brace_group", "annotation_type_body", "enum_member_declaration_list", "trait_body",
})
MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_CHARS = 600
MAX_DOC_CHARS = 600
MAX_DOC_LINES = 40
_QUOTES = "\"'`<>"
_NAMESPACE_SEPARATOR = re.compile(r"::|\\")
_IDENTIFIER = re.compile(r"^[^\W\d]\w*[!?]?$")


class TagsReader:
    """Turns one file's query matches into FileSymbols."""

    def __init__(self, source: bytes, info: LanguageInfo, path: str) -> None:
        self.source = source
        self.info = info
        self.path = path
        self._lines: list[bytes] | None = None

    def text(self, node: Any) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    @property
    def lines(self) -> list[bytes]:
        if self._lines is None:
            self._lines = self.source.split(b"\n")
        return self._lines

    def read(self, matches: list[tuple[int, dict[str, list[Any]]]], has_error: bool) -> FileSymbols:
        found: dict[int, tuple[str, Any, Any, Any]] = {}  # name node id -> (kind, node, name, scope)
        docs: dict[int, Any] = {}
        imports: dict[tuple[int, str, str], Import] = {}
        refs: list[Any] = []
        assembled: dict[int, _Assembled] = {}
        for _pattern, captures in matches:
            if len(captures) == 1:  # most matches are one reference: the fast path
                capture, nodes = next(iter(captures.items()))
                if capture.startswith("name.reference."):
                    refs.extend(nodes)
                    continue
            for capture, nodes in captures.items():
                if capture.startswith("definition."):
                    names = captures.get("name." + capture)
                    if not names:
                        continue
                    kind = capture[len("definition."):]
                    name = names[0]
                    scope = captures.get("scope")
                    known = found.get(name.id)
                    if known is None or _GENERIC_KINDS.get(known[0], 9) < _GENERIC_KINDS.get(kind, 9):
                        found[name.id] = (kind, nodes[0], name, scope[0] if scope else None)
                elif capture == "doc.of":
                    doc = captures.get("doc")
                    if doc:
                        docs.setdefault(nodes[0].id, doc[0])
                elif capture == "import":
                    self._import(nodes[0], captures, imports)
                elif capture == "import.of":
                    self._import_part(nodes[0], captures, assembled)
                elif capture.startswith("name.reference."):
                    refs.extend(nodes)
        for parts in assembled.values():
            parts.finish(self.path, imports)
        definitions = self._definitions(found, docs)
        defined = set(found)
        source = self.source
        spans = {(n.start_byte, n.end_byte, n.start_point.row) for n in refs if n.id not in defined}
        texts = {(source[a:b], row) for a, b, row in spans}
        references = sorted({(t, row + 1) for raw, row in texts
                             if _IDENTIFIER.match(t := raw.decode("utf-8", errors="replace"))},
                            key=lambda pair: (pair[1], pair[0]))
        # `import d, {a} from "m"` also matched the bare `import "m"` pattern: keep the named ones;
        # `import a.b.*` also matched the `import a.b.C` pattern: keep the star.
        named = {(i.line, i.module) for i in imports.values() if i.name or i.alias}
        stars = {(i.line, i.module) for i in imports.values() if i.name == "*"}
        kept = [i for i in imports.values() if (i.name or i.alias or (i.line, i.module) not in named)
                and (i.name == "*" or not any((i.line, i.module + sep + i.name) in stars for sep in _SEPARATORS))]
        return FileSymbols(definitions, sorted(kept, key=lambda i: (i.line, i.module, i.name)), references, has_error)

    # -- definitions ---------------------------------------------------------------------------
    def _definitions(self, found: dict[int, tuple[str, Any, Any, Any]], docs: dict[int, Any]) -> list[Definition]:
        items = sorted(found.values(), key=lambda item: (item[1].start_byte, -item[1].end_byte))
        out: list[Definition] = []
        open_: list[tuple[int, str, str]] = []  # (end byte, symbol, kind) of the enclosing scopes
        for kind, node, name_node, scope in items:
            while open_ and open_[-1][0] <= node.start_byte:
                open_.pop()
            name = _clean_name(self.text(name_node))
            if not name:
                continue
            if kind == "module":  # `namespace App\Mail`, `namespace a::b`: symbols use "." throughout
                name = _NAMESPACE_SEPARATOR.sub(".", name)
            owner = open_[-1][1] if open_ else ""
            if scope is not None:
                scope_name = _clean_name(self.text(scope))
                owner = f"{owner}.{scope_name}" if owner else scope_name
                if kind == "function":
                    kind = "method"
            elif kind == "function" and open_ and open_[-1][2] in ("class", "interface", "struct", "trait",
                                                                    "enum", "impl", "type"):
                kind = "method"
            symbol = f"{owner}.{name}" if owner else name
            if kind in _SCOPES:
                open_.append((node.end_byte, symbol, kind))
            if kind == "impl":
                continue
            if kind == "variable" and name.isupper():
                kind = "constant"
            start, end = node.start_point.row + 1, max(node.start_point.row + 1, node.end_point.row + 1)
            if node.end_point.column == 0 and end > start:
                end -= 1
            doc_node = docs.get(node.id)
            doc = _docstring(self.text(doc_node)) if doc_node is not None else self._comment_above(node)
            out.append(Definition(name, kind, symbol, self.path, start, end, self._signature(node), doc,
                                  self.info.name))
        return out

    def _signature(self, node: Any) -> str:
        body = node.child_by_field_name("body")
        if body is None:
            for child in node.named_children:
                if child.type in _BODY_TYPES:
                    body = child
                    break
        end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
        # From the start of the line: keywords before the node belong to the header (`export`, Go `type`).
        text = self.source[node.start_byte - node.start_point.column : end].decode("utf-8", errors="replace").rstrip()
        lines = text.split("\n")
        if body is None and len(lines) > 3:
            lines = lines[:1]
        comment = self.info.line_comment + ((self.info.block_comment[0],) if self.info.block_comment else ())
        while len(lines) > 1 and comment and lines[-1].strip().startswith(comment):
            lines.pop()  # a comment between the header and the body (Ruby) is not part of the header
        text = "\n".join(lines[:MAX_SIGNATURE_LINES]).strip()
        return text[:MAX_SIGNATURE_CHARS]

    def _comment_above(self, node: Any) -> str:
        """The comment block on the lines right above a definition (decorators/attributes skipped)."""
        info = self.info
        row = node.start_point.row - 1
        lines = self.lines
        collected: list[str] = []
        block = info.block_comment
        while row >= 0 and len(collected) < MAX_DOC_LINES:
            text = lines[row].decode("utf-8", errors="replace").strip()
            if not text:
                break
            if info.line_comment and text.startswith(info.line_comment):
                collected.append(text)
            elif block and text.endswith(block[1]):
                part = [text]
                while not part[-1].startswith(block[0]) and row > 0 and len(part) < MAX_DOC_LINES:
                    row -= 1
                    part.append(lines[row].decode("utf-8", errors="replace").strip())
                if not part[-1].startswith(block[0]):
                    break
                collected.extend(part)
            elif not collected and (text.startswith("@") or text.startswith("#[") or text.startswith("[")):
                pass  # a decorator / attribute / annotation between the comment and the definition
            else:
                break
            row -= 1
        if not collected:
            return ""
        return _first_paragraph([_strip_comment(line) for line in reversed(collected)])

    # -- imports -------------------------------------------------------------------------------
    def _import_part(self, node: Any, captures: dict[str, list[Any]], out: dict[int, _Assembled]) -> None:
        """One piece of an import assembled from several matches (`@import.of`: Scala's path parts)."""
        parts = out.setdefault(node.id, _Assembled(node.start_point.row + 1))
        for capture, nodes in captures.items():
            if capture == "import.part":
                parts.parts.update({n.start_byte: self.text(n) for n in nodes})
            elif capture == "import.star":
                parts.star = True
        if captures.get("import.name"):
            alias = captures.get("import.alias")
            parts.names.append((self.text(captures["import.name"][0]), self.text(alias[0]) if alias else ""))

    def _import(self, node: Any, captures: dict[str, list[Any]], out: dict[tuple[int, str, str], Import]) -> None:
        def first(key: str) -> str:  # a quantified capture (Scala's `a.b.C` parts) reads as one span
            nodes = captures.get(key)
            if not nodes:
                return ""
            return self.source[nodes[0].start_byte : nodes[-1].end_byte].decode("utf-8", errors="replace").strip()

        module = _unquote(first("import.module"))
        name, alias = first("import.name"), first("import.alias")
        full = first("import.path")
        if full:
            head, sep, tail = _split_last(full)
            module = f"{module}{sep}{head}" if module and head else (module or head)
            name = name or tail
        if captures.get("import.default"):
            name, alias = "default", first("import.default")
        if captures.get("import.star"):
            name = "*"
        if not module and not name:
            return
        line = node.start_point.row + 1
        key = (line, module, name)
        known = out.get(key)
        if known is None or (alias and not known.alias):
            out[key] = Import(self.path, line, module, name, alias)


_SEPARATORS = ("::", "\\", ".")


@dataclass(slots=True)
class _Assembled:
    line: int
    parts: dict[int, str] = field(default_factory=dict)
    names: list[tuple[str, str]] = field(default_factory=list)
    star: bool = False

    def finish(self, path: str, out: dict[tuple[int, str, str], Import]) -> None:
        parts = [self.parts[at] for at in sorted(self.parts)]
        if not parts:
            return
        module = ".".join(parts)
        if self.star:
            out[(self.line, module, "*")] = Import(path, self.line, module, "*", "")
        for name, alias in self.names:
            out[(self.line, module, name)] = Import(path, self.line, module, name, alias)
        if not self.star and not self.names:
            head, tail = ".".join(parts[:-1]), parts[-1]
            out[(self.line, head, tail)] = Import(path, self.line, head, tail, "")


def _split_last(path: str) -> tuple[str, str, str]:
    for sep in _SEPARATORS:
        if sep in path:
            head, _, tail = path.rpartition(sep)
            return head, sep, tail
    return "", "", path


def _unquote(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1]
    return text


def _clean_name(text: str) -> str:
    return " ".join(text.split())[:200]


_DOC_PREFIX = re.compile(r"^[rRbBuUfF]*('''|\"\"\"|'|\")")


def _docstring(text: str) -> str:
    match = _DOC_PREFIX.match(text)
    if match:
        quote = match.group(1)
        text = text[match.end():]
        if text.endswith(quote):
            text = text[: -len(quote)]
    return _first_paragraph(text.split("\n"))


_COMMENT_MARK = re.compile(r"^(///?!?|/\*\*?|\*/|\*|#+!?|--\[\[|--+|\]\])\s?")


def _strip_comment(line: str) -> str:
    line = _COMMENT_MARK.sub("", line.strip(), count=1)
    if line.endswith("*/"):
        line = line[:-2]
    if line.endswith("]]"):
        line = line[:-2]
    return line.strip()


_DOC_TAGS = re.compile(r"</?(summary|remarks|para|p)\s*/?>", re.IGNORECASE)


def _first_paragraph(lines: list[str]) -> str:
    out: list[str] = []
    for raw in lines:
        line = _DOC_TAGS.sub("", raw).strip()
        if not line:
            if out:
                break
            continue
        if line.startswith("@") and out:  # JSDoc / Javadoc tags end the description
            break
        out.append(line)
    return " ".join(out)[:MAX_DOC_CHARS]
