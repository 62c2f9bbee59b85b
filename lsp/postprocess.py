"""Turn a raw model continuation into a suggestion worth showing.

Rules, in order: cut at the first model control token (`<EOT>`, `</s>`, `<|endoftext|>`, any family's
special token: servers that ignore `stop` send them); one line in single-line mode; stop at the end of the block (indentation and brackets) in
multi-line mode; drop text that repeats the suffix; drop lines the model repeats; balance the brackets the
suggestion opened; nothing at all when what is left is empty or whitespace. Pure string work.
"""

from __future__ import annotations

from codeassist.lsp.cursor_context import CursorContext
from codeassist.lsp.fim import cut_control_tokens

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}


def postprocess(raw: str, ctx: CursorContext, *, multiline: bool | None = None) -> str:
    multi = ctx.multiline if multiline is None else multiline
    text = cut_control_tokens(raw).replace("\r\n", "\n").replace("\r", "\n")
    if not multi:
        text = text.split("\n", 1)[0]
    else:
        text = cut_at_block_end(text, ctx)
        text = cut_repeated_suffix_lines(text, ctx.suffix)
    text = cut_repeated_lines(text, ctx)
    text = text.rstrip()
    if not multi:
        text = trim_suffix_overlap(text, ctx.line_suffix)
        text = balance_brackets(text, ctx.line_suffix)
    if not text.strip():
        return ""
    if _suffix_already_has(text, ctx.suffix):
        return ""
    return text


def cut_at_block_end(text: str, ctx: CursorContext) -> str:
    """Keep lines while they stay inside the cursor's block: not dedented below the cursor's indentation,
    and not closing a bracket opened before the cursor."""
    # After `def f():|` the body is deeper than the line that opened it; elsewhere, as deep as the cursor.
    base = _width(ctx.indent) + (1 if ctx.opens_block else 0)
    lines = text.split("\n")
    kept: list[str] = []
    depth = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i > 0 and stripped and _width(line) < base:
            break
        line_depth_start = depth
        cut_at = None
        for pos, char in enumerate(line):
            if char in OPENERS:
                depth += 1
            elif char in CLOSERS:
                depth -= 1
                if depth < 0:
                    cut_at = pos
                    break
        if cut_at is not None:
            if i > 0 and line[:cut_at].strip() == "" and line_depth_start == 0:
                break  # a line that closes the enclosing block: the suffix already has it
            kept.append(line[:cut_at + 1])
            break
        kept.append(line)
    return "\n".join(kept)


def cut_repeated_suffix_lines(text: str, suffix: str) -> str:
    """Cut where the suggestion starts repeating the code that already follows the cursor."""
    suffix_lines = [line for line in suffix.split("\n")[1:] if line.strip()]
    if not suffix_lines:
        return text
    first = suffix_lines[0]
    lines = text.split("\n")
    for j in range(1, len(lines)):
        if _same_line(lines[j], first):
            return "\n".join(lines[:j])
    return text


def cut_repeated_lines(text: str, ctx: CursorContext) -> str:
    """Models loop: cut at the first line that repeats the line before it; drop an echo of the last
    prefix line."""
    lines = text.split("\n")
    previous = next((p for p in reversed(ctx.previous_lines) if p.strip()), "")
    first_full = (ctx.line_prefix + lines[0]).strip()
    if len(first_full) > 3 and first_full == previous.strip() and not ctx.line_prefix.strip():
        return ""
    full = [ctx.line_prefix + lines[0]] + lines[1:]
    for j in range(1, len(full)):
        if full[j].strip() and len(full[j].strip()) > 3 and full[j].rstrip() == full[j - 1].rstrip():
            return "\n".join(lines[:j])
    return text


def trim_suffix_overlap(text: str, line_suffix: str) -> str:
    """Cut the longest end of the suggestion that repeats the head of the rest of the line.

    `other-layout.astro` before `.astro';` becomes `other-layout`; `foo(x))` before `)` becomes `foo(x)`.
    A closing bracket is only cut when the suggestion does not need it itself (`f(a)` before `)` stays:
    that `)` closes something opened before the cursor), a quote only when the suggestion leaves it open.
    """
    rest = line_suffix.lstrip()
    if not rest or not text:
        return text
    for k in range(min(len(rest), len(text)), 0, -1):
        overlap = rest[:k]
        if text.endswith(overlap) and _may_drop(text, overlap):
            return text[: len(text) - k]
    return text


def _may_drop(text: str, overlap: str) -> bool:
    """Whether the suggestion's ending `overlap` may be left to the line's own copy of it."""
    spare = _unmatched_closers(text)
    for char in set(overlap):
        if char in CLOSERS and overlap.count(char) > spare.get(char, 0):
            return False
        if char in "\"'`" and (text.count(char) % 2 == 0 or overlap.count(char) > 1):
            return False
    return True


def _unmatched_closers(text: str) -> dict[str, int]:
    """Closing brackets in `text` that close nothing opened in `text` (they close code before it)."""
    stack: list[str] = []
    spare: dict[str, int] = {}
    for char in text:
        if char in OPENERS:
            stack.append(OPENERS[char])
        elif char in CLOSERS:
            if stack and stack[-1] == char:
                stack.pop()
            else:
                spare[char] = spare.get(char, 0) + 1
    return spare


def balance_brackets(text: str, line_suffix: str) -> str:
    """Close the brackets the suggestion opened and left open, unless the line already closes them."""
    stack: list[str] = []
    in_string: str | None = None
    for char in text:
        if in_string:
            if char == in_string:
                in_string = None
            continue
        if char in "\"'`":
            in_string = char
        elif char in OPENERS:
            stack.append(OPENERS[char])
        elif char in CLOSERS and stack and stack[-1] == char:
            stack.pop()
    if not stack:
        return text
    needed = "".join(reversed(stack))
    if line_suffix.strip().startswith(needed):
        return text
    return text + needed


def _suffix_already_has(text: str, suffix: str) -> bool:
    """The whole suggestion is what already follows the cursor."""
    head = suffix.lstrip()
    body = text.strip()
    return len(body) > 0 and head.startswith(body) and len(body.split("\n")) > 1


def _same_line(a: str, b: str) -> bool:
    if len(a.strip()) <= 2 or len(b.strip()) <= 2:
        return a.rstrip() == b.rstrip()
    return a.strip() == b.strip()


def _width(text: str) -> int:
    expanded = text.replace("\t", "    ")
    return len(expanded) - len(expanded.lstrip())
