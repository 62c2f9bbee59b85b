"""The vector index's file: format, atomic write, checked read, and cleanup of a killed save's debris.

``MAGIC``, an 8-byte little-endian header length, a JSON header (format version, model id, dimension,
live count, layout, payload size and CRC-32), then the ``faiss.serialize_index`` bytes. No pickle.
Written to a temporary file in the same folder, fsynced and renamed over the old one, so a crash leaves
the old file or the new one; a full disk keeps the old file and says so.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from codeassist.indexer.errors import CodeassistError, storage_error

FORMAT_VERSION = 1
MAGIC = b"CODEASSIST-FAISS\n"
TEMP_SUFFIX = ".tmp"  # a save writes <name>.<random>.tmp next to the file, then renames it


def remove_temp_files(path: Path) -> list[Path]:
    """Delete the temporary files a killed `save` of ``path`` left behind; returns them.
    Call it only while holding the index lock (no other save can be running)."""
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(f"{glob.escape(path.name)}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if tmp.is_file():
                tmp.unlink()
                removed.append(tmp)
    return removed


class VectorIndexUnusable(CodeassistError):
    """The saved vector index cannot be used; ``reason`` says why. Rebuild it from the cache."""

    def __init__(self, path: Path | str, reason: str, detail: str) -> None:
        self.reason = reason  # "missing", "truncated", "corrupt", "version", "model", "dimension"
        super().__init__(
            f"The vector index {path} cannot be used ({detail}). It is rebuilt from the embedding "
            "cache on the next `codeassist index`; to start over, run: codeassist index --rebuild"
        )


def write_vector_file(path: Path, header: dict[str, Any], payload: np.ndarray) -> None:
    """Write ``path`` atomically. Raises IndexStorageError (disk full, permissions, a folder in the way)
    after removing the temporary file; the previous file at ``path`` is then untouched, and the message
    says so."""
    raw_header = json.dumps(header, sort_keys=True).encode("utf-8")
    kept = f"the previous {path.name} is kept" if path.is_file() else ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as err:
        raise storage_error(path, err, f"saving {path.name}", kept) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC)
            f.write(struct.pack("<Q", len(raw_header)))
            f.write(raw_header)
            f.write(memoryview(payload))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise storage_error(path, err, f"saving {path.name}", kept) from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_vector_file(path: Path, *, with_payload: bool) -> tuple[dict[str, Any], np.ndarray]:
    """(header, payload) of a saved index; raises VectorIndexUnusable for a missing, truncated or
    damaged file or another format version."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8:
                raise VectorIndexUnusable(path, "truncated", "the file is empty or truncated")
            if head[: len(MAGIC)] != MAGIC:
                raise VectorIndexUnusable(path, "corrupt", "not a codeassist vector index")
            (header_len,) = struct.unpack("<Q", head[len(MAGIC) :])
            raw_header = f.read(header_len) if header_len < 1 << 20 else b""
            if len(raw_header) != header_len:
                raise VectorIndexUnusable(path, "truncated", "the header is truncated")
            try:
                header = json.loads(raw_header)
            except ValueError as exc:
                raise VectorIndexUnusable(path, "corrupt", "the header is not JSON") from exc
            if header.get("format") != "codeassist-faiss" or header.get("version") != FORMAT_VERSION:
                raise VectorIndexUnusable(
                    path, "version", f"format version {header.get('version')}, this codeassist reads {FORMAT_VERSION}"
                )
            if not with_payload:
                return header, np.empty(0, dtype=np.uint8)
            payload = np.frombuffer(f.read(), dtype=np.uint8)
    except FileNotFoundError as exc:
        raise VectorIndexUnusable(path, "missing", "the file does not exist") from exc
    except OSError as exc:
        raise VectorIndexUnusable(path, "corrupt", f"cannot read it: {exc}") from exc
    if payload.nbytes != header.get("payload_bytes"):
        raise VectorIndexUnusable(
            path, "truncated", f"{payload.nbytes} of {header.get('payload_bytes')} bytes present"
        )
    if zlib.crc32(memoryview(payload)) != header.get("crc32"):
        raise VectorIndexUnusable(path, "corrupt", "checksum mismatch")
    return header, payload
