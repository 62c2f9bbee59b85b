"""Cursor context: windows, the comment above the cursor, the enclosing signature and docstring
(tree-sitter and the regex fallback), the mode, and the retrieval query."""

from __future__ import annotations

from codeassist.lsp.cursor_context import document_language, extract_cursor_context

PY = '''import os


def total_price(items, tax):
    """Sum the prices of items, with tax."""
    subtotal = 0
    # add up every item's price, then apply the tax rate
<INDENT>
    return subtotal
'''.replace("<INDENT>", "    ")


def test_comment_signature_and_docstring_drive_the_query():
    ctx = extract_cursor_context(PY, 7, 4, path="a.py", language="python")
    assert ctx.intent == "# add up every item's price, then apply the tax rate"
    assert ctx.signature == "def total_price(items, tax):"
    assert ctx.docstring == '"""Sum the prices of items, with tax."""'
    assert ctx.enclosing == (4, 9)
    assert ctx.multiline is True
    assert ctx.query == ("# add up every item's price, then apply the tax rate\ndef total_price(items, tax):\n"
                         '"""Sum the prices of items, with tax."""')
    assert ctx.prefix.endswith("tax rate\n    ") and ctx.suffix.startswith("\n    return subtotal")


def test_without_comments_the_query_is_the_last_prefix_lines():
    text = "a = 1\nb = 2\nc = a +"
    ctx = extract_cursor_context(text, 2, 7, language="python")
    assert ctx.intent == "" and ctx.signature == ""
    assert ctx.query == "a = 1\nb = 2\nc = a +"
    assert ctx.multiline is False


def test_trailing_comment_on_the_current_line():
    ctx = extract_cursor_context("x = compute()  # retry three times\n", 0, 14, language="python")
    assert ctx.intent == "# retry three times"


def test_brace_language_with_doc_comment_and_empty_body():
    go = "package main\n\n// Add adds two numbers.\nfunc Add(a, b int) int {\n\t\n}\n"
    ctx = extract_cursor_context(go, 4, 1, language="go")
    assert ctx.signature == "func Add(a, b int) int"
    assert ctx.docstring == "// Add adds two numbers."
    assert ctx.multiline is True


def test_regex_fallback_for_languages_without_a_grammar():
    text = "func Add(a, b int) int {\n\treturn a +\n}\n"
    ctx = extract_cursor_context(text, 1, 11, language="nim")  # no grammar: regex path
    assert ctx.signature == "func Add(a, b int) int {"
    assert ctx.multiline is False


def test_windows_are_budgeted_at_line_boundaries():
    text = "\n".join(f"line_{i} = {i}" for i in range(1000))
    ctx = extract_cursor_context(text, 500, 0, language="python", prefix_chars=200, suffix_chars=100)
    assert len(ctx.prefix) <= 200 and ctx.prefix.split("\n")[0].startswith("line_")
    assert len(ctx.suffix) <= 100 and ctx.suffix.split("\n")[-1].startswith("line_")


def test_document_language():
    assert document_language("a/b.py") == "python"
    assert document_language("Untitled-1", "typescriptreact") == "tsx"
    assert document_language("notes", "weird") is None


def test_blank_line_after_a_function_at_its_indentation_is_outside_it():
    text = "def f():\n    return 1\n\n"
    inside = extract_cursor_context(text.replace("\n\n", "\n    \n"), 2, 4, language="python")
    assert inside.signature == "def f():"
    outside = extract_cursor_context(text, 3, 0, language="python")
    assert outside.signature == "" and outside.enclosing is None


def test_long_files_are_parsed_around_the_cursor_with_true_line_numbers():
    filler = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(200))
    text = filler + 'def target(a):\n    """Doc."""\n    x = a +\n    return x\n' + filler
    line = filler.count("\n") + 2
    ctx = extract_cursor_context(text, line, 11, language="python")
    assert ctx.signature == "def target(a):" and ctx.docstring == '"""Doc."""'
    assert ctx.enclosing == (line - 1, line + 2)
