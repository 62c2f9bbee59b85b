"""Options the indexer understands. The application's settings object maps onto this."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_FILE_BYTES = 1_000_000
DEFAULT_MAX_CHUNK_CHARS = 1_500


@dataclass(slots=True)
class IndexConfig:
    # Extra gitignore-style globs to leave out, on top of .gitignore / .codeassistignore.
    exclude: list[str] = field(default_factory=list)
    # Files bigger than this are skipped (reason "too_large").
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # A line longer than this marks a file as minified/generated (reason "minified").
    max_line_length: int = 1_000
    # No chunk text is longer than this; bigger units are split at child boundaries.
    max_chunk_chars: int = DEFAULT_MAX_CHUNK_CHARS
    # Line windows for files without a grammar.
    window_lines: int = 60
    window_overlap: int = 10
