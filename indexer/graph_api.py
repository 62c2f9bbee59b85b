"""The symbol-graph half of the `Index` API: definitions, imports, references, outlines, fuzzy symbols.

    index.definitions("make_s3_client", from_path="app/views.py")   # through the file's imports first
    index.definitions("UserService.get_user")                       # qualified names work too
    index.outline("app/models.py"); index.symbols("usrSvc")         # fuzzy, camelCase-aware

Every call is bounded whatever the index holds: a name defined 500 times costs one indexed query of at
most `CANDIDATES` rows and a ranking of those; re-export chains are followed at most `MAX_HOPS` deep,
through at most `MAX_FOLLOWED` files, never twice through the same file (circular imports end there).
Import resolution (`resolve.py`) runs on a snapshot of the indexed paths, rebuilt after the index changed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from codeassist.indexer.fuzzy import fuzzy_score, like_pattern
from codeassist.indexer.languages import language_for_path
from codeassist.indexer.resolve import FileSet, proximity, resolve_import, resolve_module, resolve_submodule
from codeassist.indexer.symbols import Definition, Import, Reference

CANDIDATES = 300
MAX_HOPS = 3
# Files whose imports one request may follow in all, and per module (a Go package has many files).
MAX_FOLLOWED = 64
MAX_FOLLOWED_FILES = 8
FUZZY_CANDIDATES = 2000
PREFIX_CANDIDATES = 500
_QUALIFIER = re.compile(r"::|->|[.\\#]")


_RECEIVERS = frozenset({"self", "this", "cls", "super", "Self", "static", "parent"})


def split_name(name: str) -> list[str]:
    """`Class.method`, `mod::Type`, `A\\B`, `obj->m` -> their parts (empty parts dropped); a leading
    `self.` / `this.` says nothing about where the member is defined, so it is dropped."""
    parts = [p for p in _QUALIFIER.split(name.strip()) if p]
    while len(parts) > 1 and parts[0] in _RECEIVERS:
        parts = parts[1:]
    return parts


def _matches_qualifier(d: Definition, parts: Sequence[str]) -> bool:
    return _key_matches_qualifier(d.path, d.symbol, parts)


def _key_matches_qualifier(path: str, symbol: str, parts: Sequence[str]) -> bool:
    """Whether a definition fits a qualified name: its symbol ends with it, or the qualifier names its
    module (`settings.load` defined in `pkg/settings.py`)."""
    if len(parts) < 2:
        return True
    qualified = ".".join(parts)
    if symbol == qualified or symbol.endswith("." + qualified):
        return True
    owner = parts[-2]
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    return symbol == parts[-1] and (stem == owner or f"/{owner}/" in f"/{path}")


class _GraphCache:
    """What resolution needs. The stored imports are dropped after any write to the index (data
    version); the path snapshot and the resolutions made on it only when the set of files changed
    (a saved file re-indexed keeps them: no rebuild on the typing path after each save)."""

    def __init__(self, version: int, files_key: tuple[int, float], paths: list[tuple[str, str]],
                 go_modules: dict[str, str]) -> None:
        self.version = version
        self.files_key = files_key
        self.files = FileSet(path for _, path in paths)
        self.files.go_modules = go_modules
        self.imports: dict[str, list[Import]] = {}
        self.resolved: dict[tuple[str, str, str], list[str]] = {}


class GraphMixin:
    """Symbol-graph methods of `Index` (which provides `_store` and `_lock`)."""

    _store: Any
    _lock: Any
    _graph: _GraphCache | None = None

    def _graph_cache(self) -> _GraphCache:
        version = self._store.data_version()
        cache = self._graph
        if cache is None or cache.version != version:
            files_key = self._store.files_key()
            if cache is None or cache.files_key != files_key:
                cache = self._graph = _GraphCache(version, files_key, self._store.indexed_paths(),
                                                  self._store.go_modules())
            else:
                cache.version = version
                cache.imports.clear()
        return cache

    def _imports_of(self, cache: _GraphCache, path: str) -> list[Import]:
        found = cache.imports.get(path)
        if found is None:
            found = cache.imports[path] = self._store.imports_of_file(path)
        return found

    def _resolve(self, cache: _GraphCache, imp: Import, submodule: bool = False) -> list[str]:
        key = (imp.path, imp.module, imp.name if submodule else "")
        found = cache.resolved.get(key)
        if found is None:
            language = language_for_path(imp.path) or ""
            if submodule:
                found = resolve_submodule(imp, language, cache.files)
            else:
                found = resolve_module(imp.module, language, imp.path, cache.files)
            cache.resolved[key] = found
        return found

    # -- public API --------------------------------------------------------------------------
    def definitions(self, name: str, *, from_path: str | None = None, imports: Sequence[Import] | None = None,
                    limit: int = 10) -> list[Definition]:
        """Definitions of `name` (bare or qualified: `Class.method`, `pkg.func`, `mod::Type`), best first.

        With `from_path`: first what the file's imports bind to that name (aliases honoured, re-exports
        followed; `imports` replaces the stored imports, e.g. parsed from an unsaved buffer), then the
        same file, the same folder/package, then every definition of the name ranked by path proximity.
        Unknown names give []. Never raises for odd names.
        """
        parts = split_name(name or "")
        if not parts or limit <= 0:
            return []
        found: dict[tuple[str, str, int, str], Definition] = {}

        def add(defs: Sequence[Definition]) -> None:
            for d in defs:
                found.setdefault((d.repo, d.path, d.start_line, d.symbol), d)

        with self._lock:
            cache = self._graph_cache()
            if from_path:
                from_path = posixpath.normpath(from_path.replace("\\", "/")).lstrip("/")
                if imports is not None:  # a buffer parsed without its path still resolves from from_path
                    stored = [i if i.path == from_path else replace(i, path=from_path) for i in imports]
                else:
                    stored = self._imports_of(cache, from_path)
                add(self._through_imports(cache, parts, stored, set()))
                folder = posixpath.dirname(from_path)
                for local in ([from_path], cache.files.dir_files(folder)):  # the file, then its folder
                    add([d for d in self._store.definitions_named_in(parts[-1], local)
                         if _matches_qualifier(d, parts)])
                if len(found) >= limit:
                    return list(found.values())[:limit]
            # Ranked on light rows (id, path, symbol); only the winners are read in full.
            origin = from_path or ""
            keys = [k for k in self._store.definition_keys_named(parts[-1], CANDIDATES)
                    if _key_matches_qualifier(k[1], k[2], parts)]
            keys.sort(key=lambda k: (-proximity(k[1], origin), k[1].count("/"), k[1], k[0]))
            add(self._store.definitions_by_id([k[0] for k in keys[: limit + len(found)]]))
        return list(found.values())[:limit]

    def _through_imports(self, cache: _GraphCache, parts: Sequence[str], imports: Sequence[Import],
                         seen: set[tuple[str, tuple[str, ...]]], hops: int = 0) -> list[Definition]:
        """Definitions the given imports bind to `parts` (head = the bound name), following re-exports."""
        if hops > MAX_HOPS:
            return []
        head, out = parts[0], []
        stars: list[Import] = []
        for imp in imports:
            if imp.name == "*":
                stars.append(imp)
                continue
            if imp.bound_name != head:
                continue
            files = self._resolve(cache, imp)
            if imp.name == "":  # the whole module is bound: `import pkg.settings as s` ... `s.load`
                if len(parts) > 1:
                    out += self._lookup(cache, parts[1:], files, seen, hops)
            elif imp.name == "default":  # `import Shape from "./shape"`
                out += self._default_export(files) if len(parts) == 1 else self._lookup(
                    cache, parts[1:], files, seen, hops)
            else:  # `from m import name as alias`
                defs = self._lookup(cache, [imp.name, *parts[1:]], files, seen, hops)
                if not defs:
                    sub = self._resolve(cache, imp, submodule=True)
                    if len(parts) > 1:  # `from pkg import mod` ... `mod.f()`
                        defs = self._lookup(cache, parts[1:], sub, seen, hops)
                    if not defs:  # `use App\Mail\Transport`: the type in its own file
                        defs = self._lookup(cache, [imp.name, *parts[1:]], sub, seen, hops)
                out += defs
        if not out:
            for imp in stars:
                out += self._lookup(cache, list(parts), self._resolve(cache, imp), seen, hops)
        return out

    def _lookup(self, cache: _GraphCache, parts: Sequence[str], files: Sequence[str],
                seen: set[tuple[str, tuple[str, ...]]], hops: int) -> list[Definition]:
        if not files or not parts:
            return []
        defs = [d for d in self._store.definitions_named_in(parts[-1], files) if _matches_qualifier(d, parts)]
        if defs:
            return defs
        out: list[Definition] = []
        for path in files[:MAX_FOLLOWED_FILES]:  # not defined there: maybe re-exported (`export {x} from`)
            key = (path, tuple(parts))
            if key in seen or len(seen) >= MAX_FOLLOWED:
                continue  # a circular import, or the budget of this request is spent
            seen.add(key)
            out += self._through_imports(cache, parts, self._imports_of(cache, path), seen, hops + 1)
        return out

    def _default_export(self, files: Sequence[str]) -> list[Definition]:
        """The definition a JS/TS default import binds: the file's exported default (first top-level one)."""
        for path in files:
            defs = [d for d in self._store.definitions_of_file(path) if "." not in d.symbol]
            if defs:
                return defs[:1]
        return []

    def imports(self, path: str) -> list[Import]:
        """What a file imports, in line order, each with the repo-relative file it resolves to (or None)."""
        with self._lock:
            cache = self._graph_cache()
            language = language_for_path(path) or ""
            out = []
            for imp in self._imports_of(cache, path):
                files = resolve_import(imp, language, cache.files)
                out.append(Import(imp.path, imp.line, imp.module, imp.name, imp.alias, files[0] if files else None))
            return out

    def references(self, name: str, *, limit: int = 100) -> list[Reference]:
        """Where an identifier is used (bare name; the last part of a qualified one), path/line order."""
        parts = split_name(name or "")
        if not parts or limit <= 0:
            return []
        with self._lock:
            rows = self._store.references_named(parts[-1], limit)
        return [Reference(*row) for row in rows]

    def chunk_references(self, chunk_id: int) -> list[str]:
        """The identifiers a chunk uses (calls, types, modules), in the order they first appear."""
        with self._lock:
            return self._store.chunk_reference_names(int(chunk_id))

    def outline(self, path: str) -> list[Definition]:
        """A file's definitions in line order (outer before inner)."""
        with self._lock:
            return self._store.definitions_of_file(path)

    def symbols(self, query: str, *, limit: int = 50, kind: str | None = None) -> list[Definition]:
        """Definitions whose name fuzzily matches `query` (`gu` finds `getUser`, `HSR`
        `HttpServerRequest`), best first. An empty query lists definitions by name."""
        if limit <= 0:
            return []
        parts = split_name(query or "")
        needle = parts[-1] if parts else ""
        with self._lock:
            # Names starting with the query (an index range: never crowded out), then any fuzzy match.
            rows = self._store.definition_names_prefixed(needle, PREFIX_CANDIDATES, kind) if needle else []
            rows += self._store.definition_names_like(like_pattern(needle), FUZZY_CANDIDATES if needle else limit,
                                                      kind)
            rows = list(dict(rows).items())
            scores: dict[str, float] = {}
            for _, name in rows:
                if name not in scores:
                    scores[name] = fuzzy_score(needle, name) if needle else 1.0
            ranked = sorted((r for r in rows if scores[r[1]] > 0),
                            key=lambda r: (-scores[r[1]], len(r[1]), r[1].lower(), r[0]))
            if len(parts) < 2:
                return self._store.definitions_by_id([r[0] for r in ranked[:limit]])
            # Qualified (`Cart.total`): keep the definitions whose symbol fits, reading a few pages.
            out: list[Definition] = []
            for start in range(0, len(ranked), 200):
                out += [d for d in self._store.definitions_by_id([r[0] for r in ranked[start : start + 200]])
                        if _matches_qualifier(d, parts)]
                if len(out) >= limit:
                    break
            return out[:limit]
