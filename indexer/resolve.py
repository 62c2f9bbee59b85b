"""Import resolution: which indexed files an import statement refers to, per language family.

Best effort and pure: the only input is the set of indexed paths (`FileSet`), no file is read.
What each family resolves (documented in the README as well):

- Python: absolute modules from the repository root, `src/` and the importing file's ancestor folders
  (`a.b` -> `a/b.py`, `a/b/__init__.py`, `.pyi`); relative imports (`.`, `..x`); a name imported from a
  package may be a submodule (`from a import b` -> `a/b.py`).
- JavaScript / TypeScript: relative paths with the extension added (`.ts .tsx .js .jsx .mjs .cjs .d.ts`)
  or `index.*` of a folder, `.js` written for a `.ts` file; `@/x` and `~/x` as `src/x`.
- Go: through the repository's `go.mod` files (module path + folder), else the package folder whose path
  is the longest suffix of the import path (all its non-test `.go` files).
- Rust: `crate::`, `super::`, `self::` and `mod x;` to `x.rs` / `x/mod.rs` from the crate root (the folder
  of `lib.rs`/`main.rs`) or the current module's folder; the longest prefix that is a file wins.
- Java, Kotlin, Scala, C#: package/namespace path plus type name (`a.b.C` -> `…/a/b/C.java`), else the
  folder of the package (star imports, Kotlin top-level functions, C# `using A.B;`), else the type's file.
- C / C++: `#include "x/y.h"` next to the including file, else any file ending with that path.
- Ruby: `require_relative` next to the file; `require "a/b"` -> any `…/a/b.rb`.
- PHP: `use A\\B\\C` -> the file ending with the longest suffix of `A/B/C.php` (PSR-4 style);
  `require`/`include` of a path next to the file or by suffix.
- Lua: `require "a.b"` -> `…/a/b.lua` or `…/a/b/init.lua`. Bash: `source x.sh` next to the file or by suffix.
- Swift and anything else: nothing (the caller falls back to a global name lookup).

Several candidates are ranked by path proximity to the importing file.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

from codeassist.indexer.symbols import Import

_JS_EXTS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JVM_EXTS = {"java": (".java",), "kotlin": (".kt", ".kts"), "scala": (".scala",), "csharp": (".cs",)}
MAX_PACKAGE_FILES = 200


class FileSet:
    """The indexed paths (POSIX, repo-relative), with the lookups resolution needs."""

    def __init__(self, paths: Iterable[str], go_modules: dict[str, str] | None = None) -> None:
        self.paths = set(paths)
        # Go module path -> folder of its go.mod (`github.com/gin-gonic/gin` -> "").
        self.go_modules = go_modules or {}
        self.by_dir: dict[str, list[str]] = defaultdict(list)
        self.by_base: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.paths):
            head, _, base = path.rpartition("/")
            self.by_dir[head].append(path)
            self.by_base[base].append(path)

    def __contains__(self, path: str) -> bool:
        return path in self.paths

    def dir_files(self, folder: str, exts: tuple[str, ...] = ()) -> list[str]:
        files = self.by_dir.get(folder.strip("/"), [])
        return [f for f in files if not exts or f.endswith(exts)][:MAX_PACKAGE_FILES]

    def ending_with(self, suffix: str) -> list[str]:
        """Paths equal to `suffix` or ending with `/suffix`."""
        base = suffix.rpartition("/")[2]
        return [p for p in self.by_base.get(base, ()) if p == suffix or p.endswith("/" + suffix)]

    def dirs_ending_with(self, suffix: str) -> list[str]:
        suffix = suffix.strip("/")
        return [d for d in self.by_dir if d == suffix or d.endswith("/" + suffix)]


def proximity(a: str, b: str) -> int:
    """How many leading folders two paths share (higher = nearer)."""
    shared = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1], strict=False):
        if x != y:
            break
        shared += 1
    return shared


def _nearest(paths: Iterable[str], from_path: str) -> list[str]:
    return sorted(dict.fromkeys(paths), key=lambda p: (-proximity(p, from_path), len(p), p))


def _first_existing(files: FileSet, candidates: Iterable[str]) -> list[str]:
    for candidate in candidates:
        candidate = posixpath.normpath(candidate).lstrip("/") if candidate else candidate
        if candidate and not candidate.startswith("..") and candidate in files:
            return [candidate]
    return []


def resolve_module(module: str, language: str, from_path: str, files: FileSet) -> list[str]:
    """Indexed files the module of an import refers to, best first ([] when it is outside the index)."""
    if not module:
        return []
    resolver = _RESOLVERS.get(language)
    try:
        return resolver(module, from_path, files) if resolver else []
    except (ValueError, IndexError):
        return []


def resolve_import(imp: Import, language: str, files: FileSet) -> list[str]:
    """Files of an import's module; for `from pkg import sub` where `sub` is a module, that file."""
    found = resolve_module(imp.module, language, imp.path, files)
    if not found and imp.name and imp.name not in ("*", "default"):
        found = resolve_submodule(imp, language, files)
    return found


