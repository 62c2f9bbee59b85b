"""Pure steps of hybrid search around the ranking: reciprocal rank fusion, overlap dedupe, per-file
cap, filters. (The ranking itself, weighted fusion and priors, is `ranking.py`.)

Reciprocal rank fusion (Cormack et al. 2009) adds 1/(k + rank) over the ranked lists a document
appears in. It needs no score calibration between BM25 and cosine; `ranking.py` offers it as the
alternative to score-normalised fusion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from codeassist.indexer.model import Hit

# The usual k is 60; 30 scored better on the half of bench/retrieval.py's queries that the benchmark
# itself does not score (hybrid MRR@10 0.509 vs 0.507 at 60, 0.511 at 20), so the tuning did not
# see the reported figures.
RRF_K = 30


def reciprocal_rank_fusion(
    ranked_lists: dict[str, Sequence[int]], k: int = RRF_K, weights: dict[str, float] | None = None
) -> list[tuple[int, float, list[str]]]:
    """Fuse ranked id lists -> [(id, score, names of lists that had it)], best first, ties by id."""
    scores: dict[int, float] = {}
    found_by: dict[int, list[str]] = {}
    for name, ids in ranked_lists.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            found_by.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [(i, scores[i], found_by[i]) for i in order]


def dedupe_and_cap(hits: Iterable[Hit], k: int, max_per_file: int | None) -> list[Hit]:
    """Keep the best of overlapping ranges in one file and at most `max_per_file` hits per file; reads
    `hits` (best first) only until k are kept."""
    kept: list[Hit] = []
    per_file: dict[tuple[str, str], list[Hit]] = {}
    for hit in hits:
        same_file = per_file.setdefault((hit.repo, hit.path), [])
        if any(h.start_line <= hit.end_line and hit.start_line <= h.end_line for h in same_file):
            continue
        if max_per_file and len(same_file) >= max_per_file:
            continue
        same_file.append(hit)
        kept.append(hit)
        if len(kept) >= k:
            break
    return kept


@lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Glob with gitignore-like meaning: `**` crosses folders, `*` and `?` do not; a pattern without
    a slash matches at any depth; a pattern naming a folder matches everything under it."""
    pattern = pattern.strip().removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    pieces = re.split(r"(\*\*/|\*\*|\*|\?)", pattern.rstrip("/"))
    wildcard = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    body = "".join(wildcard.get(piece, re.escape(piece)) for piece in pieces)
    return re.compile(body + "(?:/.*)?$")


@dataclass(frozen=True, slots=True)
class Filters:
    lang: frozenset[str] | None = None
    kind: frozenset[str] | None = None
    path: tuple[str, ...] = ()
    repo: frozenset[str] | None = None  # repository names, exact (case-sensitive)
    exclude: tuple[str, ...] = ()  # globs a path must not match

    @classmethod
    def make(cls, lang=None, kind=None, path=None, repo=None, exclude=None) -> Filters:
        def as_set(value):
            if value is None or value == "" or value == []:
                return None
            values = [value] if isinstance(value, str) else list(value)
            return frozenset(v.lower() for v in values)

        def as_globs(value) -> tuple[str, ...]:
            values = () if not value else ((value,) if isinstance(value, str) else tuple(value))
            return tuple(v for v in values if v and v.strip())

        repos = None if repo is None or repo == "" or repo == [] else frozenset(
            [repo] if isinstance(repo, str) else repo)
        return cls(as_set(lang), as_set(kind), as_globs(path), repos, as_globs(exclude))

    @property
    def active(self) -> bool:
        return bool(self.lang or self.kind or self.path or self.repo or self.exclude)

    def accepts(self, path: str, language: str | None, kind: str, repo: str = "") -> bool:
        if self.repo is not None and repo not in self.repo:
            return False
        if self.lang is not None and (language or "").lower() not in self.lang:
            return False
        if self.kind is not None and kind.lower() not in self.kind:
            return False
        if self.path and not any(_glob_regex(p).match(path) for p in self.path):
            return False
        if self.exclude and any(_glob_regex(p).match(path) for p in self.exclude):
            return False
        return True
