"""One normal form for document URIs, used by every lookup the server makes (open documents, neighbouring
tabs, unsaved-buffer reads, which workspace folder a file belongs to).

Editors spell the same file differently: VS Code sends `file:///c%3A/Users/a%20b/x.py`, Neovim
`file:///C:/Users/a%20b/x.py`, some clients leave spaces and non-ASCII unencoded or write
`file://localhost/`. pygls keys its documents by the percent-decoded URI, so a handler looking up the raw
one finds nothing. `document_key` maps all spellings of a file to one string; `uri_path` turns a URI into
a filesystem path (decoding only the path part, so `#` and `%` in names survive).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlparse

_DRIVE = re.compile(r"^/([A-Za-z]):")


def _canonical(decoded: str) -> str:
    if decoded.startswith("file://localhost/"):
        decoded = "file:///" + decoded[len("file://localhost/"):]
    if decoded.startswith("file:///"):
        path = decoded[len("file://"):]
        drive = _DRIVE.match(path)
        if drive:  # Windows drive letters: case-insensitive, `%3A`-encoded or not
            path = "/" + drive.group(1).lower() + ":" + path[2:].replace("\\", "/")
        return "file://" + path
    return decoded


def document_key(uri: str) -> str:
    """The normal form of a URI as a client sent it (percent-encoded or not).

    >>> document_key("file:///C%3A/a%20b/%C3%BC.py") == document_key("file:///c:/a b/ü.py")
    True
    """
    return _canonical(unquote(uri))


def decoded_key(decoded_uri: str) -> str:
    """The normal form of a URI that is already percent-decoded (how pygls keys its documents)."""
    return _canonical(decoded_uri)


def uri_path(uri: str) -> PurePosixPath | PureWindowsPath | None:
    """The path a `file:` URI names (a Windows path for `file:///C:/...`), None for other schemes and for
    paths no file system can hold (a percent-encoded NUL)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = unquote(parsed.path)
    if "\x00" in path:  # `%00`: no file system path holds a NUL (os calls raise ValueError on it)
        return None
    if _DRIVE.match(path):
        return PureWindowsPath(path[1:])
    return PurePosixPath(path)


def local_path(uri: str) -> Path | None:
    """`uri_path` as a concrete path of this machine (None for other schemes)."""
    path = uri_path(uri)
    return Path(str(path)) if path is not None else None


def key_path(key: str) -> Path | None:
    """The local path a `document_key` names (None for other schemes)."""
    if not key.startswith("file:///") or "\x00" in key:
        return None
    path = key[len("file://"):]
    return Path(path[1:]) if _DRIVE.match(path) else Path(path)
