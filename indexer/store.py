"""The SQLite store: files, chunks, the FTS5 lexical index and the embedding cache.

One database per index, in WAL mode, schema through numbered migrations run on open. Only this module
(and `vectors.py` for the FAISS file) touches the index directory's files.

Tables: see `store_schema.py`. The embedding cache's methods live in `embedding_cache.py`, the symbol
graph's in `symbol_store.py`, the index
folder's location in `index_dir.py`; lexical tokens and query terms are the business of `lexical.py`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from codeassist.indexer.chunk_text import pack_text
from codeassist.indexer.embedding_cache import (
    EMBED_PAGE,
    EmbeddingCacheMixin,
    PendingChunk,
    int8_from_fp32_blob,
)
from codeassist.indexer.errors import IndexReadOnly, storage_error
from codeassist.indexer.index_dir import default_index_dir, resolve_index_dir
from codeassist.indexer.lexical import (
    BM25_WEIGHTS,
    fts_values,
    index_token,
    query_terms,
    select_terms,
    token_rules,
)
from codeassist.indexer.model import Chunk
from codeassist.indexer.store_connection import connect, database_error
from codeassist.indexer.store_schema import FTS_VERSION, MIGRATIONS, VACUUM_AFTER
from codeassist.indexer.symbol_store import SymbolStoreMixin

__all__ = ["DB_NAME", "EMBED_PAGE", "ChunkRow", "FileState", "PendingChunk", "Store", "content_hash",
           "default_index_dir", "resolve_index_dir", "text_hash"]

DB_NAME = "index.db"


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@dataclass(frozen=True, slots=True)
class FileState:
    id: int
    size: int
    mtime_ns: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    path: str
    start_line: int
    end_line: int
    kind: str
    symbol: str
    language: str
    text: str
    text_hash: str
    repo: str = ""
    header: str = ""


_CHUNK_COLUMNS = ("c.id, f.path, c.start_line, c.end_line, c.kind, c.symbol, c.language, chunk_text(c.text), c.text_hash,"
                  " f.repo, c.header")


_SYMBOL_WORD = re.compile(r"[^\W_]+")


def _fts_version() -> str:
    """The FTS table's format and token rules; a stored value that differs refills the table on open."""
    return f"{FTS_VERSION}:{token_rules()}"


