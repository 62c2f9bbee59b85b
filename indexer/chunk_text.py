"""How the index stores a chunk's text: raw DEFLATE (zlib, no header) in a BLOB, or the plain TEXT when
compressing would not make it smaller (and in an index made before migration 7, until it is migrated).

Chunk text is the largest part of the index database (code compresses about 2x even in ~500-byte
pieces; bench/index_size.py measures it). Every reader goes through `unpack_text`, registered on each
connection of the index as the SQL function ``chunk_text(text)`` (store_connection.py), so queries
select ``chunk_text(c.text)`` and never see the stored form.
"""

from __future__ import annotations

import zlib

_WBITS = -15  # raw DEFLATE: no zlib header or checksum (6 bytes a chunk); the row's text_hash checks it
_LEVEL = 9


def pack_text(text: str) -> bytes | str:
    """The stored form of a chunk's text: deflated bytes, or `text` itself when that is not smaller."""
    raw = text.encode("utf-8", "surrogatepass")
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS)
    packed = packer.compress(raw) + packer.flush()
    return packed if len(packed) < len(raw) else text


def unpack_text(stored: bytes | str | None) -> str | None:
    """The chunk text of a stored value (see `pack_text`); TEXT passes through unchanged, NULL stays None.

    Raises zlib.error for a BLOB that is not raw DEFLATE (a damaged row)."""
    if stored is None or isinstance(stored, str):
        return stored
    return zlib.decompress(bytes(stored), _WBITS).decode("utf-8", "surrogatepass")
