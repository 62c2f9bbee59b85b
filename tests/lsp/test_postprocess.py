"""Post-processing rules, each on the kind of raw model output that needs it."""

from __future__ import annotations

import pytest

from codeassist.lsp.cursor_context import extract_cursor_context
from codeassist.lsp.fim import FIM_TEMPLATES, control_tokens
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


# -- issue 15.2: model control tokens the server did not stop at ---------------------------------------
@pytest.mark.parametrize("token", [t for spec in FIM_TEMPLATES.values() for t in spec["stop"]]
                         + ["<EOT>", "</s>", "<|endoftext|>", "<｜end▁of▁sentence｜>", "<|eot_id|>"])
def test_control_token_kind_every_family_token_is_cut_from_the_suggestion(token):
    ctx = ctx_at("total = █")
    assert postprocess(f"a + b {token}", ctx) == "a + b"
    assert postprocess(f"a + b{token}\nmore code", ctx_at("def f(a, b):\n    █\n")) == "a + b"


def test_control_token_kind_file_separator_drops_the_next_file():
    ctx = ctx_at("def f(a, b):\n    █\n")
    raw = "return a + b\n<|file_sep|>other.py\nimport os\n"
    assert postprocess(raw, ctx) == "return a + b"
    assert postprocess("<|endoftext|>", ctx_at("x = █")) == ""
    assert "<EOT>" in control_tokens() and "</s>" in control_tokens()


# -- issue 15.3: the end of the suggestion repeats the rest of the line ------------------------------
@pytest.mark.parametrize(("source", "raw", "expected", "language"), [
    ("import BaseLayout from '../layouts/█.astro';", "other-layout.astro", "other-layout", "javascript"),
    ("import BaseLayout from '../layouts/█.astro';", "other-layout.astro';", "other-layout", "javascript"),
    ("from app.models import █User", "Order, User", "Order, ", "python"),
    ("if █x:", "not x", "not ", "python"),
    ("print(total(█))", "items))", "items", "python"),
    ("path = '█.txt'", "report.txt'", "report", "python"),
    ("fmt.Println(█)", "name)", "name", "go"),
])
def test_suffix_overlap_kind_repeated_line_rest_is_trimmed(source, raw, expected, language):
    assert postprocess(raw, ctx_at(source, language=language)) == expected


@pytest.mark.parametrize(("source", "raw"), [
    ("print(█)", "f(a)"),          # the suggestion's `)` closes its own `(`; the line's `)` closes print(
    ("x = [█]", "g([1, 2])"),
    ("say('█')", "it's"),          # an apostrophe inside the text is not the closing quote
])
def test_suffix_overlap_kind_keeps_what_the_suggestion_needs(source, raw):
    assert postprocess(raw, ctx_at(source)) == raw
