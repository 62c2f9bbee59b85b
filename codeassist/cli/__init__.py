"""The `codeassist` command line: one click group; each noun's commands live in their own module.

Command modules import heavy libraries (numpy, faiss, tree-sitter, openai) inside the command
functions, never at module level, so `codeassist --help` and `codeassist search` start fast.
"""

from __future__ import annotations

from codeassist.cli.main import cli, main  # noqa: F401
