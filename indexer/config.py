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
    # Characters. Lines longer than this holding most of a file's text, or one of them with a generated
    # marker, make it minified (reason "minified"; see content_sniff). A few long lines alone never do.
    max_line_length: int = 1_000
    # No chunk text is longer than this; bigger units are split at child boundaries.
    max_chunk_chars: int = DEFAULT_MAX_CHUNK_CHARS
    # Line windows for files without a grammar.
    window_lines: int = 60
    window_overlap: int = 10
    # Absolute, resolved folders holding an index (the pipeline sets the one it writes to): an index
    # folder inside the repository is never indexed, and counted as `excluded` (see discovery).
    index_dirs: tuple[str, ...] = ()
