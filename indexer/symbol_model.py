"""The symbol graph's data: definitions, imports, references (frozen dataclasses with `to_json()`).
Produced by `symbols.extract_symbols`, stored by `symbol_store`, returned by the `Index` graph methods."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("function", "method", "class", "interface", "type", "enum", "struct", "trait", "module",
         "variable", "constant")


@dataclass(frozen=True, slots=True)
class Definition:
    """A definition: `name` bare, `symbol` qualified (`Class.method`), lines 1-based inclusive,
    `signature` the header lines up to the body, `doc` the first paragraph of its docstring/comment."""

    name: str
    kind: str
    symbol: str
    path: str
    start_line: int
    end_line: int
    signature: str
    doc: str
    language: str
    repo: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Import:
    """One imported binding. `module` as written; `name` "" = the whole module, "*" = star import;
    `alias` the local name bound ("" = none); `resolved_path` the repo-relative file it resolves to."""

    path: str
    line: int
    module: str
    name: str
    alias: str
    resolved_path: str | None = None

    @property
    def bound_name(self) -> str:
        """The local name this import binds ("" for a star import)."""
        if self.alias:
            return self.alias
        if self.name == "*":
            return ""
        if self.name:
            return self.name
        return re.split(r"::|[./\\:]", self.module.rstrip("/"))[-1] if self.module else ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Reference:
    """An identifier used at `path:line`, inside the chunk `chunk_id` whose symbol is `symbol`."""

    name: str
    path: str
    line: int
    symbol: str
    chunk_id: int | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class FileSymbols:
    """Everything one file defines, imports and uses. `references`: (identifier, line) pairs.
    `parse_failed`: the syntax tree had errors, so the definitions may be incomplete (the store then
    keeps the file's previous ones when they were more)."""

    definitions: list[Definition] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    references: list[tuple[str, int]] = field(default_factory=list)
    parse_failed: bool = False
