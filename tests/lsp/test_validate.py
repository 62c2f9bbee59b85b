"""Syntax validation of suggestions (tree-sitter), by defect kind, across languages: each case is the
document with a cursor marker, the model-like suggestion and what must reach the editor."""

from __future__ import annotations

import pytest

from codeassist.lsp.validate import validate_suggestion


def check(document: str, suggestion: str, language: str, marker: str = "█") -> str:
    offset = document.index(marker)
    clean = document.replace(marker, "")
    before = clean[:offset]
    line = before.count("\n")
    return validate_suggestion(suggestion, clean, line, len(before.split("\n")[-1]), language)


CASES = {
    # kind: (language, document, suggestion, expected)
    "extra closing brace the suffix already has (js)": (
        "javascript", "function f(a) {\n  █\n}\n", "const b = a * 2;\n  return b;\n}", "const b = a * 2;\n  return b;"),
    "extra closing brace the suffix already has (go)": (
        "go", "package main\n\nfunc f(a int) int {\n\t█\n}\n", "b := a * 2\n\treturn b\n}", "b := a * 2\n\treturn b"),
    "extra closing bracket (rust)": (
        "rust", "fn f(a: i32) -> i32 {\n    █\n}\n", "let b = a * 2;\n    b\n}", "let b = a * 2;\n    b"),
    "trailing half line (python)": (
        "python", "def f(items):\n    █\n\n\ndef g():\n    pass\n",
        "total = sum(items)\n    return (total +", "total = sum(items)"),
    "trailing half line (typescript)": (
        "typescript", "function f(xs: number[]): number {\n  █\n}\n",
        "const n = xs.length;\n  return xs.reduce((a, b) =>", "const n = xs.length;"),
    "adds an unterminated string (python)": (
        "python", "def f():\n    █\n", "return 'abc", ""),
    "valid suggestion kept (python)": (
        "python", "def f(items):\n    █\n", "total = sum(items)\n    return total", "total = sum(items)\n    return total"),
    "valid suggestion kept mid-line (java)": (
        "java", "class A {\n  int f(int a) {\n    return █;\n  }\n}\n", "a * 2", "a * 2"),
    "valid suggestion in a file that already has errors elsewhere (python)": (
        "python", "def broken(:\n    pass\n\n\ndef f(items):\n    █\n", "return len(items)", "return len(items)"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_syntax_validation_kind(kind: str) -> None:
    language, document, suggestion, expected = CASES[kind]
    assert check(document, suggestion, language) == expected


@pytest.mark.parametrize(("language", "document", "suggestion"), [
    ("python", "def f(x):\n    █\n    return x\n", "return x"),
    ("javascript", "function f(x) {\n  █\n  return x;\n}\n", "return x;"),
    ("go", "func f(x int) int {\n\t█\n\treturn x\n}\n", "return x"),
])
def test_repeated_following_lines_kind_are_dropped(language: str, document: str, suggestion: str) -> None:
    assert check(document, suggestion, language) == ""


def test_language_without_grammar_keeps_the_suggestion_after_the_cheap_checks() -> None:
    assert check("first █\nsecond line\n", "thing", "plaintext") == "thing"
    assert check("█\nsecond line\n", "second line", None) == ""
