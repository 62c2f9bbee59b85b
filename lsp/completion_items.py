"""The shape of a `textDocument/completion` item holding a suggestion, for clients without inline
completion (Emacs/eglot, Neovim's built-in completion, Helix...).

Clients filter items by the word being typed: the item's range must start where that word starts and
its label/filterText/newText must include the typed part. After `ret`, a suggestion `urn x` becomes the
item `return x` replacing `ret`. Sort keys are printable (eglot rejects a reply holding "\\u0000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL_MAX_CHARS = 60
SORT_FIRST = "0000"  # sorts before the letters and digits other servers' items start with
_WORD_TAIL = re.compile(r"\w+$")


@dataclass(frozen=True, slots=True)
class ItemText:
    start_character: int  # where the replaced word starts on the cursor line (Python string index)
    new_text: str  # typed word + suggestion
    label: str  # first line of new_text, shortened
    filter_text: str


def word_start(line_prefix: str) -> int:
    """Index where the word ending at the cursor starts (the cursor itself when no word is being typed)."""
    match = _WORD_TAIL.search(line_prefix)
    return match.start() if match else len(line_prefix)


def item_text(line_prefix: str, suggestion: str) -> ItemText:
    """`line_prefix`: the cursor line up to the cursor; `suggestion`: the text to insert at the cursor."""
    start = word_start(line_prefix)
    new_text = line_prefix[start:] + suggestion
    first_line = new_text.split("\n", 1)[0]
    label = first_line.strip()[:LABEL_MAX_CHARS] or new_text.strip()[:LABEL_MAX_CHARS] or new_text[:LABEL_MAX_CHARS]
    return ItemText(start, new_text, label, first_line.lstrip() or label)
