"""A file's bytes as the chunker reads them: UTF-8, no byte-order mark, every line ending a "\\n".

Encoding artefacts must never change chunks, comments, symbols or line numbers, so they are removed
before parsing, for every language alike:

- a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) is dropped; UTF-16/32 text is decoded to UTF-8
  (bad code units become U+FFFD, never an error);
- "\\r\\n" and a lone "\\r" (classic Mac files, or mixed in by an editor) each end one line, as in every
  editor and in the LSP's line numbering; tree-sitter counts rows by "\\n" only, so they become "\\n".

Files without a BOM that are not UTF-8 are left to the decoder's replacement characters downstream.
The content hash is taken from the file's own bytes, not from this text.
"""

from __future__ import annotations

import codecs

__all__ = ["bom_encoding", "decode_source", "normalise_source"]

# Longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec name, BOM length in bytes) when `data` starts with a byte-order mark, else None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def normalise_source(data: bytes) -> bytes:
    """`data` as UTF-8 without a BOM and with "\\n" line endings only. Returns `data` itself when
    there is nothing to change (the common case costs two byte scans)."""
    found = bom_encoding(data)
    if found is not None:
        name, skip = found
        body = data[skip:]
        if name != "utf-8":
            body = body.decode(name, errors="replace").encode("utf-8", errors="replace")
        data = body
    if b"\r" in data:
        # Safe on bytes: in UTF-8 the byte 0x0D never occurs inside a multi-byte character.
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def decode_source(data: bytes) -> str:
    """A file's text with the line numbering of the index (for anything that maps hit lines back to a
    file read from disk): `normalise_source`, decoded as UTF-8 with replacement characters."""
    return normalise_source(data).decode("utf-8", errors="replace")
