"""One hop of definitions for chat-side prompts (`ask`, `chat`, explain, docstring): the code the user
selected, or the best search hits, expanded with the definitions of the symbols they use.

    selection / top hits -> names they call or name as types (not defined in them) -> index.definitions
                         -> hit-shaped `DefinitionHit`s that `build_context` budgets with the search hits

Definitions of the selection's symbols rank above the search hits (they explain what the selected code
does); a hit's definitions rank just below that hit. Bounded: at most `MAX_LOOKUPS` lookups and
`MAX_DEFINITIONS` definitions of at most `MAX_LINES` lines each. No symbol graph (an index built before
it, a searcher without `definitions`) or a failing lookup gives no definitions, never an error.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_LOOKUPS = 12
MAX_DEFINITIONS = 5
MAX_LINES = 40
SOURCE_HITS = 3
USE_RE = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)(?:\s*\.\s*([A-Za-z_$][\w$]*))?\s*(\()?")
DEFINED_RE = re.compile(r"\b(?:def|class|function|func|fn|type|interface|struct|enum|trait)\s+(?:\([^)]*\)\s*)?"
                        r"([A-Za-z_$][\w$]*)")
COMMON = frozenset("""
if for while return print len range str int float dict list set tuple isinstance super self this cls new
function func def class switch catch typeof require import from new make append panic string bool error
Some None Ok Err true false null nil undefined
""".split())


@dataclass(slots=True)
class DefinitionHit:
    """Shaped like an indexer `Hit` (what `codeassist.context.build_context` takes)."""

    path: str
    start_line: int
    end_line: int
    symbol: str
    text: str
    language: str = ""
    score: float = 0.0
    repo: str = ""
    kind: str = "definition"
    sources: list[str] = field(default_factory=lambda: ["definition"])


def used_names(text: str, limit: int = MAX_LOOKUPS) -> list[str]:
    """Names `text` calls (`name(`, `mod.name(`) or names as types (Capitalized), minus the ones it
    defines itself; most used first. `mod.name` is kept qualified."""
    defined = set(DEFINED_RE.findall(text))
    counts: Counter = Counter()
    for match in USE_RE.finditer(text):
        head, member, call = match.group(1), match.group(2), match.group(3)
        if head in COMMON or head in defined:
            continue
        if member and call:
            counts[f"{head}.{member}"] += 2
        elif call or head[:1].isupper():
            counts[head] += 2 if call else 1
    return [name for name, _ in counts.most_common(limit)]


def definition_hits(hits: list[Any], *, searcher: Any, selection: Any = None) -> list[DefinitionHit]:
    """The definitions one hop from `selection` (path, start_line, end_line, text) or, without one, from
    the best `SOURCE_HITS` hits; each as a `DefinitionHit` scored to sit right after what it explains."""
    if not hasattr(searcher, "definitions"):
        return []
    sources: list[tuple[Any, float]] = []
    top = max((float(getattr(h, "score", 0.0)) for h in hits), default=1.0)
    if selection is not None:
        sources.append((selection, top + 1.0))
    sources += [(h, float(getattr(h, "score", 0.0)) * 0.999) for h in hits[:SOURCE_HITS]]
    shown = [(getattr(s, "path", ""), s.start_line, s.end_line) for s, _ in sources] + \
            [(h.path, h.start_line, h.end_line) for h in hits]
    found: list[DefinitionHit] = []
    lookups = 0
    for source, score in sources:
        for name in used_names(source.text):
            if lookups >= MAX_LOOKUPS or len(found) >= MAX_DEFINITIONS:
                return found
            lookups += 1
            try:
                candidates = searcher.definitions(name, from_path=source.path or None, limit=1)
            except Exception as err:  # noqa: BLE001 — an index without a symbol graph or being rebuilt
                log.info("definition lookup skipped: %s", err)
                return found
            for definition in candidates:
                if definition.kind in ("module", "variable") or any(
                        p == definition.path and s <= definition.end_line and definition.start_line <= e
                        for p, s, e in shown):
                    continue
                shown.append((definition.path, definition.start_line, definition.end_line))
                found.append(_as_hit(definition, searcher, score - len(found) * 1e-6))
    return found


def _as_hit(definition: Any, searcher: Any, score: float) -> DefinitionHit:
    text = _definition_text(definition, searcher)
    end = definition.start_line + text.count("\n")
    return DefinitionHit(definition.path, definition.start_line, end, getattr(definition, "symbol", "") or
                         definition.name, text, definition.language or "", score, getattr(definition, "repo", ""))


def _definition_text(definition: Any, searcher: Any) -> str:
    """The definition's lines from the file (at most `MAX_LINES`); its signature + doc when unreadable."""
    root = getattr(searcher, "root", None)
    repo = getattr(definition, "repo", "")
    if repo and hasattr(searcher, "repos"):
        try:
            root = searcher.repos().get(repo, root)
        except Exception:  # noqa: BLE001 — fall back to the index root
            pass
    if root is not None:
        try:
            lines = (Path(root) / definition.path).read_text("utf-8", errors="replace").split("\n")
            last = min(definition.end_line, definition.start_line + MAX_LINES - 1)
            body = lines[definition.start_line - 1:last]
            if body:
                return "\n".join(body)
        except OSError:
            pass
    doc = f"{definition.doc}\n" if definition.doc else ""
    return doc + definition.signature
