"""Domain errors of the indexer. Every message says how to fix the problem.

`CodeassistError` is the root of every error the product raises on purpose; the CLI turns it into a
clean one-line message and exit code, the language server into `window/showMessage`.
"""

from __future__ import annotations


class CodeassistError(Exception):
    """An error the user can act on. `str(err)` is the whole message, fix included."""

    exit_code = 1


class RootNotFound(CodeassistError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: no such directory. Pass the path of a repository to index.")


class IndexNotFound(CodeassistError):
    def __init__(self, root: str, index_dir: str) -> None:
        blocker = _file_in_the_way(str(index_dir))
        if blocker is not None:  # `codeassist index` could not create it there either: say why
            super().__init__(
                f"No index for {root}: {blocker} is a file, so there can be no index folder {index_dir}. "
                "Pass --index-dir a folder path (or move the file away)."
            )
            return
        super().__init__(
            f"No index for {root} (looked in {index_dir}). Create it with: codeassist index {root}"
        )


def _file_in_the_way(path: str) -> str | None:
    """The nearest existing ancestor of `path` (or `path` itself) when it is not a folder, else None."""
    import os

    current = os.path.abspath(path)
    while True:
        if os.path.lexists(current):
            return None if os.path.isdir(current) else current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class IndexCorrupt(CodeassistError):
    def __init__(self, path: str, detail: str) -> None:
        import os

        folder = os.path.dirname(path) or "."
        super().__init__(
            f"The index database {path} is damaged ({detail}). "
            f"Rebuild it from the repository's folder with: codeassist index --rebuild --index-dir {folder}"
        )


class IndexLocked(CodeassistError):
    exit_code = 3

    def __init__(self, path: str, holder: str = "") -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(
            f"Another codeassist process is updating the index at {path}{who}. "
            "Wait for it to finish, or stop it, then run the command again."
        )


class ModelNotFound(CodeassistError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The local embedding model was not found ({detail}). Install it with: codeassist model install "
            "(or set CODEASSIST_EMBED_MODEL to a folder holding model.safetensors and tokenizer.json)"
        )


class EmbeddingError(CodeassistError):
    """The embeddings provider failed or returned something unusable."""


class IndexReadOnly(CodeassistError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The index at {path} is read-only: it can be searched but not updated. To update it, make "
            f"it writable (chmod -R u+w {path}) or index into another folder with --index-dir."
        )


class IndexStorageError(CodeassistError):
    """The index folder cannot be used for a reason outside the index itself: disk full, permissions,
    a folder where a file belongs, a file where a folder belongs. The message names the cause and the fix."""


def storage_error(path: object, err: OSError, doing: str, kept: str = "") -> IndexStorageError:
    """One line for an OSError met while `doing` something to `path` (`kept`: what survived)."""
    import errno

    after = f"; {kept}" if kept else ""
    if err.errno == errno.ENOSPC or err.errno == errno.EDQUOT:
        return IndexStorageError(f"No space left on the device holding {path} while {doing}{after}. "
                                 "Free some space, then run: codeassist index")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return IndexStorageError(f"Permission denied while {doing} ({path}){after}. Make the index folder "
                                 "writable, or pass --index-dir a folder you can write.")
    if err.errno == errno.EISDIR:
        import os

        folder = path if os.path.isdir(str(path)) else (err.filename2 or err.filename or path)
        return IndexStorageError(f"{folder} is a folder where codeassist keeps a file, so {doing} failed{after}. "
                                 f"Remove it (rm -r '{folder}') and run again.")
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return IndexStorageError(f"Part of {path} is a file where a folder is needed, so {doing} failed{after}. "
                                 "Pass --index-dir a folder path (or move the file away).")
    return IndexStorageError(f"{doing.capitalize()} failed ({path}: {err.strerror or err}){after}.")
