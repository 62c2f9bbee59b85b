"""codeassist.indexer: discover files, chunk them with tree-sitter, store and search them.

A library with no idea an LLM exists. The public API is re-exported here lazily so that
`import codeassist.indexer` stays cheap (the CLI's start-up time matters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codeassist.indexer.model import Chunk, Hit

if TYPE_CHECKING:
    from codeassist.indexer.api import Index, open_index  # noqa: F401

__all__ = ["Chunk", "Hit", "Index", "open_index"]


def __getattr__(name: str) -> Any:
    if name in ("Index", "open_index"):
        from codeassist.indexer import api

        return getattr(api, name)
    raise AttributeError(name)
