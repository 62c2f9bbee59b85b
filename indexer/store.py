"""The SQLite store: files, chunks, the FTS5 lexical index and the embedding cache.

One database per index, in WAL mode, schema through numbered migrations run on open. Only this module
(and `vectors.py` for the FAISS file) touches the index directory's files.

Tables
    files(repo, path, size, mtime_ns, content_hash, language, status)   one row per indexed file;
        unique by (repo, path); `repo` is "" in a single-repository index
    repos(name, root)   the repositories of a multi-repository index (name = the short name on hits)
    chunks(file_id, start_line, end_line, kind, symbol, language, text, text_hash)
    chunks_fts(symbol, path, body)   FTS5, contentless, rowid = chunk id; code-aware tokens
    embeddings(text_hash, model_id, vector)   the cache: a chunk body seen once is never re-embedded
    meta(key, value)

Lexical tokens and query terms are the business of `lexical.py`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codeassist.indexer.errors import IndexCorrupt
from codeassist.indexer.lexical import BM25_WEIGHTS, fts_values, query_terms, select_terms
from codeassist.indexer.model import Chunk

DB_NAME = "index.db"
FTS_VERSION = "1"

MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files(
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        language TEXT,
        status TEXT NOT NULL DEFAULT 'ok',
        indexed_at REAL NOT NULL
    );
    CREATE TABLE chunks(
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: FAISS holds vectors by chunk id
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        kind TEXT NOT NULL,
        symbol TEXT NOT NULL,
        language TEXT,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL
    );
    CREATE INDEX chunks_by_file ON chunks(file_id);
    CREATE INDEX chunks_by_hash ON chunks(text_hash);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        symbol, path, body, content='', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TABLE embeddings(
        text_hash TEXT NOT NULL,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY(text_hash, model_id)
    ) WITHOUT ROWID;
    """,
    # 2: several repositories in one index. SQLite cannot change a UNIQUE constraint in place, so the
    # files table is rebuilt (ids kept, so chunks and FAISS stay valid); `_migrate` turns foreign keys
    # off around it, otherwise DROP TABLE files would cascade into chunks.
    """
    CREATE TABLE files_v2(
        id INTEGER PRIMARY KEY,
        repo TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        language TEXT,
        status TEXT NOT NULL DEFAULT 'ok',
        indexed_at REAL NOT NULL,
        UNIQUE(repo, path)
    );
    INSERT INTO files_v2(id, repo, path, size, mtime_ns, content_hash, language, status, indexed_at)
        SELECT id, '', path, size, mtime_ns, content_hash, language, status, indexed_at FROM files;
    DROP TABLE files;
    ALTER TABLE files_v2 RENAME TO files;
    CREATE TABLE repos(name TEXT PRIMARY KEY, root TEXT NOT NULL UNIQUE);
    """,
]

# Rows per page when the embed stage streams chunks out of the database.
EMBED_PAGE = 4096

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


_CHUNK_COLUMNS = ("c.id, f.path, c.start_line, c.end_line, c.kind, c.symbol, c.language, c.text, c.text_hash,"
                  " f.repo")


@dataclass(frozen=True, slots=True)
class PendingChunk:
    """A chunk the embed stage still has to put into FAISS; `vector` is its cached vector, if any."""

    id: int
    text_hash: str
    path: str
    symbol: str
    kind: str
    text: str
    vector: bytes | None


