"""The symbol graph's tables: writing a file's definitions / imports / references, and the indexed
queries the `Index` graph methods are built on. A mixin of `Store` (same connection, same transaction:
a file's chunks and its symbols change together or not at all).

Tables (see `store_schema.py`): definitions, imports, symbol_refs (identifier id, line, chunk),
symbol_names (the interned identifiers) and symbol_files (which extraction version produced a file's rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codeassist.indexer.symbols import Definition, FileSymbols, Import

# Bump when the extraction (queries, rules) changes: every file is then re-extracted on the next run.
SYMBOLS_VERSION = "1"

_DEF_COLUMNS = ("d.name, d.kind, d.symbol, f.path, d.start_line, d.end_line, d.signature, d.doc,"
                " coalesce(f.language, ''), f.repo")


def definition_from_row(row: Sequence[Any]) -> Definition:
    return Definition(*row)


class SymbolStoreMixin:
    """Symbol-graph methods of `Store` (which provides `db` and `transaction`)."""

    db: Any

    # -- writing -----------------------------------------------------------------------------
    def replace_symbols(self, path: str, symbols: FileSymbols, chunk_spans: Sequence[tuple[int, int, int]],
                        repo: str = "") -> None:
        """Swap in a file's symbols. `chunk_spans`: (chunk id, start line, end line) of its chunks, to
        say which chunk uses each reference. A file whose parse failed keeps its previous definitions
        and imports when the new extraction found fewer (references are always refreshed)."""
        row = self.db.execute("SELECT id FROM files WHERE repo = ? AND path = ?", (repo, path)).fetchone()
        if row is None:
            return
        file_id = row[0]
        keep_old = False
        if symbols.parse_failed:
            before = self.db.execute("SELECT count(*) FROM definitions WHERE file_id = ?", (file_id,)).fetchone()[0]
            keep_old = before > len(symbols.definitions)
        if not keep_old:
            self.db.execute("DELETE FROM definitions WHERE file_id = ?", (file_id,))
            self.db.execute("DELETE FROM imports WHERE file_id = ?", (file_id,))
            self.db.executemany(
                "INSERT INTO definitions(file_id, name, kind, symbol, start_line, end_line, signature, doc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(file_id, d.name, d.kind, d.symbol, d.start_line, d.end_line, d.signature, d.doc)
                 for d in symbols.definitions],
            )
            self.db.executemany(
                "INSERT INTO imports(file_id, line, module, name, alias) VALUES (?, ?, ?, ?, ?)",
                [(file_id, i.line, i.module, i.name, i.alias) for i in symbols.imports],
            )
        self.db.execute("DELETE FROM symbol_refs WHERE file_id = ?", (file_id,))
        refs = _refs_by_chunk(symbols.references, chunk_spans)
        # Identifiers are interned (symbol_names): a reference row is four integers.
        self.db.executemany("INSERT OR IGNORE INTO symbol_names(name) VALUES (?)",
                            [(name,) for name in dict.fromkeys(ref[1] for ref in refs)])
        self.db.executemany(
            "INSERT INTO symbol_refs(file_id, chunk_id, name_id, line)"
            " SELECT ?, ?, id, ? FROM symbol_names WHERE name = ?",
            [(file_id, chunk_id, line, name) for chunk_id, name, line in refs])
        self.db.execute("INSERT OR REPLACE INTO symbol_files(file_id, version) VALUES (?, ?)",
                        (file_id, SYMBOLS_VERSION))

    def symbol_stale_paths(self, repo: str = "") -> set[str]:
        """Paths of one repository whose symbols are missing or from an older extraction version."""
        rows = self.db.execute(
            "SELECT f.path FROM files f LEFT JOIN symbol_files s ON s.file_id = f.id"
            " WHERE f.repo = ? AND (s.version IS NULL OR s.version != ?)", (repo, SYMBOLS_VERSION))
        return {r[0] for r in rows}

    def chunk_spans(self, path: str, repo: str = "") -> list[tuple[int, int, int]]:
        return self.db.execute(
            "SELECT c.id, c.start_line, c.end_line FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE f.repo = ? AND f.path = ? ORDER BY c.start_line, c.id", (repo, path)).fetchall()

    # -- reading -----------------------------------------------------------------------------
    def definitions_named(self, name: str, limit: int) -> list[Definition]:
        """Definitions with this bare name (any file), at most `limit` (one indexed range scan)."""
        rows = self.db.execute(
            f"SELECT {_DEF_COLUMNS} FROM definitions d JOIN files f ON f.id = d.file_id WHERE d.name = ?"
            " LIMIT ?", (name, limit))
        return [Definition(*r) for r in rows]

    def definition_keys_named(self, name: str, limit: int) -> list[tuple[int, str, str, str]]:
        """(definition id, path, symbol, repo) of definitions with this bare name, at most `limit`: the
        light rows a ranking needs (signatures and docs are fetched for the winners only)."""
        return self.db.execute(
            "SELECT d.id, f.path, d.symbol, f.repo FROM definitions d JOIN files f ON f.id = d.file_id"
            " WHERE d.name = ? LIMIT ?", (name, limit)).fetchall()

    def definitions_by_id(self, ids: Sequence[int]) -> list[Definition]:
        """Full definitions for these ids, in the order given."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT d.id, {_DEF_COLUMNS} FROM definitions d JOIN files f ON f.id = d.file_id"
                               f" WHERE d.id IN ({marks})", list(ids))
        by_id = {row[0]: Definition(*row[1:]) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def definitions_named_in(self, name: str, paths: Sequence[str]) -> list[Definition]:
        """Definitions with this bare name in these files (any repository)."""
        out: list[Definition] = []
        paths = list(dict.fromkeys(paths))
        for start in range(0, len(paths), 200):
            part = paths[start : start + 200]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT {_DEF_COLUMNS} FROM files f JOIN definitions d ON d.file_id = f.id"
                f" WHERE f.path IN ({marks}) AND d.name = ? ORDER BY d.start_line", (*part, name))
            out.extend(Definition(*r) for r in rows)
        return out

    def definitions_of_file(self, path: str, repo: str | None = None) -> list[Definition]:
        sql = (f"SELECT {_DEF_COLUMNS} FROM files f JOIN definitions d ON d.file_id = f.id WHERE f.path = ?"
               + (" AND f.repo = ?" if repo is not None else ""))
        args = (path,) if repo is None else (path, repo)
        return [Definition(*r) for r in self.db.execute(sql + " ORDER BY d.start_line, d.end_line DESC", args)]

    def imports_of_file(self, path: str, repo: str | None = None) -> list[Import]:
        sql = ("SELECT f.path, i.line, i.module, i.name, i.alias FROM files f JOIN imports i ON i.file_id = f.id"
               " WHERE f.path = ?" + (" AND f.repo = ?" if repo is not None else ""))
        args = (path,) if repo is None else (path, repo)
        return [Import(*r) for r in self.db.execute(sql + " ORDER BY i.line, i.rowid", args)]

    def references_named(self, name: str, limit: int) -> list[tuple[str, str, int, str, int | None]]:
        """(name, path, line, symbol of the chunk, chunk id) of at most `limit` uses of `name`, in
        path/line order (the first `limit` in index order are sorted: bounded for a name used 100k times)."""
        rows = self.db.execute(
            "SELECT n.name, f.path, r.line, coalesce(c.symbol, ''), nullif(r.chunk_id, 0) FROM symbol_names n"
            " JOIN symbol_refs r ON r.name_id = n.id JOIN files f ON f.id = r.file_id"
            " LEFT JOIN chunks c ON c.id = r.chunk_id WHERE n.name = ? LIMIT ?", (name, limit)).fetchall()
        return sorted(rows, key=lambda row: (row[1], row[2]))

    def chunk_reference_names(self, chunk_id: int) -> list[str]:
        # The references are keyed by (file, chunk): the chunk's file leads the lookup (no index by chunk).
        rows = self.db.execute(
            "SELECT n.name FROM chunks c JOIN symbol_refs r ON r.file_id = c.file_id AND r.chunk_id = c.id"
            " JOIN symbol_names n ON n.id = r.name_id WHERE c.id = ? ORDER BY r.line, n.name", (chunk_id,))
        return list(dict.fromkeys(r[0] for r in rows))

    def definition_names_like(self, pattern: str, limit: int, kind: str | None = None) -> list[tuple[int, str]]:
        """(id, name) of definitions whose name matches a LIKE pattern (ESCAPE '\\'; case-insensitive
        for ASCII), at most `limit`: light rows to rank before reading the winners in full."""
        sql = "SELECT id, name FROM definitions WHERE name LIKE ? ESCAPE '\\'"
        args: list[Any] = [pattern]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return self.db.execute(sql + " LIMIT ?", (*args, limit)).fetchall()

    def definition_names_prefixed(self, prefix: str, limit: int, kind: str | None = None) -> list[tuple[int, str]]:
        """(id, name) of definitions whose name starts with `prefix` (case-sensitive; an index range scan)."""
        sql = "SELECT id, name FROM definitions WHERE name >= ? AND name < ?"
        args: list[Any] = [prefix, prefix + "\U0010ffff"]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return self.db.execute(sql + " LIMIT ?", (*args, limit)).fetchall()

    def indexed_paths(self) -> list[tuple[str, str]]:
        """(repo, path) of every indexed file (import resolution looks files up in this)."""
        return self.db.execute("SELECT repo, path FROM files").fetchall()

    def go_modules(self) -> dict[str, str]:
        """Go module path -> the folder of its go.mod (from the indexed go.mod files' first chunk)."""
        rows = self.db.execute(
            "SELECT f.path, chunk_text(c.text) FROM files f JOIN chunks c ON c.file_id = f.id"
            " WHERE (f.path = 'go.mod' OR f.path LIKE '%/go.mod') AND c.start_line = 1 LIMIT 1000")
        out: dict[str, str] = {}
        for path, text in rows:
            for line in text.splitlines():
                if line.startswith("module "):
                    out[line.split()[1].strip('"')] = path.rpartition("/")[0]
                    break
        return out

    def files_key(self) -> tuple[int, float]:
        """Changes when a file is added or removed (not when one is re-indexed in place)."""
        row = self.db.execute("SELECT count(*), total(id) FROM files").fetchone()
        return int(row[0]), float(row[1])

    def symbol_counts(self) -> dict[str, int]:
        return {
            "definitions": self.db.execute("SELECT count(*) FROM definitions").fetchone()[0],
            "imports": self.db.execute("SELECT count(*) FROM imports").fetchone()[0],
            "references": self.db.execute("SELECT count(*) FROM symbol_refs").fetchone()[0],
        }


def _refs_by_chunk(references: Sequence[tuple[str, int]],
                   chunk_spans: Sequence[tuple[int, int, int]]) -> list[tuple[int, str, int]]:
    """(chunk id, name, first line) for each identifier once per chunk that uses it (chunk id 0 for a
    line no chunk covers). One sweep: references and chunks both in line order."""
    spans = sorted(chunk_spans, key=lambda span: (span[1], span[0]))
    seen: set[tuple[int, str]] = set()
    out: list[tuple[int, str, int]] = []
    at = -1  # the last chunk starting at or before the current line
    for name, line in sorted(references, key=lambda ref: ref[1]):
        while at + 1 < len(spans) and spans[at + 1][1] <= line:
            at += 1
        chunk_id = 0
        # Overlapping windows: the last chunk starting at or before the line that still covers it.
        for i in range(at, max(-1, at - 4), -1):
            if spans[i][2] >= line:
                chunk_id = spans[i][0]
                break
        if (chunk_id, name) not in seen:
            seen.add((chunk_id, name))
            out.append((chunk_id, name, line))
    return out
