"""Which names matter at the cursor: the callee being typed, the receiver of a member access and its
annotated type, the enclosing function's parameter types, names used in the lines around the cursor, and
the file's imported names ranked by how likely the next line is to use them.

Pure: the buffer text, the cursor and the buffer's imports in, a ranked list of `WantedName` out (best
first). Resolution to definitions happens in `lsp/definition_context.py`.

Scores (higher = more relevant; only the order matters):
- callee of the call being typed (`name(|`, `obj.name(a, |`): 1000;
- the annotated type of the receiver of a member access (`client.|` with `client: S3Client`): 900;
- the receiver itself when it is an imported module/package (`settings.|`): 850;
- names used within `NEAR_LINES` lines of the cursor: 100 / (1 + distance in lines), calls and types x2;
- the enclosing function's parameter/return types: 60;
- every imported name (the `x = |` case, where nothing at the cursor names the callee yet):
  `USAGE_WEIGHT` * log(1 + uses in the file) + `SIMILARITY_WEIGHT` * subword overlap with the lines
  around the cursor + `IMPORT_BASE`.
"""

from __future__ import annotations

import builtins
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# `name`, `module.member`, each with whether a call follows.
USE_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?\s*(\()?")
SUBWORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
NEAR_LINES = 15
NEAR_LINES_AFTER = 8
USAGE_WINDOW_LINES = 150
USAGE_WEIGHT = 6.0
SIMILARITY_WEIGHT = 12.0
IMPORT_BASE = 1.0
# Receivers that name the current object, never a module.
SELF_NAMES = frozenset({"self", "cls", "this", "super"})
# Language keywords and the builtins/globals every file may use without a definition in the repository.
KEYWORDS = frozenset(dir(builtins)) | frozenset("""
and as assert async await break case catch class const continue def default defer del do elif else enum
except export extends false final finally fn for from func function go if impl import in interface is
lambda let match mod new nil none not null or package pass pub raise range return select static struct
switch this throw true try type typeof undefined use var void while with yield self cls super chan map
string int bool float str list dict set tuple bytes object any error len print make append cap println
instanceof keyof readonly implements declare namespace Object Array Promise Math JSON console Number
String Boolean Symbol Map Set WeakMap Error Date RegExp setTimeout clearTimeout parseInt parseFloat window
document require module exports new delete copy panic recover complex real imag close
""".split())
# `name: Type` (Python, TS, Rust, Kotlin) and `name Type` / `name *pkg.Type` (Go parameters).
ANNOTATION_TEMPLATES = (r"\b{name}\s*:\s*([A-Za-z_][\w.]*)", r"\b{name}\s+\*?\[?\]?\*?([A-Z][\w]*(?:\.[A-Z]\w*)?)",
                        r"\b{name}\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:new\s+|await\s+)?([A-Z][\w.]*)\s*[({]")


@dataclass(frozen=True, slots=True)
class WantedName:
    """A name to resolve: `name` as written (bare or dotted `mod.func`), its score and why it was chosen."""

    name: str
    score: float
    reason: str  # "callee" | "receiver-type" | "receiver" | "nearby" | "parameter-type" | "imported"


def import_bindings(imports: list[Any]) -> dict[str, Any]:
    """Local name -> Import for the names an import binds (aliases honoured; star imports bind nothing)."""
    bound: dict[str, Any] = {}
    for imp in imports:
        if imp.name == "*":
            continue
        local = imp.alias or imp.name or imp.module.rstrip("/").split("/")[-1].split(".")[0].split("::")[-1]
        if local and IDENT_RE.fullmatch(local) and "." not in local:
            bound.setdefault(local, imp)
    return bound


def callee_at(line_prefix: str) -> str:
    """The dotted name before the innermost unclosed `(` of the line prefix ("" when not inside a call)."""
    depth = 0
    for pos in range(len(line_prefix) - 1, -1, -1):
        char = line_prefix[pos]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                if char != "(":
                    return ""
                match = re.search(r"([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*(?:<[^<>]*>)?\s*$",
                                  line_prefix[:pos])
                return re.sub(r"\s+", "", match.group(1)) if match else ""
            depth -= 1
    return ""


def receiver_at(line_prefix: str) -> str:
    """`client` for a cursor after `client.` or `client.get_ob` ("" when not after a member access)."""
    match = re.search(r"([A-Za-z_$][\w$]*)\s*(?:\?\.|\.|->|::)\s*[\w$]*$", line_prefix)
    return match.group(1) if match else ""


def annotated_type(name: str, texts: list[str]) -> str:
    """The type a parameter/variable annotation or a constructor call gives `name`, searched in `texts`
    (the enclosing signature first, then the previous lines, nearest first); "" when none says."""
    for text in texts:
        for template in ANNOTATION_TEMPLATES:
            match = re.search(template.replace("{name}", re.escape(name)), text)
            if match and match.group(1).split(".")[-1] not in KEYWORDS:
                return match.group(1)
    return ""


@lru_cache(maxsize=4096)
def name_subwords(name: str) -> frozenset[str]:
    """`subwords` of one identifier, cached (names repeat from keystroke to keystroke)."""
    return frozenset(subwords(name))


def subwords(text: str) -> set[str]:
    """Lower-cased subwords of identifiers (`makeS3Client` / `make_s3_client` -> make, s, 3, client)."""
    return {w.lower() for w in SUBWORD_RE.findall(text) if len(w) > 1}


def wanted_names(
    *,
    lines: list[str],
    line: int,
    line_prefix: str,
    signature: str,
    intent: str,
    imports: list[Any],
    local_names: set[str],
    limit: int = 12,
    external: set[str] = frozenset(),
) -> list[WantedName]:
    """The names worth resolving at the cursor, best first (at most `limit`).

    lines: the buffer split on newlines; line: the cursor's 0-based line; line_prefix: its text before the
    cursor; signature: the enclosing function's header ("" outside one); intent: the comment above the
    cursor; imports: the buffer's `Import`s; local_names: names the buffer defines (not worth resolving);
    external: names imported from outside the repository (only resolved when they are the callee)."""
    scores: dict[str, tuple[float, str]] = {}
    bindings = import_bindings(imports)

    def want(name: str, score: float, reason: str) -> None:
        head = name.split(".")[0]
        if head in SELF_NAMES and "." in name:
            name = name.split(".", 1)[1]
        if not name or name.split(".")[-1] in KEYWORDS or (reason != "callee" and head in external):
            return
        if "." not in name and name in local_names:
            return
        if "." in name and name.split(".")[0] not in bindings:
            name = name.rsplit(".", 1)[1]  # `obj.method`: the receiver's type is unknown, look up the member
            if name in local_names:
                return
        old = scores.get(name)
        if old is None or old[0] < score:
            scores[name] = (score + (old[0] if old else 0) * 0.1, reason)
        else:
            scores[name] = (old[0] + score * 0.1, old[1])

    callee = callee_at(line_prefix)
    if callee:
        want(callee, 1000, "callee")
    receiver = receiver_at(line_prefix)
    if receiver and receiver not in SELF_NAMES:
        if receiver in bindings:
            want(receiver, 850, "receiver")
        else:
            nearby_text = [signature] + [lines[r] for r in range(line - 1, max(-1, line - 60), -1)]
            kind = annotated_type(receiver, nearby_text)
            if kind:
                want(kind, 900, "receiver-type")
    for kind in re.findall(r"[:>]\s*\*?\[?\]?([A-Z][\w]*(?:\.[A-Z]\w*)?)|\s\*?([A-Z]\w*)\s*[,)]", signature):
        name = kind[0] or kind[1]
        if name:
            want(name, 60, "parameter-type")
    first, last = max(0, line - NEAR_LINES), min(len(lines), line + 1 + NEAR_LINES_AFTER)
    for row in range(first, last):
        text = line_prefix if row == line else lines[row]
        distance = abs(line - row)
        for match in IDENT_RE.finditer(text):
            name = match.group(0)
            after = text[match.end():match.end() + 2].lstrip()
            head = name.split(".")[0]
            called = after.startswith("(")
            typed = name.split(".")[-1][:1].isupper()
            if not (called or typed or head in bindings):
                continue
            if "." in name and head not in bindings:
                if not called:
                    continue
            elif "." in name:
                name = f"{head}.{name.split('.')[-1]}"
            want(name, 100 / (1 + distance) * (2 if called or typed else 1), "nearby")
    around = subwords(" ".join([intent, signature, line_prefix] + lines[first:line]
                               + lines[line + 1:last]))
    # The file's imported names (and members of imported modules), plus names it calls that nothing in it
    # defines (same-package functions in Go, globals): what the next line most likely uses.
    # Counted within `USAGE_WINDOW_LINES` of the cursor: bounded work in a long file, and the uses nearby
    # say more about the next line than the ones at the other end of the file.
    usage: dict[str, int] = {}
    called: dict[str, int] = {}
    window = "\n".join(lines[max(0, line - USAGE_WINDOW_LINES):line + USAGE_WINDOW_LINES])
    for (head, member, paren), count in Counter(USE_RE.findall(window)).items():
        if member and head in bindings and not bindings[head].name:
            key = f"{head}.{member}"
            usage[key] = usage.get(key, 0) + count
        elif head in bindings and bindings[head].name:
            usage[head] = usage.get(head, 0) + count
        elif paren and not member and head not in local_names and head not in KEYWORDS:
            called[head] = called.get(head, 0) + count
    pool = [(key, count - (1 if "." not in key else 0)) for key, count in usage.items()]
    pool += [(key, count) for key, count in called.items() if key not in usage]
    for key, uses in pool:
        parts = name_subwords(key.split(".")[-1])
        overlap = len(parts & around) / max(1, len(parts))
        base = IMPORT_BASE if key.split(".")[0] in bindings else 0.0
        want(key, USAGE_WEIGHT * math.log1p(max(0, uses)) + SIMILARITY_WEIGHT * overlap + base, "imported")
    ranked = sorted(scores.items(), key=lambda item: -item[1][0])[:limit]
    return [WantedName(name, score, reason) for name, (score, reason) in ranked]
