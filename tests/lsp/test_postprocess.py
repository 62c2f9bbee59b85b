"""Post-processing rules, each on the kind of raw model output that needs it."""

from __future__ import annotations

from codeassist.lsp.cursor_context import extract_cursor_context
from codeassist.lsp.postprocess import postprocess


def ctx_at(text: str, marker: str = "█", language: str = "python"):
    offset = text.index(marker)
    clean = text.replace(marker, "")
    before = clean[:offset]
    line = before.count("\n")
    character = len(before.split("\n")[-1])
    return extract_cursor_context(clean, line, character, language=language)


def test_single_line_mode_keeps_one_line():
    ctx = ctx_at("x = compute(█")
    assert postprocess("a, b)\ny = 2\n", ctx) == "a, b)"


def test_stops_at_the_end_of_the_block_by_indentation():
    ctx = ctx_at("def f(items):\n    # sum them\n    █\n")
    raw = "total = sum(items)\n    return total\n\ndef g():\n    pass"
    assert postprocess(raw, ctx) == "total = sum(items)\n    return total"


def test_stops_at_a_closing_bracket_of_the_enclosing_block():
    ctx = ctx_at("function f(a) {\n  // double it\n  █\n}\n", language="javascript")
    assert postprocess("const b = a * 2;\n  return b;\n}\nfunction g() {}", ctx) == "const b = a * 2;\n  return b;"


def test_drops_text_repeating_the_suffix():
    ctx = ctx_at("print(total(█))")
    assert postprocess("items))", ctx) == "items"
    ctx = ctx_at("def f(x):\n    # validate\n    █\n    return x\n")
    assert postprocess("assert x > 0\n    return x\n", ctx) == "assert x > 0"


def test_drops_empty_whitespace_and_repeated_lines():
    ctx = ctx_at("def f():\n    # log\n    █\n")
    assert postprocess("   \n  ", ctx) == ""
    assert postprocess("log('x')\n    log('x')\n    log('x')", ctx) == "log('x')"
    echo = ctx_at("    value = load()\n    █\n")
    assert postprocess("value = load()", echo) == ""


def test_balances_brackets_the_suggestion_opened():
    ctx = ctx_at("result = █")
    assert postprocess("compute(items, [1, 2", ctx) == "compute(items, [1, 2])"
    closed = ctx_at("result = █)")
    assert postprocess("compute(items", closed) == "compute(items"


def test_at_the_end_of_a_line_opening_a_block_the_body_follows():
    ctx = ctx_at("def total(items):█\n")
    assert ctx.multiline and ctx.opens_block
    raw = "\n    return sum(items)\n\ndef other():\n    pass"
    assert postprocess(raw, ctx) == "\n    return sum(items)"
    brace = ctx_at("function f(a) {█\n}\n", language="javascript")
    assert postprocess("\n  return a * 2;\n}\n", brace) == "\n  return a * 2;"
    assert not ctx_at("x = compute(█").opens_block
