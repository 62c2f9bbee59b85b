"""Plain data passed between the indexer's steps: chunks in, hits out. No behaviour, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable unit of a file, as produced by `chunk_source`.

    Lines are 1-based and inclusive. `text` is exactly the source lines `start_line..end_line`
    (leading comments and docstring included), decoded as UTF-8 with replacement.
    `symbol` is the enclosing symbol path such as ``Parser.parse`` ("" for top-level windows).
    `kind` is one of KINDS. `header`: for a fragment of a definition split for size (every piece but
    the one holding its signature), the definition's signature on one line, so the fragment says what
    it is part of; "" otherwise.
    """

    start_line: int
    end_line: int
    kind: str
    symbol: str
    text: str
    language: str
    header: str = ""


# What a chunk can be. Code needs no per-language branches: query captures map onto these.
KINDS = (
    "function",  # free function
    "method",  # function inside a class/impl/interface
    "class",  # class / struct / interface / enum / trait / impl header with fields (method bodies excluded)
    "module",  # top-level code that is not inside a definition, grouped into windows
    "section",  # markdown heading section
    "window",  # line window of a file with no grammar (or a file the parser gave up on)
)


@dataclass(slots=True)
class Hit:
    """A search result. `path` is relative to the indexed root, POSIX separators."""

    path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    language: str
    score: float
    text: str
    chunk_id: int = 0
    repo: str = ""
    # Which retrievers found it ("lexical", "dense"), for explanations and debugging.
    sources: list[str] = field(default_factory=list)
    header: str = ""  # the signature of the definition this chunk is a fragment of (see Chunk)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
