"""Code-aware lexical terms for FTS5: what is indexed for a chunk and which query words are searched.

FTS5's unicode61 tokenizer already splits snake_case (``_`` is a separator). camelCase
and PascalCase identifiers are expanded by `code_terms` before they reach FTS5 (``parseHTTPHeader`` also
indexes ``parse http header``), and queries go through the same expansion, so the two always agree.
Every word is then stemmed (Snowball English, via PyStemmer) on both sides, here in Python rather than
by FTS5's ``porter`` tokenizer: the vocabulary (`fts5vocab`) then holds exactly the tokens the query
side computes, so document frequencies can be looked up without asking FTS5 to tokenize
(``retries``, ``retrying`` and ``retry`` are all ``retri``).
The FTS table is contentless to halve its size; deleting a chunk's row replays the exact values it was
inserted with (`fts_values`), which is why `store.FTS_VERSION` is stored: a change of the token rules
rebuilds the FTS table instead of corrupting it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# BM25 column weights: a match in the symbol name beats one in the path, which beats one in the body.
BM25_WEIGHTS = (10.0, 3.0, 1.0)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

# Words too common in code or questions to help ranking; dropped from queries only.
STOPWORDS = frozenset(
    """a an and are as at be by do does for from how i if in is it of on or the this to what
    when where which who why with where's self return def function class var let const""".split()
)


def code_terms(text: str) -> str:
    """Extra tokens for camelCase identifiers (``getHTTPResponse`` -> ``get http response``)."""
    parts: set[str] = set()
    for word in set(_ASCII_WORD.findall(text)):
        # "server", "SERVER" and "Server" are single tokens already; only mixed case needs splitting.
        if word.islower() or word.isupper() or word[1:].islower():
            continue
        parts.update(p.lower() for p in _CAMEL_PART.findall(word))
    return " ".join(sorted(parts))


# Stemming on both sides; `set_stemming(False)` exists for the benchmark's ablation (an index built with
# one setting is refilled on open under the other, see `token_rules`).
_stemming = True
_STEMMER = Stemmer.Stemmer("english")


def set_stemming(enabled: bool) -> None:
    """Turn stemming on or off for this process (benchmark ablations only)."""
    global _stemming
    _stemming = bool(enabled)
    index_token.cache_clear()


def token_rules() -> str:
    """Names the token rules in force; stored with the FTS table so a change refills it."""
    return "snowball-en" if _stemming else "plain"


@lru_cache(maxsize=200_000)
def index_token(word: str) -> str:
    """The FTS token of one word: lowercase, stemmed (``Retries`` -> ``retri``)."""
    word = word.lower()
    if not word.isascii():  # FTS5's remove_diacritics, done here so the vocabulary matches
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return _STEMMER.stemWord(word) if _stemming and not word.isdigit() else word


def index_text(text: str) -> str:
    """`text` as the space-separated tokens FTS5 stores for it (see `index_token`)."""
    return " ".join([index_token(w) for w in _WORD.findall(text)])


def query_terms(query: str, limit: int = 48) -> list[str]:
    """The distinct FTS tokens of a query (stemmed, lowercase), stopwords removed."""
    seen: dict[str, None] = {}
    words = _WORD.findall(query) + code_terms(query).split()
    for word in words:
        if word.lower() not in STOPWORDS:
            seen.setdefault(index_token(word), None)
    terms = list(seen)
    if not terms:  # a query of only stopwords still deserves an answer
        terms = list(dict.fromkeys(index_token(w) for w in words))
    return terms[:limit]


# Postings BM25 may read per query; at 100k chunks this keeps lexical search in single-digit ms.
MAX_POSTINGS = 12_000
MAX_TERMS = 16


def select_terms(terms: list[str], frequencies: dict[str, int], max_postings: int = MAX_POSTINGS,
                 max_terms: int = MAX_TERMS) -> list[str]:
    """The query's rarest indexed terms within a postings budget, in query order; the rarest one is
    always kept so a query of only common words still finds something."""
    present = sorted((t for t in terms if frequencies.get(t, 0) > 0), key=lambda t: (frequencies[t], t))
    chosen: list[str] = []
    total = 0
    for term in present:
        if chosen and (len(chosen) >= max_terms or total + frequencies[term] > max_postings):
            break
        chosen.append(term)
        total += frequencies[term]
    keep = set(chosen)
    return [t for t in terms if t in keep]


def fts_values(symbol: str, path: str, text: str) -> tuple[str, str, str]:
    """The (symbol, path, body) column values FTS5 indexes for a chunk: its words and the parts of its
    camelCase identifiers, as tokens (`index_text`)."""
    return (
        index_text(f"{symbol} {code_terms(symbol)}"),
        index_text(f"{path} {code_terms(path)}"),
        index_text(f"{text}\n{code_terms(text)}"),
    )


