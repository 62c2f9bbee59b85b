"""Fuzzy matching of symbol names for workspace/symbol and `codeassist symbols`: camelCase- and
snake_case-aware (`gu` and `getU` find `getUser`, `HSR` finds `HttpServerRequest`, `mk_cl` finds
`make_client`). Pure functions; the store prefilters with `like_pattern` (a subsequence LIKE)."""

from __future__ import annotations

import re

_WORD_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]|(?<=[a-z0-9])[A-Z]|(?<=[A-Z])[A-Z](?=[a-z])")


def like_pattern(query: str) -> str:
    """A SQL LIKE pattern (ESCAPE '\\') matching names that contain the query's characters in order."""
    escaped = [("\\" + ch) if ch in "%_\\" else ch for ch in query]
    return "%" + "%".join(escaped) + "%" if escaped else "%"


def word_starts(name: str) -> list[int]:
    """Indexes where a word begins in an identifier (`getHTTPResponse` -> g, H, R; `make_client` -> m, c)."""
    return [m.start() for m in _WORD_START.finditer(name)]


def fuzzy_score(query: str, name: str) -> float:
    """How well `query` matches `name` (0 = not at all; higher = better). Exact > prefix > word
    initials > substring > characters in order, preferring matches at word starts."""
    if not query or not name:
        return 0.0
    q, n = query.lower(), name.lower()
    if query == name:
        return 1000.0
    if q == n:
        return 950.0
    if n.startswith(q):
        return 800.0 + 50.0 * len(q) / len(n)
    starts = word_starts(name)
    initials = "".join(name[i] for i in starts).lower()
    if initials.startswith(q):
        return 700.0 + 50.0 * len(q) / max(1, len(initials))
    at = n.find(q)
    if at >= 0:
        return (650.0 if at in starts else 550.0) + 50.0 * len(q) / len(n)
    # Characters in order: matched at word starts where possible (3 points each), anywhere else 0.5.
    for prefer_starts in (True, False):
        score, pos = 0.0, 0
        for ch in q:
            nxt = next((i for i in starts if i >= pos and n[i] == ch), -1) if prefer_starts else -1
            if nxt >= 0:
                score += 3.0
            else:
                nxt = n.find(ch, pos)
                if nxt < 0:
                    break
                score += 0.5
            pos = nxt + 1
        else:
            return 100.0 + 100.0 * score / (3.0 * len(q))
    return 0.0
