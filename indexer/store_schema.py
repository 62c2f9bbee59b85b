"""The index database's schema: numbered migrations, run in order on open (PRAGMA user_version holds
how many have run). Append new migrations; never edit one that has shipped.

Tables
    files(repo, path, size, mtime_ns, content_hash, language, status)   one row per indexed file;
        unique by (repo, path); `repo` is "" in a single-repository index
    repos(name, root)   the repositories of a multi-repository index (name = the short name on hits)
    chunks(file_id, start_line, end_line, kind, symbol, language, text, text_hash, header)   `text` is
        stored deflated (migration 7, chunk_text.py): read it as chunk_text(text)
    chunks_fts(symbol, path, body)   FTS5, contentless, rowid = chunk id; stemmed code-aware tokens
        (lexical.py; a change of the token rules refills it on open)
    embeddings(text_hash, model_id, vector, orphaned_at)   the cache: a chunk body seen once is never
        re-embedded; vectors are int8 + a scale (migration 3; `embedding_cache.encode_vector`); `orphaned_at`
        is when no chunk used the body any more (migration 8; the cache is bounded by it)
    meta(key, value)
    definitions(file_id, name, kind, symbol, start_line, end_line, signature, doc)   the symbol graph
    imports(file_id, line, module, name, alias)   (see symbol_store.py)
    symbol_refs(file_id, chunk_id, name_id, line)   identifiers each chunk uses (migration 7: interned
        in symbol_names(id, name))
    symbol_files(file_id, version)   which extraction version a file's symbol rows come from
    skipped_files(repo, path, size, mtime_ns, reason)   files listed but skipped for their content
        (binary, minified, too_large...), so they are neither re-read nor reported stale (skipped_files.py)
"""

from __future__ import annotations

# Bump when the FTS5 token rules change: the table is then refilled from the chunks on open.
FTS_VERSION = "2"

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

# The symbol graph (issue 12), appended as its own migration: definitions, imports and the identifiers
# each chunk uses. `symbol_files` says which extraction version a file's rows come from; a file whose
# row is missing or older is re-extracted on the next index run even when its content is unchanged.
MIGRATIONS.append(
    """
    CREATE TABLE definitions(
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        symbol TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        signature TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX definitions_by_name ON definitions(name, file_id);
    CREATE INDEX definitions_by_file ON definitions(file_id, start_line);
    CREATE TABLE imports(
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        module TEXT NOT NULL,
        name TEXT NOT NULL,
        alias TEXT NOT NULL
    );
    CREATE INDEX imports_by_file ON imports(file_id);
    CREATE TABLE symbol_refs(
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        chunk_id INTEGER,
        name TEXT NOT NULL,
        line INTEGER NOT NULL
    );
    CREATE INDEX symbol_refs_by_name ON symbol_refs(name);
    CREATE INDEX symbol_refs_by_chunk ON symbol_refs(chunk_id);
    CREATE INDEX symbol_refs_by_file ON symbol_refs(file_id);
    CREATE TABLE symbol_files(
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        version TEXT NOT NULL
    );
    """
)

# Files skipped for their content (binary, minified, ...), remembered with the reason so that they are
# neither re-read nor reported stale until they change (indexer/skipped_files.py). After the symbol graph.
MIGRATIONS.append(
    """
    CREATE TABLE skipped_files(
        repo TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY(repo, path)
    ) WITHOUT ROWID;
    """
)

# After skipped_files: the references clustered by file (WITHOUT ROWID: one b-tree fewer to write per
# reference). Every file's symbols are re-extracted on the next index run to refill the table. Files by path alone: the graph
# looks files up by path in any repository (the unique index leads with `repo`).
MIGRATIONS.append(
    """
    DROP TABLE symbol_refs;
    CREATE TABLE symbol_refs(
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        chunk_id INTEGER NOT NULL,  -- 0: a line no chunk covers
        name TEXT NOT NULL,
        line INTEGER NOT NULL,
        PRIMARY KEY(file_id, chunk_id, name)
    ) WITHOUT ROWID;
    CREATE INDEX symbol_refs_by_name ON symbol_refs(name);
    CREATE INDEX symbol_refs_by_chunk ON symbol_refs(chunk_id);
    DELETE FROM symbol_files;
    CREATE INDEX IF NOT EXISTS files_by_path ON files(path);
    """
)

# Issue 13, appended after the symbol graph's, the skipped files' and the references' migrations: a smaller index. The
# embedding cache holds int8 codes with a per-vector scale (a quarter of the bytes; the recall cost is measured by
# bench/retrieval.py): codeassist_int8() is a function the Store registers.
# (FTS5's detail=column would save a little more, but a contentless detail=column table gives
# bm25() 0 for every row, so the FTS table stays as it is.)
# The chunks of a split definition carry its signature (`Chunk.header`); old chunks have none
# until their file is re-chunked.
MIGRATIONS.append(
    """
    UPDATE embeddings SET vector = codeassist_int8(vector);
    ALTER TABLE chunks ADD COLUMN header TEXT NOT NULL DEFAULT ''
    """
)

# Issue 13's disk footprint, after the int8 cache (bench/index_size.py measures each part):
# - chunk text deflated (chunk_text.py; read through the SQL function chunk_text()): about half the bytes;
# - the references' identifiers interned in symbol_names, so a reference row is four integers, and no
#   index by chunk (a chunk's references are found through its file: the primary key leads with it);
# - no index of chunks by text hash (no query looks chunks up by hash: the cache is looked up by it).
# Rows are rewritten in place (nothing is re-embedded or re-extracted); `Store._migrate` VACUUMs after it.
MIGRATIONS.append(
    """
    UPDATE chunks SET text = codeassist_pack_text(text) WHERE typeof(text) = 'text';
    DROP INDEX IF EXISTS chunks_by_hash;
    CREATE TABLE symbol_names(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    INSERT INTO symbol_names(name) SELECT DISTINCT name FROM symbol_refs ORDER BY name;
    CREATE TABLE symbol_refs_v2(
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        chunk_id INTEGER NOT NULL,  -- 0: a line no chunk covers
        name_id INTEGER NOT NULL,  -- symbol_names.id
        line INTEGER NOT NULL,
        PRIMARY KEY(file_id, chunk_id, name_id)
    ) WITHOUT ROWID;
    INSERT INTO symbol_refs_v2(file_id, chunk_id, name_id, line)
        SELECT r.file_id, r.chunk_id, n.id, r.line FROM symbol_refs r JOIN symbol_names n ON n.name = r.name;
    DROP TABLE symbol_refs;
    ALTER TABLE symbol_refs_v2 RENAME TO symbol_refs;
    CREATE INDEX symbol_refs_by_name ON symbol_refs(name_id)
    """
)
# The first migration that shrinks the file: an index migrated to it is VACUUMed once (see Store._migrate).
VACUUM_AFTER = len(MIGRATIONS)

# The embedding cache is bounded (embedding_cache.prune_embeddings): a cached vector no chunk uses any more
# is stamped with the time it was first seen unused, so the longest-unused ones go first.
MIGRATIONS.append(
    """
    ALTER TABLE embeddings ADD COLUMN orphaned_at REAL
    """
)