def resolve_submodule(imp: Import, language: str, files: FileSet) -> list[str]:
    """The module `module.name` (Python `from a import b` with `a/b.py`, Java `a.b.C`), if indexed."""
    sep = "::" if language == "rust" else ("\\" if language == "php" else ".")
    if language in ("javascript", "typescript", "tsx", "go", "c", "cpp", "ruby", "bash"):
        return []
    joined = f"{imp.module}{sep}{imp.name}" if imp.module and not imp.module.endswith(".") else imp.module + imp.name
    return resolve_module(joined, language, imp.path, files)


def _python(module: str, from_path: str, files: FileSet) -> list[str]:
    dots = len(module) - len(module.lstrip("."))
    rest = module[dots:].replace(".", "/")
    if dots:
        base = posixpath.dirname(from_path)
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        roots = [base]
    else:
        folder = posixpath.dirname(from_path)
        ancestors = []
        while folder:
            ancestors.append(folder)
            folder = posixpath.dirname(folder)
        roots = ["", "src", *reversed(ancestors)]
    for root in roots:
        stem = posixpath.join(root, rest) if rest else root
        found = _first_existing(files, (stem + ".py", stem + "/__init__.py", stem + ".pyi", stem + "/__init__.pyi"))
        if found:
            return found
    return []


def _javascript(module: str, from_path: str, files: FileSet) -> list[str]:
    if module.startswith(("@/", "~/")):
        stem = "src/" + module[2:]
    elif module.startswith("."):
        stem = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), module))
    elif module.startswith("/"):
        stem = module.lstrip("/")
    else:
        return []  # a package from node_modules
    stems = [stem]
    if stem.endswith((".js", ".jsx", ".mjs", ".cjs")):  # TypeScript ESM writes `./x.js` for `./x.ts`
        stems.append(stem.rsplit(".", 1)[0])
    candidates = []
    for s in stems:
        candidates += [s, *(s + ext for ext in _JS_EXTS), *(s + "/index" + ext for ext in _JS_EXTS)]
    return _first_existing(files, candidates)


def _go(module: str, from_path: str, files: FileSet) -> list[str]:
    for prefix in sorted(files.go_modules, key=len, reverse=True):  # a module of this repository: exact
        if module == prefix or module.startswith(prefix + "/"):
            folder = posixpath.join(files.go_modules[prefix], module[len(prefix):].strip("/")).strip("/")
            found = [f for f in files.dir_files(folder, (".go",)) if not f.endswith("_test.go")]
            if found:
                return found
    parts = module.strip("/").split("/")
    for start in range(len(parts)):
        suffix = "/".join(parts[start:])
        folders = _nearest(files.dirs_ending_with(suffix), from_path)
        for folder in folders:
            found = [f for f in files.dir_files(folder, (".go",)) if not f.endswith("_test.go")]
            if found:
                return found
    return []


