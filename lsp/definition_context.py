"""Definitions of the names that matter at the cursor, as prompt snippets: what the user is calling.

    buffer -> extract_symbols (imports, local definitions; cached per buffer) -> wanted names
           (lsp/cursor_symbols.py) -> index.definitions(name, from_path, imports) -> snippets

The best `FULL_DEFINITIONS` are rendered as signature + doc + the first lines of the body (the whole body
when it is short); the rest as their signature only, which is cheap and still tells the model the name,
the parameters and the return type. Bounded work: at most `MAX_LOOKUPS` indexed lookups per request, one
parse per buffer version. Any failure (no symbol graph yet, an index being rebuilt) gives no snippets.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from codeassist.lsp.cursor_context import CursorContext
from codeassist.lsp.cursor_symbols import import_bindings, wanted_names
from codeassist.lsp.fim import Snippet, comment_prefix

log = logging.getLogger(__name__)

MAX_LOOKUPS = 16
MAX_IMPORT_LINES = 400
LOCAL_WINDOW_LINES = 200
# A line that starts an import statement in one of the languages with imports worth resolving
# (Python, JS/TS, Go, Rust, Java/Kotlin/Scala/C#, C/C++, Ruby, PHP, Lua).
IMPORT_STARTS = ("from", "import", "export", "use", "pub", "mod", "using", "package", "#", "require", "const",
                 "let", "var", "local")
IMPORT_LINE_RE = re.compile(r"(?:from\s+[\w.]+\s+import\b|import\b|export\s+(?:type\s+)?(?:\*|\{)[^;\n]*?from\b|"
                            r"export\s*\{|(?:pub\s+)?use\s|(?:pub\s+)?mod\s+\w+\s*;|using\s|package\s|#\s*include\b|"
                            r"require(?:_relative)?\b|(?:const|let|var|local)\s+[^=\n]*=\s*require\b)")
# Names the buffer defines, found without a parse (the parse may cover only part of a long buffer).
LOCAL_DEFINITION_RE = re.compile(r"^[ \t]*(?:export\s+)?(?:async\s+)?(?:def|class|function|func|fn|type|interface|"
                                 r"struct|enum)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)", re.MULTILINE)
MAX_DEFINITIONS = 8
FULL_DEFINITIONS = 3
SMALL_BODY_LINES = 12
HEAD_LINES = 8
MAX_SYMBOL_CACHE = 16
STALE_SECONDS = 2.0
EXTERNAL_CACHE_SECONDS = 30.0
LOOKUP_CACHE_SECONDS = 10.0
MAX_LOOKUP_CACHE = 1024
FILE_CACHE_SECONDS = 5.0
MAX_FILE_CACHE = 64
# Kinds whose definition tells the model nothing about how to call it.
SKIPPED_KINDS = frozenset({"module", "variable"})

_symbol_cache: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()
_lookup_cache: OrderedDict[tuple[int, str, str, int], tuple[float, Any, list[Any]]] = OrderedDict()
_external_cache: OrderedDict[tuple[int, str], tuple[float, set[str]]] = OrderedDict()
_file_cache: OrderedDict[str, tuple[float, list[str] | None]] = OrderedDict()
_lock = threading.Lock()


def import_lines(text: str) -> str:
    """The buffer's import statements (multi-line ones whole), dedented, one after the other: what
    `extract_symbols` needs for the imports, at a fraction of the cost of parsing the whole buffer."""
    lines = text.split("\n")
    kept: list[str] = []
    row = 0
    while row < len(lines) and len(kept) < MAX_IMPORT_LINES:
        line = lines[row].lstrip()
        row += 1
        if not line.startswith(IMPORT_STARTS) or not IMPORT_LINE_RE.match(line):
            continue
        kept.append(line.rstrip())  # an import inside a function: dedented, so it parses at the top
        depth = line.count("(") + line.count("{") - line.count(")") - line.count("}")
        while depth > 0 and row < len(lines) and len(kept) < MAX_IMPORT_LINES:
            line = lines[row].strip()
            row += 1
            kept.append(line)
            depth += line.count("(") + line.count("{") - line.count(")") - line.count("}")
    return "\n".join(kept)


def buffer_symbols(text: str, language: str | None, path: str) -> Any:
    """`FileSymbols` of an editor buffer's import statements (`import_lines`); None when the symbol graph
    is unavailable. Only `imports` is meant to be read: definitions come from `LOCAL_DEFINITION_RE`.

    Cached per path: the same text is never parsed twice, and while the user types, the symbols parsed
    up to `STALE_SECONDS` ago are reused (imports and definitions rarely change keystroke to keystroke,
    and a parse of a long file costs more than the whole context budget)."""
    digest = hash(text)
    now = time.monotonic()
    with _lock:
        cached = _symbol_cache.get(path)
        if cached is not None and (cached[1] == digest or now - cached[0] < STALE_SECONDS):
            _symbol_cache.move_to_end(path)
            return cached[2]
    source = import_lines(text)
    try:
        from codeassist.indexer.symbols import extract_symbols

        symbols = extract_symbols(source.encode("utf-8", "replace"), language, path)
    except Exception as err:  # noqa: BLE001 — no graph module yet, or a grammar failing on this buffer
        log.debug("symbol extraction skipped for %s: %s", path, err)
        symbols = None
    with _lock:
        _symbol_cache[path] = (now, digest, symbols)
        while len(_symbol_cache) > MAX_SYMBOL_CACHE:
            _symbol_cache.popitem(last=False)
    return symbols


def definition_snippets(
    ctx: CursorContext,
    text: str,
    *,
    index: Any,
    path: str,
    read_file: Callable[[str], str | None] | None = None,
    max_definitions: int | None = None,
) -> list[Snippet]:
    """Snippets (source "definition") for the definitions of the names at the cursor, best first.

    ctx: the cursor context of `text` (the whole buffer); index: an object with the symbol graph's
    `definitions(name, *, from_path, imports, limit)`; read_file(path) gives a workspace file's text
    (for the lines of a definition; without it only signature and doc are shown)."""
    if index is None or not hasattr(index, "definitions"):
        return []
    symbols = buffer_symbols(text, ctx.language, path)
    imports = list(symbols.imports) if symbols is not None else []
    lines = text.split("\n")
    # Only an optimisation (a lookup of a name this file defines returns this file, which is skipped):
    # searched near the cursor, where the names worth resolving are.
    window = "\n".join(lines[max(0, ctx.line - LOCAL_WINDOW_LINES):ctx.line + LOCAL_WINDOW_LINES])
    local = {m.group(1) for m in LOCAL_DEFINITION_RE.finditer(window)}
    wanted = wanted_names(lines=lines, line=ctx.line, line_prefix=ctx.line_prefix, signature=ctx.signature,
                          intent=ctx.intent, imports=imports, local_names=local, limit=MAX_LOOKUPS,
                          external=_external_names(index, path))
    bindings = import_bindings(imports)
    max_definitions = max_definitions or MAX_DEFINITIONS
    found: list[Any] = []
    seen: set[tuple[str, int]] = set()
    imports_key = hash(tuple((i.module, i.name, i.alias) for i in imports))
    for want in wanted:
        if len(found) >= max_definitions:
            break
        try:
            candidates = _lookup(index, want.name, path, imports, imports_key)
        except Exception as err:  # noqa: BLE001 — a locked or rebuilding index: complete without definitions
            log.info("definition lookup skipped: %s", err)
            return _render(found, ctx, read_file)
        head = want.name.split(".")[0]
        for definition in candidates:
            if definition.kind in SKIPPED_KINDS or definition.path == path:
                continue
            if head in bindings and want.reason != "callee" and not _plausible(bindings[head], definition.path):
                continue  # an unresolved import (stdlib, a dependency) matched a same-named repo symbol
            key = (definition.path, definition.start_line)
            if key not in seen:
                seen.add(key)
                found.append(definition)
            break
    return _render(found, ctx, read_file)


def _lookup(index: Any, name: str, path: str, imports: list[Any], imports_key: int) -> list[Any]:
    """`index.definitions` for a name seen from `path`, remembered for `LOOKUP_CACHE_SECONDS`: while the
    user types, the same names are resolved keystroke after keystroke (a re-index shows up after that)."""
    key = (id(index), path, name, imports_key)
    now = time.monotonic()
    with _lock:
        cached = _lookup_cache.get(key)
        # The entry holds its index, so an id is never reused by another index while the entry lives.
        if cached is not None and cached[1] is index and now - cached[0] < LOOKUP_CACHE_SECONDS:
            return cached[2]
    candidates = list(index.definitions(name, from_path=path, imports=imports, limit=3))
    with _lock:
        _lookup_cache[key] = (now, index, candidates)
        while len(_lookup_cache) > MAX_LOOKUP_CACHE:
            _lookup_cache.popitem(last=False)
    return candidates


def _external_names(index: Any, path: str) -> set[str]:
    """Names the saved file imports from outside the repository (its stored imports that resolve to no
    file): looking them up would waste the lookup budget or find a same-named repository symbol.
    Cached per (index, path) for `EXTERNAL_CACHE_SECONDS`: stored imports change only when a file is saved."""
    now = time.monotonic()
    key = (id(index), path)
    with _lock:
        cached = _external_cache.get(key)
        if cached is not None and now - cached[0] < EXTERNAL_CACHE_SECONDS:
            return cached[1]
    try:
        stored = index.imports(path) if hasattr(index, "imports") else []
        names = {name for name, imp in import_bindings(stored).items() if imp.resolved_path is None}
    except Exception:  # noqa: BLE001 — an index without the symbol graph: nothing known to be external
        names = set()
    with _lock:
        _external_cache[key] = (now, names)
        while len(_external_cache) > MAX_SYMBOL_CACHE:
            _external_cache.popitem(last=False)
    return names


def _plausible(imp: Any, def_path: str) -> bool:
    """Could `def_path` be where the import points? The resolved file, or a path naming the module."""
    if getattr(imp, "resolved_path", None):
        return True
    module = imp.module.strip()
    if module.startswith("."):
        return True
    parts = {p for p in re.split(r"[./:\\-]+|::", module) if p}
    path_parts = set(re.split(r"[/\\]", def_path.rsplit(".", 1)[0]))
    return bool(parts & path_parts)


def _render(definitions: list[Any], ctx: CursorContext, read_file: Callable[[str], str | None] | None
            ) -> list[Snippet]:
    snippets = []
    for rank, definition in enumerate(definitions):
        file_lines = _file_lines(definition.path, read_file) if rank < FULL_DEFINITIONS else None
        snippets.append(render_definition(definition, file_lines, ctx.language, full=rank < FULL_DEFINITIONS))
    return snippets


def render_definition(definition: Any, file_lines: list[str] | None, language: str | None, *,
                      full: bool = True) -> Snippet:
    """One definition as a snippet: the whole definition when it is at most `SMALL_BODY_LINES` lines, else
    its doc + first `HEAD_LINES` lines; signature (+ doc's first line) only when `full` is False or the file
    cannot be read."""
    start, end = definition.start_line, definition.end_line
    if full and file_lines and 0 < start <= len(file_lines):
        stop = end if end - start + 1 <= SMALL_BODY_LINES else start + HEAD_LINES - 1
        body = file_lines[start - 1:min(stop, len(file_lines))]
        text = "\n".join(body)
        if definition.doc and definition.doc.split("\n")[0].strip() not in text:
            text = _as_comment(definition.doc, language) + "\n" + text
        if stop < end:
            text += "\n" + body[-1][:len(body[-1]) - len(body[-1].lstrip())] + "..."
        return Snippet(definition.path, start, min(stop, end), text, "definition")
    text = definition.signature.strip() or definition.name
    doc = definition.doc.strip().split("\n")[0] if definition.doc else ""
    if doc:
        text = _as_comment(doc, language) + "\n" + text
    return Snippet(definition.path, start, start + definition.signature.count("\n"), text, "definition")


def _as_comment(doc: str, language: str | None) -> str:
    mark = comment_prefix(language)
    return "\n".join(f"{mark} {line.strip()}".rstrip() for line in doc.strip().split("\n")[:4])


def _file_lines(path: str, read_file: Callable[[str], str | None] | None) -> list[str] | None:
    if read_file is None:
        return None
    now = time.monotonic()
    with _lock:
        cached = _file_cache.get(path)
        if cached is not None and now - cached[0] < FILE_CACHE_SECONDS:
            _file_cache.move_to_end(path)
            return cached[1]
    try:
        text = read_file(path)
    except Exception:  # noqa: BLE001 — an unreadable file: show the signature instead
        text = None
    lines = text.split("\n") if text is not None else None
    with _lock:
        _file_cache[path] = (now, lines)
        while len(_file_cache) > MAX_FILE_CACHE:
            _file_cache.popitem(last=False)
    return lines
