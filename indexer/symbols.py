"""Symbol extraction: bytes in, definitions / imports / references out. Pure (one parse, one query).

What a definition, an import or a reference *is* lives in the tags query of the language
(`queries/tags/<language>.scm`, package data); the capture names carry the meaning, so this module has
no per-language branches:

- `@definition.<kind>` marks a definition's node and `@name.definition.<kind>` its name
  (kind: function, method, class, interface, type, enum, struct, trait, module, variable, constant);
  `@definition.impl` is a scope only (Rust `impl Foo`: qualifies its members, is no definition itself);
- `@scope` names an owner written outside the body (Go receiver, C++ `Foo::bar`, Lua `T:m`);
- `@doc` is a docstring inside the definition captured as `@doc.of` (Python);
  otherwise the comment block right above the definition is its doc;
- `@import` is an import statement with `@import.module` (as written), `@import.name`,
  `@import.alias`, `@import.default` (a default import: name "default" bound to this alias),
  `@import.star` (a star import), or `@import.path` (a dotted path whose last part is the name);
- `@name.reference.<kind>` is an identifier used (a call, a type, a module).

Symbols are qualified paths joined by "." (`UserService.get_user`, `Server.Start`).
"""


from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from typing import Any

from codeassist.indexer.languages import QUERY_FILE, language_info, load_grammar
from codeassist.indexer.symbol_model import KINDS, Definition, FileSymbols, Import, Reference
from codeassist.indexer.tags_reader import TagsReader

__all__ = ["KINDS", "Definition", "FileSymbols", "Import", "Reference", "extract_symbols", "parse_tree", "tags_query"]

_compile_lock = threading.Lock()
_per_thread = threading.local()


@cache
def _tags_query_locked(language: str) -> Any:
    grammar = load_grammar(language)
    if grammar is None:
        return None
    from tree_sitter import Query

    name = QUERY_FILE.get(language, language)
    try:
        text = (resources.files("codeassist.indexer") / "queries" / "tags" / f"{name}.scm").read_text("utf-8")
        return Query(grammar.language, text)
    except (OSError, ValueError, SyntaxError, NameError):
        return None


def tags_query(language: str) -> Any:
    """The compiled tags query of a language (None when it has no grammar or no tags file)."""
    with _compile_lock:
        return _tags_query_locked(language)


def _tools(language: str) -> tuple[Any, Any] | None:
    tools = getattr(_per_thread, "tools", None)
    if tools is None:
        tools = _per_thread.tools = {}
    pair = tools.get(language)
    if pair is None:
        query = tags_query(language)
        grammar = load_grammar(language)
        if query is None or grammar is None:
            return None
        from tree_sitter import Parser, QueryCursor

        pair = tools[language] = (Parser(grammar.language), QueryCursor(query))
    return pair


def parse_tree(source: bytes, language: str | None) -> Any:
    """The syntax tree of a file with this thread's parser, to share between chunking and
    extraction; None when the language has no grammar or the parser fails."""
    info = language_info(language)
    tools = _tools(info.name) if info is not None and info.ast and source else None
    if tools is None:
        return None
    try:
        return tools[0].parse(source)
    except Exception:  # the callers parse again and take their own fallback
        return None


def extract_symbols(source: bytes, language: str | None, path: str = "", *, tree: Any = None) -> FileSymbols:
    """Definitions, imports and references of one file's bytes (an unsaved buffer works as well).

    Never raises on odd input: a language without a grammar gives empty results, a parser failure
    an empty result with `parse_failed` set. `tree`: an already parsed tree of `source` to reuse.
    """
    info = language_info(language)
    if info is None or not info.ast or not source:
        return FileSymbols()
    tools = _tools(info.name)
    if tools is None:
        return FileSymbols()
    parser, cursor = tools
    try:
        if tree is None:
            tree = parser.parse(source)
        matches = cursor.matches(tree.root_node)
    except Exception:  # a grammar bug or resource limit must not stop the rest
        return FileSymbols(parse_failed=True)
    return TagsReader(source, info, path).read(matches, tree.root_node.has_error)
