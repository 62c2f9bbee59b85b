"""The text an embedder sees for a chunk: a natural-language view of the code, short enough for the model.

all-MiniLM-L6-v2 was trained on sentences of at most 128 word pieces, and code spends word pieces on
punctuation and on identifiers the tokenizer does not know (``getSigningSerializer`` is eight pieces,
``get signing serializer`` three). So the view is:

    <path words> : <symbol words> (<kind>)
    <header: the split symbol's signature, for a fragment of one>
    <the chunk's words: identifiers split into words, punctuation dropped>

in that order, so the cut at 128 pieces takes the end of the body, never the names. A chunk that says
nothing a question could be about (only imports, or a generated table of literals) is reduced to its
first line of words: it still gets a vector (dense coverage stays complete) but costs almost nothing.

`VIEW = "code"` gives the previous view (``path :: symbol (kind)`` then the raw body) for the ablation in
bench/retrieval.py.
"""

from __future__ import annotations

import re

VIEW = "nl"  # "nl" | "code"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[^\W_]+")
_IMPORT_LINE = re.compile(
    r"^\s*(import\b|from\s+\S+\s+import\b|package\b|use\b|using\b|require\b|#include\b|#import\b"
    r"|@import\b|extern crate\b|export\s+\*|export\s+\{[^}]*\}\s+from\b|[\"'][\w./@-]+[\"'],?$|[)}\]];?$|\($)"
)
_TOKEN = re.compile(r"\w+")
_LITERAL = re.compile(r"^(0[xXbBoO][0-9a-fA-F_]+|\d[\w.]*)$")
_COMMENT_LINE = re.compile(r"^\s*(#|//|/\*|\*|--|;)")
# Words kept of a chunk that adds nothing (import-only, a table of literals).
_TRIVIAL_WORDS = 24


def split_words(text: str) -> str:
    """Identifiers as words: ``parseHTTPHeader`` -> ``parse HTTP Header``, ``max_retries`` -> ``max retries``;
    everything that is not a letter or digit is dropped."""
    return " ".join(_WORD.findall(_CAMEL.sub(" ", text)))


def is_trivial(text: str) -> bool:
    """Whether a chunk adds nothing worth a full embedding: only imports (and comments), or a table
    of literals (mostly numbers, hex, quoted strings)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return True
    code = [line for line in lines if not _COMMENT_LINE.match(line)]
    if code and all(_IMPORT_LINE.match(line) for line in code):
        return True
    if len(text) <= 400:
        return False
    tokens = _TOKEN.findall(text)
    return bool(tokens) and sum(1 for t in tokens if _LITERAL.match(t)) >= 0.6 * len(tokens)


def document_view(path: str, symbol: str, kind: str, text: str, header: str = "") -> str:
    """The text embedded for a chunk (see the module docstring)."""
    if VIEW == "code":
        head = f"{path} :: {symbol}" if symbol else path
        if kind and kind not in ("window", "module"):
            head = f"{head} ({kind})"
        return f"{head}\n{text}"
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    head = split_words(stem)
    if symbol:
        head = f"{head} : {split_words(symbol)}"
    if kind and kind not in ("window", "module"):
        head = f"{head} ({kind})"
    body = split_words(text)
    if is_trivial(text):
        body = " ".join(body.split()[:_TRIVIAL_WORDS])
    if header:
        return f"{head}\n{split_words(header)}\n{body}"
    return f"{head}\n{body}"
