"""Gitignore syntax, read the way git reads it (`dir.c` + `wildmatch.c`), one pattern at a time.

`compile_rules(lines)` turns the lines of a .gitignore / .codeassistignore / `[index] exclude` list into
`Rule`s; `Rule.matches(path, is_dir)` says whether the rule names exactly that path (its parents are the
caller's business: discovery checks every directory on the way down and never enters a left-out one,
which is how git itself walks). What git does, and so what this does:

- blank lines and `#` lines are nothing; trailing spaces go unless escaped (`\\ `); a CR before the LF
  goes; `\\#` and `\\!` are literal;
- `!` re-includes; a trailing `/` matches directories only; a pattern with no other `/` matches the base
  name at any depth, otherwise the path relative to the rule file's directory (a leading `/` anchors);
- `*` and `?` never match `/`; `**` between slashes (or at either end) matches any number of directories,
  and so does a `**` right after an anchored pattern's literal prefix (git matches `a**/b` as `a` +
  `**/b`, so it names `ab` too);
- `[...]` sets with `!`/`^` negation, ranges and `[:class:]`; a reversed range `[z-a]` matches its first
  character only (wildmatch reads `z` as a literal before it sees the range);
- a line git can never match with (a lone `\\` or any trailing `\\`, an unterminated `[`, an unknown
  `[:class:]`, `!` alone) is kept as a `Rule` that matches nothing, and listed in `problems` so the
  index summary can say which line of which file is dead. Nothing here raises on a bad line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "compile_rules"]

_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v", "upper": "A-Z", "xdigit": "0-9a-fA-F",
}  # fmt: skip
_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern line. `negate`: a `!` line; `dir_only`: ended in `/`; `anchored`: matched against the
    whole relative path (it had a `/`), else against the base name."""

    line: str
    negate: bool
    dir_only: bool
    anchored: bool
    regex: re.Pattern[str]

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether this rule names `path` (POSIX, relative to the rule file's directory, no trailing /)."""
        if self.dir_only and not is_dir:
            return False
        subject = path if self.anchored else path.rpartition("/")[2]
        return self.regex.fullmatch(subject) is not None


def compile_rules(lines: list[str], source: str = "") -> tuple[list[Rule], list[str]]:
    """Rules of one rule file, in file order, and the problems found ("<source>:<line>: <why>: <text>")."""
    rules: list[Rule] = []
    problems: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        line = _trim_trailing_spaces(line)
        if not line or line.startswith("#"):
            continue
        pattern = line
        negate = pattern.startswith("!")
        if negate:
            pattern = pattern[1:]
        dir_only = pattern.endswith("/") and not pattern.endswith("\\/")
        if dir_only:
            pattern = pattern[:-1]
        anchored = "/" in pattern
        if pattern.startswith("/"):
            pattern = pattern[1:]
        # git compares an anchored pattern's literal prefix (up to the first of `*?[\\`) as a plain string
        # and hands only the rest to wildmatch, so a `**` right after that prefix counts as leading.
        prefix = next((i for i, ch in enumerate(pattern) if ch in "*?[\\"), len(pattern)) if anchored else 0
        regex, why = _translate(pattern, prefix) if pattern else (None, "empty pattern")
        if regex is None:
            problems.append(f"{source}:{number}: {why}, the line matches nothing: {raw.strip()}")
            regex = _NEVER
        rules.append(Rule(raw, negate, dir_only, anchored, regex))
    return rules, problems


def _trim_trailing_spaces(line: str) -> str:
    end = len(line)
    while end and line[end - 1] == " ":
        backslashes = len(line[: end - 1]) - len(line[: end - 1].rstrip("\\"))
        if backslashes % 2:  # an escaped space stays
            break
        end -= 1
    return line[:end]


def _translate(pattern: str, prefix: int = 0) -> tuple[re.Pattern[str] | None, str]:
    """A regex for the whole subject, or (None, why) for a pattern wildmatch aborts on. `prefix`: where
    git starts wildmatch (`a**/b` matches `ab` in git: `**/b` is matched against `b`)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                return None, "trailing backslash"
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i in (0, prefix) or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if j - i >= 2 and at_start and at_end:
                if j == n:
                    out.append(".*")  # `dir/**`, or `**` alone
                    i = j
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more directories
                    i = j + 1
            else:
                out.append("[^/]*")
                i = j
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            parsed = _bracket(pattern, i)
            if parsed is None:
                return None, "unterminated or unknown [set]"
            regex, i = parsed
            out.append(regex)
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out), re.DOTALL), ""


def _bracket(pattern: str, i: int) -> tuple[str, int] | None:
    """The regex of the set starting at pattern[i] == '[' and the index after it; None: wildmatch aborts."""
    p = i + 1
    n = len(pattern)
    if p >= n:
        return None
    negated = pattern[p] in "!^"
    if negated:
        p += 1
    members: list[str] = []
    prev: str | None = None
    first = True
    while True:
        if p >= n:
            return None
        ch = pattern[p]
        if ch == "]" and not first:
            break
        first = False
        if ch == "\\":
            p += 1
            if p >= n:
                return None
            ch = pattern[p]
            members.append(re.escape(ch))
            prev = ch
        elif ch == "-" and prev is not None and p + 1 < n and pattern[p + 1] != "]":
            p += 1
            hi = pattern[p]
            if hi == "\\":
                p += 1
                if p >= n:
                    return None
                hi = pattern[p]
            if prev <= hi:
                members.append(f"{re.escape(prev)}-{re.escape(hi)}")
            prev = None  # wildmatch: the range's end does not start another range
        elif ch == "[" and p + 1 < n and pattern[p + 1] == ":":
            close = pattern.find("]", p + 2)
            if close < 0:
                return None
            if pattern[close - 1] != ":" or close - 1 < p + 2:
                members.append(re.escape("["))  # not a class after all: a plain '['
                prev = "["
            else:
                name = pattern[p + 2 : close - 1]
                if name not in _CLASSES:
                    return None
                members.append(_CLASSES[name])
                prev = None
                p = close
        else:
            members.append(re.escape(ch))
            prev = ch
        p += 1
    body = "".join(members)
    if negated:
        return f"[^/{body}]", p + 1
    # A set never matches '/' in a path (WM_PATHNAME); an empty set matches nothing.
    return (f"(?!/)[{body}]" if body else "(?!)"), p + 1
