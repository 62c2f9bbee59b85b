"""The language of a file whose name says nothing (`bin/tool`, `script.cgi`), from its first lines.

Read in order, the first that names a language we know wins:

1. a shebang: `#!/usr/bin/env python3`, `#!/usr/bin/env -S node --flag`, `#!/bin/bash`, `#!/usr/bin/perl -w`
   (the interpreter's name, version digits dropped: python3.11 -> python);
2. an Emacs mode line on the first line (the second after a shebang): `-*- mode: ruby -*-`, `-*- lua -*-`;
3. a Vim modeline in the first or last 5 lines: `vim: ft=python`, `vim: set filetype=sh :`, `vi: syntax=perl`.

Pure and cheap: looks at the first and last few lines of what was read anyway.
"""

from __future__ import annotations

import re

from codeassist.indexer.languages import language_info

__all__ = ["language_for_content"]

# Interpreter or editor mode name -> our language name.
_ALIASES = {
    "python": "python", "pypy": "python", "ipython": "python",
    "node": "javascript", "nodejs": "javascript", "js": "javascript", "javascript": "javascript",
    "rhino": "javascript", "ts-node": "typescript", "tsx": "typescript", "typescript": "typescript",
    "deno": "typescript", "bun": "typescript",
    "sh": "bash", "bash": "bash", "zsh": "bash", "ksh": "bash", "dash": "bash", "ash": "bash",
    "mksh": "bash", "shell-script": "bash", "shell": "bash",
    "ruby": "ruby", "jruby": "ruby", "php": "php", "lua": "lua", "luajit": "lua",
    "perl": "perl", "cperl": "perl", "rscript": "r", "r": "r", "julia": "julia", "elixir": "elixir",
    "escript": "erlang", "erlang": "erlang", "runhaskell": "haskell", "haskell": "haskell",
    "groovy": "groovy", "scala": "scala", "swift": "swift", "kotlin": "kotlin", "pwsh": "powershell",
    "powershell": "powershell", "make": "makefile", "makefile": "makefile", "c": "c", "c++": "cpp",
    "cpp": "cpp", "go": "go", "rust": "rust", "java": "java", "csharp": "csharp", "cs": "csharp",
    "yaml": "yaml", "json": "json", "toml": "toml", "markdown": "markdown", "md": "markdown",
    "sql": "sql", "html": "html", "xml": "xml", "css": "css", "dockerfile": "dockerfile",
}  # fmt: skip
_VERSION = re.compile(r"[\d.]+$")
_EMACS = re.compile(r"-\*-\s*(?:.*?\bmode:\s*([\w+-]+)|([\w+-]+))\s*(?:;.*?)?-\*-", re.IGNORECASE)
_VIM = re.compile(r"(?:^|\s)(?:vim?|ex):\s*(?:set?\s+)?(?:.*?[\s:])?(?:ft|filetype|syntax)=([\w+-]+)")
_HEAD_LINES = 5


def language_for_content(head: bytes) -> str | None:
    """Our language name for a file starting with `head` (its first bytes; a few KB are plenty), or
    None when neither a shebang nor a modeline names one we know."""
    text = head[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()
    if not lines:
        return None
    found = None
    if lines[0].startswith("#!"):
        found = _shebang(lines[0][2:])
    if found is None:
        for line in lines[:2]:
            match = _EMACS.search(line)
            if match:
                found = _known(match.group(1) or match.group(2))
                break
    if found is None:
        tail = head[-2048:].decode("utf-8", errors="replace").splitlines()[-_HEAD_LINES:]
        for line in [*lines[:_HEAD_LINES], *tail]:
            match = _VIM.search(line)
            if match:
                found = _known(match.group(1))
                break
    return found


def _shebang(command: str) -> str | None:
    words = command.split()
    if not words:
        return None
    program = words[0].rpartition("/")[2]
    rest = words[1:]
    if program == "env":
        # `env -S python3 -u`, `env PYTHONPATH=. python3`: the first word that is neither.
        rest = [w for w in rest if not w.startswith("-") and "=" not in w]
        if not rest:
            return None
        program = rest[0].rpartition("/")[2]
    return _known(program)


def _known(name: str | None) -> str | None:
    if not name:
        return None
    low = name.lower()
    language = _ALIASES.get(low, _ALIASES.get(_VERSION.sub("", low)))
    return language if language is not None and language_info(language) is not None else None
