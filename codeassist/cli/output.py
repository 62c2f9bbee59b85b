"""How results reach the screen or a pipe: rich on a terminal, whole plain lines everywhere else.

On a terminal, code is highlighted and fitted to the window. When stdout is a pipe or a file,
nothing is ever cut or re-wrapped: `codeassist search X | less` and `> hits.txt` get every character of
every line, with its line number.
"""

from __future__ import annotations

from typing import Any

import click


def make_console() -> Any:
    """A rich console for stdout; off a terminal it never wraps or crops (soft_wrap)."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console.soft_wrap = True
    return console


def print_code(console: Any, text: str, language: str | None, start_line: int, *, wrap: bool = False) -> None:
    """Numbered lines of code starting at `start_line` (1-based): highlighted on a terminal
    (`wrap`: long lines wrap instead of being cropped), plain and whole otherwise."""
    text = text.rstrip("\n")
    if console.is_terminal:
        from rich.syntax import Syntax

        lexer = language if language not in (None, "", "text") else "text"
        console.print(Syntax(text, lexer, line_numbers=True, start_line=start_line, word_wrap=wrap,
                             theme="ansi_dark"))
        return
    lines = text.split("\n")
    width = len(str(start_line + len(lines) - 1))
    click.echo("\n".join(f"{number:>{width}}  {line}" for number, line in enumerate(lines, start=start_line)))
