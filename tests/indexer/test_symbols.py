"""Symbol extraction, golden per language: one small fixture file each (tests/indexer/fixtures/symbols),
its definitions (kind, qualified symbol, lines, signature, doc), imports and references.

Regenerate the golden files with `UPDATE_GOLDEN=1 pytest tests/indexer/test_symbols.py`, then read the
diff: every line is a claim about what a user gets from `codeassist definition` / workspace/symbol.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codeassist.indexer.languages import language_for_path, supported_languages
from codeassist.indexer.symbols import extract_symbols, tags_query

FIXTURES = Path(__file__).parent / "fixtures" / "symbols"
SAMPLES = sorted(p for p in FIXTURES.glob("sample.*") if not p.name.endswith(".json"))
CODE_LANGUAGES = sorted(info.name for info in supported_languages() if info.ast and info.name != "markdown")


def _as_golden(path: Path) -> dict:
    symbols = extract_symbols(path.read_bytes(), language_for_path(path.name), path.name)
    return {
        "definitions": [f"{d.start_line}-{d.end_line} {d.kind} {d.symbol} | {d.signature!r} | {d.doc!r}"
                        for d in symbols.definitions],
        "imports": [f"{i.line} module={i.module!r} name={i.name!r} alias={i.alias!r}" for i in symbols.imports],
        "references": [f"{line} {name}" for name, line in symbols.references],
    }


def test_every_syntax_tree_language_has_a_tags_query_and_a_fixture() -> None:
    assert len(CODE_LANGUAGES) == 17
    assert all(tags_query(name) is not None for name in CODE_LANGUAGES)
    assert sorted({language_for_path(p.name) for p in SAMPLES}) == CODE_LANGUAGES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.suffix[1:])
def test_golden_symbols(path: Path) -> None:
    actual = _as_golden(path)
    expected_path = path.with_name(path.name + ".expected.json")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_methods_are_qualified_by_their_owner_in_every_shape() -> None:
    def symbols(name: str) -> set[str]:
        path = FIXTURES / name
        return {d.symbol for d in extract_symbols(path.read_bytes(), language_for_path(name), name).definitions}

    assert "UserService.get_user" in symbols("sample.py")
    assert "Server.Start" in symbols("sample.go")  # Go receiver
    assert "Point.distance" in symbols("sample.rs")  # Rust impl block
    assert "physics.Matrix.multiply" in symbols("sample.cpp")  # C++ `Matrix::multiply` outside the class
    assert "Stack.push" in symbols("sample.lua")  # Lua `Stack:push`
    assert "Shape.area" in symbols("sample.ts")


def test_signature_stops_at_the_body_and_doc_is_the_first_paragraph() -> None:
    source = b'''def make_service(
    size: int = 10,
) -> "Service":
    """Make the default service.

    Long explanation that is not wanted.
    """
    return Service(size)
'''
    (d,) = extract_symbols(source, "python", "svc.py").definitions
    assert d.signature == 'def make_service(\n    size: int = 10,\n) -> "Service":'
    assert d.doc == "Make the default service."
    assert (d.start_line, d.end_line, d.kind) == (1, 8, "function")


@pytest.mark.parametrize("language,source", [
    ("python", b"def broken(:\n    pass\n"),
    ("go", b"package x\nfunc (\n"),
    ("typescript", b"export function f( {\n"),
])
def test_a_file_that_does_not_parse_is_flagged_and_extraction_does_not_raise(language: str, source: bytes) -> None:
    assert extract_symbols(source, language, "x").parse_failed


def test_text_files_and_unknown_languages_have_no_symbols() -> None:
    assert extract_symbols(b"hello", "text").definitions == []
    assert extract_symbols(b"hello", None).imports == []
    assert extract_symbols(b"", "python").references == []
