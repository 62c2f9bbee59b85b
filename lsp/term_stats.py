"""Which words of the completion query to keep, and how many chunks contain a word.

BM25 over an OR of words costs time in proportion to the chunks that contain them, so on the typing
path the query keeps the few rarest words (which are also the ones that say the most). Document
frequencies come from the index itself (`Index.document_frequencies`).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any

from codeassist.indexer.errors import CodeassistError
from codeassist.indexer.lexical import select_terms

log = logging.getLogger(__name__)

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
    """Document frequencies from the open index (`Index.document_frequencies`, cached by the store
    until the database changes). Any failure turns the statistics off rather than the completion."""

    def __init__(self, index: Any) -> None:
        self._index = index
        self.broken = False

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """term -> number of chunks containing it (0 when none). Empty when the stats are unavailable."""
        if self.broken or not terms:
            return {}
        try:
            return self._index.document_frequencies(terms)
        except (sqlite3.Error, CodeassistError, AttributeError) as err:
            log.info("term statistics unavailable (%s); completion queries keep their nearest words", err)
            self.broken = True
            return {}


# BM25's cost grows with the total length of the posting lists it reads; this bounds it.
MAX_POSTINGS = 4_000


def rarest_terms(terms: list[str], frequencies: dict[str, int], keep: int,
                 max_postings: int = MAX_POSTINGS) -> list[str]:
    """Up to `keep` of the rarest terms that occur at all, within a budget of postings, in their original
    order (the store's own rule, with the tighter budget of the typing path)."""
    if not frequencies:
        return terms[:keep]
    return select_terms(terms, frequencies, max_postings=max_postings, max_terms=keep)


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
