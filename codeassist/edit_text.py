"""Pure text work for "edit with an instruction": where the selection is, what of the model's answer is the
replacement, and whether the edited file is still acceptable. No I/O, no model.

Offsets are indexes into the file's text as a Python string (code points); lines are 1-based. CRLF files
keep their line endings: the model sees LF, and the replacement is written back with the file's own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from codeassist.errors import CodeassistError
from codeassist.redact import MARK

_FENCE = re.compile(r"^(?P<ticks>`{3,}|~{3,})[^\n`]*\n(?P<body>.*?)^(?P=ticks)[ \t]*$", re.S | re.M)
_INDENT = re.compile(r"^[ \t]*")


class EditRejected(CodeassistError):
    """The model's answer cannot be applied as it is; `proposed` holds what it proposed."""

    exit_code = 1

    def __init__(self, reason: str, proposed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.proposed = proposed


@dataclass(frozen=True, slots=True)
class Region:
    """The part of a file an edit replaces: text[start:end], lines start_line..end_line (1-based)."""

    start: int
    end: int
    start_line: int
    end_line: int


def line_offsets(text: str) -> list[int]:
    """Offset of the first character of every line (a final empty line after a trailing newline too)."""
    offsets = [0]
    for match in re.finditer("\n", text):
        offsets.append(match.end())
    return offsets


def region_for_lines(text: str, start_line: int, end_line: int) -> Region:
    """Whole lines start_line..end_line (1-based, inclusive, clamped to the file), newline included."""
    offsets = line_offsets(text)
    last = len(offsets) - (1 if text.endswith("\n") or not text else 0)
    last = max(last, 1)
    start_line = min(max(1, start_line), last)
    end_line = min(max(start_line, end_line), last)
    start = offsets[start_line - 1]
    end = offsets[end_line] if end_line < len(offsets) else len(text)
    return Region(start, end, start_line, end_line)


def region_for_offsets(text: str, start: int, end: int) -> Region:
    start, end = sorted((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    return Region(start, end, text.count("\n", 0, start) + 1, text.count("\n", 0, max(start, end - 1)) + 1)


def extract_code(answer: str) -> str:
    """The code in a model's answer: the longest fenced block when there is one (prose around it is
    dropped), else the whole answer without leading/trailing blank lines."""
    blocks = [m.group("body") for m in _FENCE.finditer(answer)]
    if blocks:
        return max(blocks, key=len)
    unterminated = re.match(r"\s*(`{3,}|~{3,})[^\n]*\n(?P<body>.*)\Z", answer, re.S)
    if unterminated:  # a stream cut before its closing fence
        return unterminated.group("body")
    inline = re.fullmatch(r"\s*`([^`\n]+)`\s*", answer)
    if inline:  # a one-line answer in inline code
        return inline.group(1)
    return answer.strip("\n")


def _significant(lines: list[str]) -> bool:
    return any(len(line.strip()) > 3 for line in lines)


def trim_repeated_context(code: str, before: str, after: str, selection: str) -> str:
    """Drop lines the model repeated from around the selection: the k lines just before it at the start
    of `code`, the k lines just after it at the end (only when they are telling, i.e. not just braces or
    blank lines, and the selection itself does not start/end with the same lines)."""
    lines = code.split("\n")
    trailing_newline = code.endswith("\n")
    if trailing_newline:
        lines = lines[:-1]
    sel = selection.split("\n")
    prev = before.split("\n")[:-1] if before.endswith("\n") else []
    nxt = after.split("\n")
    if nxt and nxt[-1] == "":
        nxt = nxt[:-1]
    best = 0
    for k in range(min(len(prev), len(lines)), 0, -1):
        if lines[:k] == prev[-k:] and _significant(prev[-k:]) and sel[:k] != lines[:k]:
            best = k
            break
    lines = lines[best:]
    best = 0
    if selection.endswith("\n") or not after:
        for k in range(min(len(nxt), len(lines)), 0, -1):
            tail = [s for s in sel if s != ""][-k:]
            if lines[-k:] == nxt[:k] and _significant(nxt[:k]) and tail != lines[-k:]:
                best = k
                break
    if best:
        lines = lines[:-best]
    return "\n".join(lines) + ("\n" if trailing_newline and lines else "")


def _common_indent(lines: list[str]) -> str:
    indents = [_INDENT.match(line).group(0) for line in lines if line.strip()]
    if not indents:
        return ""
    shortest = min(indents, key=len)
    return shortest if all(i.startswith(shortest) for i in indents) else ""


def fit_to_selection(code: str, selection: str, starts_line: bool) -> str:
    """Match the selection's shape: its trailing newline, and its indentation when the model dedented a
    block that starts at the beginning of a line."""
    if starts_line:
        want = _common_indent(selection.split("\n"))
        got = _common_indent(code.split("\n"))
        if want and not got:
            code = "\n".join(want + line if line.strip() else line for line in code.split("\n"))
    if selection.endswith("\n") and code and not code.endswith("\n"):
        code += "\n"
    elif not selection.endswith("\n") and code.endswith("\n"):
        code = code[:-1]
    return code


def restore_redacted(code: str, original: str, redacted: str) -> str:
    """Put the real values back where the model kept a line holding a redacted secret unchanged.
    Raises EditRejected when a redaction placeholder would otherwise be written into the file."""
    if MARK not in code:
        return code
    real = dict(zip(redacted.split("\n"), original.split("\n"), strict=False))
    out = []
    for line in code.split("\n"):
        if MARK in line:
            if line not in real or MARK in real[line]:
                raise EditRejected("The answer changes a line that holds a secret (shown to the model as "
                                   "[REDACTED:...]); edit that line yourself.", code)
            line = real[line]
        out.append(line)
    return "\n".join(out)


def count_syntax_errors(text: str, language: str | None) -> int | None:
    """ERROR and MISSING nodes in the file's syntax tree; None when no grammar covers the language."""
    from codeassist.indexer.languages import load_grammar, parser_and_cursor

    grammar = load_grammar(language) if language else None
    if grammar is None:
        return None
    parser, _ = parser_and_cursor(language, grammar)
    root = parser.parse(text.encode("utf-8", "surrogatepass")).root_node
    if not root.has_error:
        return 0
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            count += 1
        elif node.has_error:
            stack.extend(node.children)
    return count


def first_error_line(text: str, language: str | None) -> int:
    from codeassist.indexer.languages import load_grammar, parser_and_cursor

    grammar = load_grammar(language) if language else None
    if grammar is None:
        return 0
    parser, _ = parser_and_cursor(language, grammar)
    stack = [parser.parse(text.encode("utf-8", "surrogatepass")).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.type == "ERROR" or c.is_missing]))
    return 0


def apply_replacement(text: str, region: Region, replacement: str, language: str | None) -> str:
    """The whole file with `region` replaced; EditRejected when the result no longer parses (more syntax
    errors than before, for languages with a grammar) or the answer held no code."""
    if not replacement.strip() and text[region.start:region.end].strip():
        raise EditRejected("The model's answer held no code to put in place of the selection.", replacement)
    new_text = text[: region.start] + replacement + text[region.end:]
    before = count_syntax_errors(text, language)
    if before is not None:
        after = count_syntax_errors(new_text, language)
        if after is not None and after > before:
            line = first_error_line(new_text, language)
            raise EditRejected(f"The edited file would not parse as {language} (syntax error near line {line}); "
                               "nothing was changed.", replacement)
    return new_text


def unified_diff(old: str, new: str, path: str) -> str:
    """A `git diff`-style unified diff (a/ and b/ prefixes, 3 lines of context)."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 f"a/{path}", f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
