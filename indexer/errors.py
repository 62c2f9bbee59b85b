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
        super().__init__(
            f"No index for {root} (looked in {index_dir}). Create it with: codeassist index {root}"
        )


class IndexCorrupt(CodeassistError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The index database {path} is damaged ({detail}). "
            "Rebuild it with: codeassist index --rebuild"
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