class Store:
    """A connection to one index database. Not thread-safe: one Store per thread."""

    def __init__(self, index_dir: Path, *, create: bool = True, readonly: bool = False) -> None:
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / DB_NAME
        self._df_cache: dict[str, int] = {}
        self._df_version = -1
        self._vocab_ready = False
        if create:
            self.index_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA busy_timeout=30000")
            if not readonly:
                self._migrate()
            self._check_fts_version(readonly)
        except sqlite3.DatabaseError as err:
            raise IndexCorrupt(str(self.path), str(err)) from err

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
                        self.set_meta("fts_version", FTS_VERSION)
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")

    def _check_fts_version(self, readonly: bool) -> None:
        if readonly or self.get_meta("fts_version") == FTS_VERSION:
            return
        with self.transaction():
            self.db.execute("DELETE FROM chunks_fts")
            rows = self.db.execute(
                "SELECT c.id, c.symbol, f.path, c.text FROM chunks c JOIN files f ON f.id = c.file_id"
            )
            self.db.executemany(
                "INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                ((cid, *fts_values(sym, path, text)) for cid, sym, path, text in rows.fetchall()),
            )
            self.set_meta("fts_version", FTS_VERSION)

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
                    "INSERT INTO chunks(file_id, start_line, end_line, kind, symbol, language, text, text_hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (file_id, chunk.start_line, chunk.end_line, chunk.kind, chunk.symbol, chunk.language,
                     chunk.text, text_hash(chunk.text)),
                )
                ids.append(cur.lastrowid)
                self.db.execute(
                    "INSERT INTO chunks_fts(rowid, symbol, path, body) VALUES (?, ?, ?, ?)",
                    (cur.lastrowid, *fts_values(chunk.symbol, path, chunk.text)),
                )
            return ids

    def _delete_chunks_of(self, file_id: int) -> list[int]:
        rows = self.db.execute(
            "SELECT c.id, c.symbol, f.path, c.text FROM chunks c JOIN files f ON f.id = c.file_id"
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

    def chunk_rows(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        out: dict[int, ChunkRow] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks})",
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
        terms = select_terms(candidates, self.document_frequencies(candidates))
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

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """term -> number of chunks whose symbol, path or body contains it (cached until a write)."""
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

    # -- embedding cache -------------------------------------------------------------------
    def embedded_count(self, model_id: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM chunks c WHERE EXISTS"
            " (SELECT 1 FROM embeddings e WHERE e.text_hash = c.text_hash AND e.model_id = ?)",
            (model_id,),
        ).fetchone()[0]

    def count_bodies_missing_embeddings(self, model_id: str) -> int:
        """Distinct chunk bodies with no cached vector for model_id (the embed stage's total)."""
        return self.db.execute(
            "SELECT count(DISTINCT c.text_hash) FROM chunks c WHERE NOT EXISTS"
            " (SELECT 1 FROM embeddings e WHERE e.text_hash = c.text_hash AND e.model_id = ?)",
            (model_id,),
        ).fetchone()[0]

    def pending_chunk_pages(self, model_id: str, present: np.ndarray,
                            page: int | None = None) -> Iterator[list[PendingChunk]]:
        """Pages of the chunks not in `present` (the sorted ids already in FAISS), in id order,
        each with its cached vector when there is one. Keyset pagination over chunk ids: at most one
        page of texts is in memory, and a vector cached while an earlier page was embedded is seen
        by the later pages (so a body is embedded once even when its copies span pages)."""
        page = page or EMBED_PAGE
        last = 0
        while True:
            ids = np.fromiter((r[0] for r in self.db.execute(
                "SELECT id FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, page * 4))), dtype=np.int64)
            if len(ids) == 0:
                return
            last = int(ids[-1])
            todo = ids[~np.isin(ids, present, assume_unique=True)] if len(present) else ids
            for start in range(0, len(todo), page):
                part = todo[start : start + page].tolist()
                rows = []
                for sub in range(0, len(part), 500):
                    piece = part[sub : sub + 500]
                    marks = ",".join("?" * len(piece))
                    rows += self.db.execute(
                        "SELECT c.id, c.text_hash, f.path, c.symbol, c.kind, c.text, e.vector FROM chunks c"
                        " JOIN files f ON f.id = c.file_id LEFT JOIN embeddings e"
                        " ON e.text_hash = c.text_hash AND e.model_id = ?"
                        f" WHERE c.id IN ({marks}) ORDER BY c.id",
                        (model_id, *piece),
                    ).fetchall()
                yield [PendingChunk(*row) for row in rows]

    def put_embeddings(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(text_hash, model_id, vector) VALUES (?, ?, ?)",
                ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items),
            )

    def cached_vectors(self, model_id: str, chunk_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of chunks (all, or the given ones) that have a cached vector for model_id."""
        sql = (
            "SELECT c.id, e.vector FROM chunks c JOIN embeddings e"
            " ON e.text_hash = c.text_hash AND e.model_id = ?"
        )
        rows: list[tuple[int, bytes]] = []
        if chunk_ids is None:
            rows = self.db.execute(sql, (model_id,)).fetchall()
        else:
            ids = list(chunk_ids)
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                rows += self.db.execute(sql + f" WHERE c.id IN ({marks})", (model_id, *part)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids_arr = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return ids_arr, vectors

    def all_chunk_ids(self) -> np.ndarray:
        rows = self.db.execute("SELECT id FROM chunks").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def default_index_dir(root: Path) -> Path:
    """The per-repository index folder in the user cache dir, keyed by the resolved root."""
    import platformdirs

    resolved = Path(root).resolve()
    key = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", resolved.name) or "root"
    return Path(platformdirs.user_cache_dir("codeassist")) / "indexes" / f"{name}-{key}"


def resolve_index_dir(root: Path, index_dir: Path | str | None) -> Path:
    if index_dir:
        return Path(index_dir).expanduser()
    env = os.environ.get("CODEASSIST_INDEX_DIR")
    return Path(env).expanduser() if env else default_index_dir(root)
