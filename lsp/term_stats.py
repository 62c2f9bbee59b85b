"""Which words of the completion query to keep, and how many chunks contain a word.

BM25 over an OR of words costs time in proportion to the chunks that contain them, so on the typing
path the query keeps the few rarest words (which are also the ones that say the most). Document
frequencies come from an FTS5 `fts5vocab` view created in this connection's TEMP schema: a read-only
connection of our own, the index file is never written. Counts are cached; the cache is dropped when
the database changes.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

FTS_TABLE = "chunks_fts"
MAX_QUERY_TERMS = 8
CANDIDATE_TERMS = 24
_WORD = re.compile(r"[^\W_]+")
# Keywords and names too common in code to tell one chunk from another.
QUERY_STOPWORDS = frozenset("""
    and are as assert async await break case catch class const continue def default del elif else enum
    except export extends false final finally for from func function if impl import in interface is lambda
    let match mut new nil none not null or package pass private protected pub public raise return self
    static struct super switch this throw throws true try type undefined use var void while with yield
    the int str bool float string len print list dict set get args kwargs value
""".split())


class TermStats:
    def __init__(self, index_dir: Path, db_name: str | None = None) -> None:
        if db_name is None:
            from codeassist.indexer.store import DB_NAME

            db_name = DB_NAME
        self._path = Path(index_dir) / db_name
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, int] = {}
        self._version = -1
        self.broken = False

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.ca_vocab USING fts5vocab(main, '{FTS_TABLE}', 'row')")
            self._conn = conn
        return self._conn

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """term -> number of chunks containing it (0 when none). Empty when the stats are unavailable."""
        if self.broken or not terms:
            return {}
        with self._lock:
            try:
                conn = self._connect()
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != self._version:
                    self._cache.clear()
                    self._version = version
                missing = [t for t in dict.fromkeys(terms) if t not in self._cache]
                if missing:
                    marks = ",".join("?" * len(missing))
                    found = dict(conn.execute(f"SELECT term, doc FROM temp.ca_vocab WHERE term IN ({marks})",
                                              missing).fetchall())
                    for term in missing:
                        self._cache[term] = int(found.get(term, 0))
                    if len(self._cache) > 50_000:
                        self._cache.clear()
                return {t: self._cache.get(t, 0) for t in terms}
            except sqlite3.Error as err:
                log.info("term statistics unavailable (%s); completion queries keep their nearest words", err)
                self.broken = True
                return {}

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# BM25's cost grows with the total length of the posting lists it reads; this bounds it.
MAX_POSTINGS = 4_000


def rarest_terms(terms: list[str], frequencies: dict[str, int], keep: int,
                 max_postings: int = MAX_POSTINGS) -> list[str]:
    """Up to `keep` of the rarest terms that occur at all, within a budget of postings, in their original
    order. A term in more chunks than the whole budget says too little to be worth its cost."""
    if not frequencies:
        return terms[:keep]
    present = [t for t in terms if frequencies.get(t, 0) > 0]
    chosen: set[str] = set()
    total = 0
    for term in sorted(present, key=lambda t: (frequencies[t], terms.index(t))):
        if len(chosen) >= keep or total + frequencies[term] > max_postings:
            break
        chosen.add(term)
        total += frequencies[term]
    return [t for t in terms if t in chosen]


def compact_query(query: str, max_terms: int = MAX_QUERY_TERMS, term_stats: TermStats | None = None) -> str:
    """The query's most telling words: BM25 over dozens of OR-ed common words is slow and no better.
    Words nearest the end (the cursor) come first for code; keywords and very short words are dropped;
    with term statistics, the rarest words that occur in the index are kept."""
    candidates = _query_words(query, CANDIDATE_TERMS if term_stats is not None else max_terms)
    if term_stats is not None:
        candidates = rarest_terms(candidates, term_stats.document_frequencies(candidates), max_terms)
    return " ".join(candidates[:max_terms])


def _query_words(query: str, max_terms: int) -> list[str]:
    lines = query.split("\n")
    intent_first = bool(lines) and lines[0].lstrip().startswith(("#", "//", "--", "/*", "*"))
    ordered = lines if intent_first else list(reversed(lines))
    seen: dict[str, None] = {}
    for line in ordered:
        for word in _WORD.findall(line):
            lower = word.lower()
            if len(lower) >= 3 and lower not in QUERY_STOPWORDS and not lower.isdigit():
                seen.setdefault(lower, None)
        if len(seen) >= max_terms:
            break
    return list(seen)[:max_terms]