def _rust(module: str, from_path: str, files: FileSet) -> list[str]:
    parts = [p for p in module.split("::") if p]
    if not parts:
        return []
    folder = posixpath.dirname(from_path)
    stem = posixpath.basename(from_path).rsplit(".", 1)[0]
    module_dir = folder if stem in ("mod", "lib", "main") else posixpath.join(folder, stem)
    if parts[0] == "crate":
        base, parts = _crate_root(from_path, files), parts[1:]
    elif parts[0] in ("self", "super"):
        base = module_dir
        while parts and parts[0] in ("self", "super"):
            if parts[0] == "super":
                base = posixpath.dirname(base)
            parts = parts[1:]
    else:  # `mod x;` / `use x::…` of a sibling module (or an external crate: nothing found)
        for base in (module_dir, _crate_root(from_path, files)):
            found = _rust_path(base, parts, files)
            if found:
                return found
        return []
    return _rust_path(base, parts, files)


def _rust_path(base: str, parts: list[str], files: FileSet) -> list[str]:
    for end in range(len(parts), 0, -1):  # the longest prefix that is a module file; the rest are items
        stem = posixpath.join(base, *parts[:end])
        found = _first_existing(files, (stem + ".rs", stem + "/mod.rs"))
        if found:
            return found
    return _first_existing(files, (base + ".rs", base + "/mod.rs", base + "/lib.rs", base + "/main.rs"))


def _crate_root(from_path: str, files: FileSet) -> str:
    folder = posixpath.dirname(from_path)
    while True:
        if f"{folder}/lib.rs".lstrip("/") in files or f"{folder}/main.rs".lstrip("/") in files:
            return folder
        if not folder:
            return "src" if "src/lib.rs" in files or "src/main.rs" in files else ""
        folder = posixpath.dirname(folder)


def _jvm(exts: tuple[str, ...]):
    def resolve(module: str, from_path: str, files: FileSet) -> list[str]:
        path = module.rstrip(".*").replace(".", "/")
        for ext in exts:  # a type: a/b/C.java
            found = _nearest(files.ending_with(path + ext), from_path)
            if found:
                return found[:1]
        folders = _nearest(files.dirs_ending_with(path), from_path)  # a package
        for folder in folders:
            found = files.dir_files(folder, exts)
            if found:
                return found
        return []

    return resolve


def _c(module: str, from_path: str, files: FileSet) -> list[str]:
    module = module.strip()
    found = _first_existing(files, (posixpath.join(posixpath.dirname(from_path), module),))
    return found or _nearest(files.ending_with(posixpath.normpath(module).lstrip("./")), from_path)[:1]


def _relative_or_suffix(exts: tuple[str, ...], dots_are_folders: bool = False):
    def resolve(module: str, from_path: str, files: FileSet) -> list[str]:
        path = module.replace(".", "/") if dots_are_folders and "/" not in module else module
        path = path.replace("\\", "/")
        stems = [path] if path.endswith(exts) else [path + ext for ext in exts] + [path]
        here = posixpath.dirname(from_path)
        found = _first_existing(files, (posixpath.join(here, s) for s in stems))
        if found:
            return found
        for s in stems:
            found = _nearest(files.ending_with(posixpath.normpath(s).lstrip("./")), from_path)
            if found:
                return found[:1]
        return []

    return resolve


def _php(module: str, from_path: str, files: FileSet) -> list[str]:
    if "\\" not in module and ("/" in module or module.endswith(".php")):
        return _relative_or_suffix((".php",))(module, from_path, files)
    parts = [p for p in module.split("\\") if p]
    for start in range(len(parts)):
        found = _nearest(files.ending_with("/".join(parts[start:]) + ".php"), from_path)
        if found:
            return found[:1]
    return []


_RESOLVERS = {
    "python": _python,
    "javascript": _javascript,
    "typescript": _javascript,
    "tsx": _javascript,
    "go": _go,
    "rust": _rust,
    "java": _jvm(_JVM_EXTS["java"]),
    "kotlin": _jvm(_JVM_EXTS["kotlin"]),
    "scala": _jvm(_JVM_EXTS["scala"]),
    "csharp": _jvm(_JVM_EXTS["csharp"]),
    "c": _c,
    "cpp": _c,
    "ruby": _relative_or_suffix((".rb",)),
    "php": _php,
    "lua": _relative_or_suffix((".lua", "/init.lua"), dots_are_folders=True),
    "bash": _relative_or_suffix((".sh", ".bash")),
}