class Store(EmbeddingCacheMixin, SymbolStoreMixin):
    """A connection to one index database. Not thread-safe: one Store per thread.

    Every SQLite failure, at open or in any later query, surfaces as a domain error naming the cause
    and the fix (`database_error`): IndexCorrupt for a damaged file or a missing table, IndexReadOnly,
    IndexStorageError for a full disk. `readonly`: open for reading only (no migrations); a folder
    the process cannot write is opened that way automatically, so search works from it."""

    def __init__(self, index_dir: Path, *, create: bool = True, readonly: bool = False) -> None:
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / DB_NAME
        self._df_cache: dict[str, int] = {}
        self._df_version = -1
        self._vocab_ready = False
        if create and not readonly:
            try:
                self.index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise storage_error(self.index_dir, err, "creating the index folder") from None
        if not self.index_dir.is_dir():
            raise storage_error(self.index_dir, NotADirectoryError(errno.ENOTDIR, "not a folder"),
                                "opening the index folder")
        if self.path.is_dir():
            raise storage_error(self.path, IsADirectoryError(errno.EISDIR, "is a folder", str(self.path)),
                                "opening the index database")
        writable = os.access(self.index_dir, os.W_OK) and (not self.path.exists() or os.access(self.path, os.W_OK))
        self.readonly = readonly or not writable
        if self.readonly and not self.path.exists():
            raise IndexReadOnly(str(self.index_dir))
        try:
            self.db = connect(self.path, readonly=self.readonly)
            self.db.create_function("codeassist_int8", 1, int8_from_fp32_blob, deterministic=True)
            self.db.create_function("codeassist_pack_text", 1, pack_text, deterministic=True)
            if not self.readonly:
                self._migrate()
            self._check_fts_version(self.readonly)
        except sqlite3.Error as err:
            raise database_error(self.path, err) from None

    # -- schema ----------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= len(MIGRATIONS):
            return
        # Table rebuilds must not cascade (PRAGMA foreign_keys is ignored inside a transaction).
        self.db.execute("PRAGMA foreign_keys=OFF")
        try:
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                with self.transaction():
                    for statement in script.split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version={number}")
                    if number == 1:
                        self.set_meta("fts_version", _fts_version())
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")
        if 0 < version < VACUUM_AFTER:
            # An existing index that the footprint migration rewrote: give the freed pages back to the disk.
            self.db.execute("VACUUM")

    def _check_fts_version(self, readonly: bool) -> None:
        if readonly or self.get_meta("fts_version") == _fts_version():
            return
        with self.transaction():
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('delete-all')")
            rows = self.db.execute(
                "SELECT c.id, c.symbol, f.path, chunk_text(c.text) FROM chunks c JOIN files f ON f.id = c.file_id"
            )
            self.db.executemany(
                "INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                ((cid, *fts_values(sym, path, text)) for cid, sym, path, text in rows.fetchall()),
            )
            self.set_meta("fts_version", _fts_version())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT; nested use joins the outer transaction."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        # An unchanged value is not rewritten: a no-change re-index then writes nothing at all.
        if self.get_meta(key) == value:
            return
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- files and chunks ------------------------------------------------------------------
    def file_states(self, repo: str = "") -> dict[str, FileState]:
        """path -> state of the files of one repository ("" = the single repository)."""
        rows = self.db.execute("SELECT path, id, size, mtime_ns, content_hash FROM files WHERE repo = ?", (repo,))
        return {path: FileState(fid, size, mtime, h) for path, fid, size, mtime, h in rows}

    # -- repositories ----------------------------------------------------------------------
    def repos(self) -> dict[str, str]:
        """name -> root of the repositories registered in a multi-repository index."""
        return dict(self.db.execute("SELECT name, root FROM repos ORDER BY name").fetchall())

    def register_repo(self, name: str, root: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO repos(name, root) VALUES (?, ?)", (name, root))

    def touch_file(self, file_id: int, size: int, mtime_ns: int) -> None:
        self.db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, file_id))

    def replace_file(
        self,
        path: str,
        *,
        size: int,
        mtime_ns: int,
        digest: str,
        language: str | None,
        chunks: Sequence[Chunk],
        status: str = "ok",
        repo: str = "",
    ) -> list[int]:
        """Swap in a file's new chunks atomically; returns the new chunk ids."""
        with self.transaction():
            row = self.db.execute("SELECT id FROM files WHERE repo = ? AND path = ?", (repo, path)).fetchone()
            if row:
                self._delete_chunks_of(row[0])
                self.db.execute(
                    "UPDATE files SET size=?, mtime_ns=?, content_hash=?, language=?, status=?, indexed_at=?"
                    " WHERE id = ?",
                    (size, mtime_ns, digest, language, status, time.time(), row[0]),
                )
                file_id = row[0]
            else:
                cur = self.db.execute(
                    "INSERT INTO files(repo, path, size, mtime_ns, content_hash, language, status, indexed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (repo, path, size, mtime_ns, digest, language, status, time.time()),
                )
                file_id = cur.lastrowid
            ids = []
            for chunk in chunks:
                cur = self.db.execute(
                    "INSERT INTO chunks(file_id, start_line, end_line, kind, symbol, language, text, text_hash,"
                    " header) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (file_id, chunk.start_line, chunk.end_line, chunk.kind, chunk.symbol, chunk.language,
                     pack_text(chunk.text), text_hash(chunk.text), chunk.header),
                )
                ids.append(cur.lastrowid)
                self.db.execute(
                    "INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                    (cur.lastrowid, *fts_values(chunk.symbol, path, chunk.text)),
                )
            return ids

    def _delete_chunks_of(self, file_id: int) -> list[int]:
        rows = self.db.execute(
            "SELECT c.id, c.symbol, f.path, chunk_text(c.text) FROM chunks c JOIN files f ON f.id = c.file_id"
            " WHERE c.file_id = ?",
            (file_id,),
        ).fetchall()
        self.db.executemany(
            "INSERT INTO chunks_fts(chunks_fts, rowid, symbol, path, body) VALUES ('delete', ?, ?, ?, ?)",
            ((cid, *fts_values(sym, path, text)) for cid, sym, path, text in rows),
        )
        self.db.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
        return [r[0] for r in rows]

    def delete_files(self, paths: Iterable[str], repo: str = "") -> int:
        """Remove files and their chunks, one transaction per file; returns how many were removed."""
        removed = 0
        for path in paths:
            with self.transaction():
                row = self.db.execute("SELECT id FROM files WHERE repo = ? AND path = ?", (repo, path)).fetchone()
                if row:
                    self._delete_chunks_of(row[0])
                    self.db.execute("DELETE FROM files WHERE id = ?", (row[0],))
                    removed += 1
        return removed

    def chunk_rows(self, ids: Sequence[int], *, with_text: bool = True) -> dict[int, ChunkRow]:
        """id -> row of these chunks. `with_text` False leaves `text` empty: a search ranks a hundred
        candidates by their other columns and inflates (chunk_text.py) only the texts of its hits."""
        out: dict[int, ChunkRow] = {}
        ids = list(ids)
        columns = _CHUNK_COLUMNS if with_text else _CHUNK_COLUMNS.replace("chunk_text(c.text)", "''")
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT {columns} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks})",
                part,
            )
            for row in rows:
                out[row[0]] = ChunkRow(*row)
        return out

    def chunks_of_file(self, path: str, repo: str | None = None) -> list[ChunkRow]:
        """The chunks of a file; `repo` None = whichever repository has that path."""
        sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ?"
        args: tuple = (path,)
        if repo is not None:
            sql += " AND f.repo = ?"
            args = (path, repo)
        rows = self.db.execute(sql + " ORDER BY f.repo, c.start_line", args)
        return [ChunkRow(*row) for row in rows]

    def lexical_search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(chunk id, bm25 score with higher = better), best first. Unsafe syntax cannot get through.

        BM25 over OR-ed terms costs time in proportion to the postings it reads, and a term found in a
        large share of the chunks adds almost nothing to the ranking (its IDF is near zero). So the
        query keeps its rarest terms within a postings budget (`select_terms`); terms the index does not
        contain are dropped before they cost anything.
        """
        if limit <= 0:
            return []
        candidates = query_terms(query)
        terms = select_terms(candidates, self.token_frequencies(candidates))
        if not terms:
            return []
        expression = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        w = BM25_WEIGHTS
        rows = self.db.execute(
            f"SELECT rowid, bm25(chunks_fts, {w[0]}, {w[1]}, {w[2]}) AS s FROM chunks_fts"
            " WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?",
            (expression, limit),
        )
        return [(rowid, -score) for rowid, score in rows]

    def symbol_search(self, name: str, limit: int = 20) -> list[int]:
        """Ids of chunks whose symbol column holds every token of the identifier `name` (a superset of
        the chunks whose symbol *is* that name; the caller checks exactness). Best BM25 first."""
        tokens = list(dict.fromkeys(index_token(w) for w in _SYMBOL_WORD.findall(name)))[:8]
        if not tokens or limit <= 0:
            return []
        expression = "symbol : (" + " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens) + ")"
        rows = self.db.execute(
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?", (expression, limit))
        return [r[0] for r in rows]

    def reference_counts(self, names: Sequence[str], cap: int = 1000) -> dict[str, int]:
        """name -> how many references to that identifier the symbol graph holds (at most `cap`: the
        prior only needs "rarely" vs "widely" used, and the cap bounds the cost of a name used everywhere)."""
        counts: dict[str, int] = {}
        for name in dict.fromkeys(n for n in names if n):
            counts[name] = self.db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM symbol_names n JOIN symbol_refs r ON r.name_id = n.id"
                " WHERE n.name = ? LIMIT ?)", (name, cap)).fetchone()[0]
        return counts

    def document_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        """word -> number of chunks whose symbol, path or body contains it (or another form of the
        same stem: ``retries`` counts chunks saying ``retry``)."""
        tokens = {word: index_token(word) for word in words}
        frequencies = self.token_frequencies(list(tokens.values()))
        return {word: frequencies[token] for word, token in tokens.items()}

    def token_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """FTS token (see `lexical.index_token`) -> number of chunks holding it (cached until a write)."""
        version = self.data_version()
        if version != self._df_version:
            self._df_cache.clear()
            self._df_version = version
            if not self._vocab_ready:
                self.db.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, 'chunks_fts', 'row')"
                )
                self._vocab_ready = True
        missing = [t for t in dict.fromkeys(terms) if t not in self._df_cache]
        if missing:
            marks = ",".join("?" * len(missing))
            found = dict(self.db.execute(
                f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({marks})", missing).fetchall())
            if len(self._df_cache) > 100_000:
                self._df_cache.clear()
            for term in missing:
                self._df_cache[term] = int(found.get(term, 0))
        return {t: self._df_cache[t] for t in terms}

    # -- counts ----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        files = self.db.execute("SELECT count(*) FROM files").fetchone()[0]
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return {"files": files, "chunks": chunks}

    def languages(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT coalesce(language, 'text'), count(*) FROM files GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return dict(rows.fetchall())

    def data_version(self) -> int:
        """Changes whenever any connection commits a write (SQLite's PRAGMA data_version plus our own)."""
        return self.db.execute("PRAGMA data_version").fetchone()[0] * 1_000_003 + self.db.total_changes

    def last_update(self) -> float | None:
        return self.db.execute("SELECT max(indexed_at) FROM files").fetchone()[0]
