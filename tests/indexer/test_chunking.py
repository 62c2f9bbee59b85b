"""Chunk boundaries a user sees in search hits: golden files per language plus focused cases.

Regenerate the golden lists with `UPDATE_GOLDEN=1 pytest tests/indexer/test_chunking.py`, then read
the diff: each entry is a chunk a search hit will show.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from codeassist.indexer import chunking
from codeassist.indexer.chunking import ChunkResult, chunk_source
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.languages import language_for_path, load_grammar, supported_languages
from codeassist.indexer.model import KINDS

FIXTURES = Path(__file__).parent / "fixtures"
AST_LANGUAGES = [info.name for info in supported_languages() if info.ast]
# One folder per AST language (other fixture folders belong to other tests).
GOLDEN_FILES = sorted(
    path
    for language in AST_LANGUAGES
    for path in (FIXTURES / language).glob("*")
    if path.is_file() and not path.name.endswith(".expected.json")
)


def summary(result: ChunkResult) -> list[dict]:
    return [
        {"start_line": c.start_line, "end_line": c.end_line, "kind": c.kind, "symbol": c.symbol}
        for c in result.chunks
    ]


def assert_faithful(source: bytes, result: ChunkResult, max_chars: int) -> None:
    """Every chunk is exactly its source lines, none is too big, and no non-blank line is lost."""
    lines = source.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    covered: set[int] = set()
    for chunk in result.chunks:
        assert len(chunk.text) <= max_chars, (chunk.start_line, len(chunk.text))
        assert chunk.kind in KINDS
        exact = "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
        if chunk.start_line == chunk.end_line and len(exact) > max_chars:
            assert chunk.text in exact  # a single huge line cut by characters
        else:
            assert chunk.text == exact, (chunk.start_line, chunk.end_line)
        covered.update(range(chunk.start_line, chunk.end_line + 1))
    missing = [number for number, line in enumerate(lines, 1) if line.strip() and number not in covered]
    assert not missing, f"lines in no chunk: {missing}"
    # In line order, and no line in two chunks (only pieces of one huge line share it).
    for before, after in zip(result.chunks, result.chunks[1:], strict=False):
        one_line = before.start_line == before.end_line == after.start_line == after.end_line
        assert after.start_line > before.end_line or one_line, (before.start_line, after.start_line)


# ---------------------------------------------------------------- golden files, one per language


def test_every_ast_language_has_a_golden_fixture() -> None:
    languages = {language_for_path(path.name) for path in GOLDEN_FILES}
    assert set(AST_LANGUAGES) <= languages


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_chunks(path: Path) -> None:
    source = path.read_bytes()
    language = language_for_path(path.name)
    result = chunk_source(source, language)
    assert result.fallback_reason is None
    assert {chunk.language for chunk in result.chunks} == {language}
    assert_faithful(source, result, IndexConfig().max_chunk_chars)
    expected_path = path.with_name(path.name + ".expected.json")
    actual = summary(result)
    if os.environ.get("UPDATE_GOLDEN"):
        rows = ",\n".join("  " + json.dumps(row) for row in actual)
        expected_path.write_text(f"[\n{rows}\n]\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_small_limit_splits_every_language_without_losing_lines(path: Path) -> None:
    source = path.read_bytes()
    result = chunk_source(source, language_for_path(path.name), IndexConfig(max_chunk_chars=120))
    assert_faithful(source, result, 120)
    starts = [chunk.start_line for chunk in result.chunks]
    assert starts == sorted(starts)


# ---------------------------------------------------------------- symbols, comments, docstrings

NESTED_PYTHON = b'''\
class Outer:
    """Holds things."""

    size = 3

    class Inner:
        def method(self):
            return 1

    def run(self):
        def helper():
            return 2
        return helper()


def free():
    pass
'''


def test_symbol_paths_follow_nesting_and_functions_inside_functions_stay_inside() -> None:
    chunks = chunk_source(NESTED_PYTHON, "python").chunks
    assert [(c.symbol, c.kind) for c in chunks] == [
        ("Outer", "class"),
        ("Outer.Inner", "class"),
        ("Outer.Inner.method", "method"),
        ("Outer.run", "method"),
        ("free", "function"),
    ]
    run = next(c for c in chunks if c.symbol == "Outer.run")
    assert "def helper" in run.text and (run.start_line, run.end_line) == (10, 13)


def test_class_chunk_holds_header_docstring_and_fields_but_not_method_bodies() -> None:
    outer = chunk_source(NESTED_PYTHON, "python").chunks[0]
    assert outer.text == 'class Outer:\n    """Holds things."""\n\n    size = 3'


def test_rust_impl_methods_are_named_after_the_type() -> None:
    source = b"struct Foo { x: i32 }\n\nimpl Foo {\n    fn bar(&self) -> i32 {\n        self.x\n    }\n}\n"
    symbols = [(c.symbol, c.kind) for c in chunk_source(source, "rust").chunks]
    assert ("Foo.bar", "method") in symbols


def test_go_methods_are_named_after_their_receiver() -> None:
    source = b"package s\n\ntype Server struct{}\n\nfunc (s *Server) Start() error {\n\treturn nil\n}\n"
    chunks = chunk_source(source, "go").chunks
    start = next(c for c in chunks if c.symbol == "Server.Start")
    assert start.kind == "method" and start.start_line == 5


def test_leading_comment_block_is_attached_but_not_across_a_blank_line() -> None:
    source = (
        b"# file header, about the module\n\n# first line of the doc\n# second line\ndef f():\n    pass\n"
    )
    chunks = chunk_source(source, "python").chunks
    assert [(c.start_line, c.end_line, c.kind) for c in chunks] == [(1, 1, "module"), (3, 6, "function")]
    assert chunks[1].text.startswith("# first line of the doc\n# second line\ndef f():")


def test_jsdoc_and_decorators_travel_with_their_definition() -> None:
    source = b"/**\n * Adds.\n */\n@logged\nexport class A {\n  x = 1;\n}\n"
    chunk = chunk_source(source, "typescript").chunks[0]
    assert (chunk.start_line, chunk.end_line, chunk.symbol) == (1, 7, "A")


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("lua", b"x = 1\n--[[\n  Block doc.\n]]\nfunction f()\nend\n"),
        ("ruby", b"x = 1\n=begin\nDoc.\n=end\ndef f\nend\n"),
        ("c", b"int x;\n/* Doc\n   more */\nint f(void) {\n  return 0;\n}\n"),
        ("python", b"x = 1\n@route(\n    '/f',\n)\n# c\n@cached\ndef f():\n    pass\n"),
        ("rust", b"use a;\n/// Doc.\n#[derive(\n    Debug,\n)]\nstruct f {\n    x: i32,\n}\n"),
    ],
)
def test_block_comments_and_multiline_attributes_belong_to_the_definition(
    language: str, source: bytes
) -> None:
    chunks = chunk_source(source, language).chunks
    assert [(c.start_line, c.kind) for c in chunks][0] == (1, "module")
    assert chunks[1].start_line == 2 and chunks[1].symbol == "f"
    assert chunks[1].end_line == source.count(b"\n")


def test_docstring_is_part_of_the_function_chunk() -> None:
    source = b'def area(r):\n    """Area of a circle of radius r."""\n    return 3.14159 * r * r\n'
    (chunk,) = chunk_source(source, "python").chunks
    assert "Area of a circle" in chunk.text and chunk.kind == "function"


def test_trailing_comment_of_previous_code_is_not_pulled_into_the_next_function() -> None:
    source = b"x = 1  # trailing\ndef f():\n    pass\n"
    chunks = chunk_source(source, "python").chunks
    assert [(c.start_line, c.end_line) for c in chunks] == [(1, 1), (2, 3)]


# ---------------------------------------------------------------- sizes: splitting and merging


def big_function(statements: int) -> bytes:
    body = "".join(f"    value_{i} = compute(value_{i - 1}, {i}) + offset\n" for i in range(1, statements))
    multi = "    table = {\n" + "".join(f"        'key_{i}': {i},\n" for i in range(12)) + "    }\n"
    return (
        "# Builds the table.\ndef build(offset):\n    value_0 = 0\n" + multi + body + "    return table\n"
    ).encode()


def test_oversized_function_is_split_at_statements_without_losing_a_line() -> None:
    source = big_function(120)
    config = IndexConfig(max_chunk_chars=600)
    result = chunk_source(source, "python", config)
    assert len(result.chunks) > 5
    assert {(c.kind, c.symbol) for c in result.chunks} == {("function", "build")}
    assert_faithful(source, result, 600)
    # Pieces are consecutive, never overlapping, and each starts at a statement.
    for before, after in zip(result.chunks, result.chunks[1:], strict=False):
        assert after.start_line == before.end_line + 1
        assert after.text.startswith(("    value_", "    return", "    table"))
    assert result.chunks[0].text.startswith("# Builds the table.\ndef build(offset):")
    # The multi-line dict literal fits, so it is never cut in the middle.
    assert any("    table = {" in c.text and "    }" in c.text for c in result.chunks)


def test_a_single_huge_line_is_cut_by_characters() -> None:
    source = b"x = '" + b"a" * 5000 + b"'\n"
    result = chunk_source(source, "python", IndexConfig(max_chunk_chars=1000))
    assert [(c.start_line, c.end_line) for c in result.chunks] == [(1, 1)] * 6
    assert "".join(c.text for c in result.chunks) == source.decode().rstrip("\n")


def test_long_comment_block_between_functions_is_split_not_oversized() -> None:
    notes = "".join(f"-- note {i}: " + "x" * 60 + "\n" for i in range(40))
    source = f"local function a()\nend\n\n{notes}\nlocal function b()\nend\n".encode()
    result = chunk_source(source, "lua")
    assert [c.symbol for c in result.chunks if c.kind == "function"] == ["a", "b"]
    assert len([c for c in result.chunks if c.kind == "module"]) >= 2
    assert_faithful(source, result, 1500)


def test_closing_brace_of_a_class_joins_the_last_method() -> None:
    source = b"class A {\n  int x;\n\n  void f() {\n    x++;\n  }\n}\n"
    chunks = chunk_source(source, "java").chunks
    assert [(c.start_line, c.end_line, c.kind, c.symbol) for c in chunks] == [
        (1, 2, "class", "A"),
        (4, 7, "method", "A.f"),
    ]


def test_tiny_top_level_statements_merge_into_one_module_window() -> None:
    source = "".join(f"SETTING_{i} = {i}\n" for i in range(40)).encode()
    (chunk,) = chunk_source(source, "python").chunks
    assert (chunk.start_line, chunk.end_line, chunk.kind, chunk.symbol) == (1, 40, "module", "")


def test_long_top_level_code_becomes_several_module_windows() -> None:
    source = "".join(f"SETTING_{i} = 'a fairly long value number {i}'\n" for i in range(200)).encode()
    result = chunk_source(source, "python")
    assert len(result.chunks) > 1 and {c.kind for c in result.chunks} == {"module"}
    assert_faithful(source, result, 1500)


# ---------------------------------------------------------------- no grammar: line windows


def test_files_without_grammar_get_overlapping_line_windows() -> None:
    source = "".join(f"line {i}\n" for i in range(1, 131)).encode()
    result = chunk_source(source, None)
    assert result.fallback_reason == "no_grammar"
    assert [(c.start_line, c.end_line, c.kind) for c in result.chunks] == [
        (1, 60, "window"),
        (51, 110, "window"),
        (101, 130, "window"),
    ]
    assert result.chunks[1].text.startswith("line 51\n")


def test_text_languages_keep_their_name_on_windows() -> None:
    result = chunk_source(b'{"a": 1}\n', language_for_path("package.json"))
    assert result.fallback_reason == "no_grammar"
    assert [(c.language, c.kind) for c in result.chunks] == [("json", "window")]


def test_parser_failure_falls_back_to_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenParser:
        def parse(self, source: bytes) -> None:
            raise RuntimeError("grammar crashed")

    monkeypatch.setattr(chunking, "parser_and_cursor", lambda name, grammar: (BrokenParser(), None))
    result = chunk_source(b"def f():\n    pass\n", "python")
    assert result.fallback_reason == "parse_failed"
    assert [(c.start_line, c.end_line, c.kind, c.language) for c in result.chunks] == [
        (1, 2, "window", "python")
    ]


# ---------------------------------------------------------------- markdown


def test_markdown_sections_carry_their_heading_path_and_ignore_hashes_in_code() -> None:
    source = b"# Install\n\nSteps.\n\n## Linux\n\n```sh\n# not a heading\napt install x\n```\n\n# Usage\n\nRun it.\n"
    chunks = chunk_source(source, "markdown").chunks
    assert [(c.start_line, c.end_line, c.kind, c.symbol) for c in chunks] == [
        (1, 3, "section", "Install"),
        (5, 10, "section", "Install > Linux"),
        (12, 14, "section", "Usage"),
    ]


def test_oversized_markdown_section_is_split_between_paragraphs() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(10))
    source = f"# Notes\n\n{paragraphs}\n".encode()
    result = chunk_source(source, "markdown", IndexConfig(max_chunk_chars=800))
    assert len(result.chunks) > 2 and {c.symbol for c in result.chunks} == {"Notes"}
    assert all(c.text.startswith(("# Notes", "Paragraph")) for c in result.chunks)
    assert_faithful(source, result, 800)


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", b"x = " + b"(" * 20000 + b"1" + b")" * 20000 + b"\n"),
        ("javascript", b"let x = " + b"[" * 20000 + b"1" + b"]" * 20000 + b";\n"),
        ("python", b"y = [\n" + b"[\n" * 20000 + b"1\n" + b"]\n" * 20000 + b"]\n"),
    ],
    ids=["python-one-line", "javascript-one-line", "python-one-bracket-per-line"],
)
def test_20000_deep_nesting_is_chunked_without_recursion(language: str, source: bytes) -> None:
    result = chunk_source(source, language)
    assert result.chunks and {c.kind for c in result.chunks} == {"module"}
    assert_faithful(source, result, 1500)


def test_invalid_utf8_is_replaced_and_line_numbers_hold() -> None:
    source = b"def f():\n    return '\xff\xfe broken'\n\ndef g():\n    pass\n"
    chunks = chunk_source(source, "python").chunks
    assert [(c.symbol, c.start_line, c.end_line) for c in chunks] == [("f", 1, 2), ("g", 4, 5)]
    assert "\ufffd\ufffd broken" in chunks[0].text


def test_nul_bytes_do_not_stop_chunking() -> None:
    source = b"def f():\n    return '\x00\x00'\n\ndef g():\n    pass\n"
    assert [c.symbol for c in chunk_source(source, "python").chunks] == ["f", "g"]


def test_empty_file_has_no_chunks() -> None:
    assert chunk_source(b"", "python") == ChunkResult([], None)
    assert chunk_source(b"", None).chunks == []


def test_file_of_only_comments_is_one_module_chunk() -> None:
    source = b"// just notes\n// nothing else\n"
    chunks = chunk_source(source, "go").chunks
    assert [(c.start_line, c.end_line, c.kind, c.text) for c in chunks] == [
        (1, 2, "module", "// just notes\n// nothing else")
    ]


def test_crlf_line_endings_give_the_same_lines_as_lf() -> None:
    lf = NESTED_PYTHON
    crlf = lf.replace(b"\n", b"\r\n")
    assert summary(chunk_source(crlf, "python")) == summary(chunk_source(lf, "python"))
    assert all("\r" not in c.text for c in chunk_source(crlf, "python").chunks)


# ---------------------------------------------------------------- purity


def test_same_input_gives_the_same_chunks_across_calls_and_threads() -> None:
    source = (FIXTURES / "python" / "inventory.py").read_bytes()
    first = chunk_source(source, "python")
    results: list[ChunkResult] = []
    threads = [
        threading.Thread(target=lambda: results.append(chunk_source(source, "python"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert chunk_source(source, "python") == first
    assert all(result == first for result in results)


# ---------------------------------------------------------------- the registry


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/app.py", "python"),
        ("web/App.JSX", "javascript"),
        ("web/index.mjs", "javascript"),
        ("web/view.tsx", "tsx"),
        ("include/vec.h", "cpp"),
        ("Makefile", "makefile"),
        ("Rakefile", "ruby"),
        ("docs/README.md", "markdown"),
        ("config/settings.yaml", "yaml"),
        ("LICENSE", None),
        ("archive.tar.zst", None),
    ],
)
def test_language_for_path(path: str, language: str | None) -> None:
    assert language_for_path(path) == language


def test_languages_listing_puts_ast_languages_first_and_names_text_ones() -> None:
    listing = {info.name: info for info in supported_languages()}
    assert listing["python"].ast and ".py" in listing["python"].extensions
    assert ".jsx" in listing["javascript"].extensions and ".cjs" in listing["javascript"].extensions
    assert not listing["json"].ast and not listing["yaml"].ast
    flags = [info.ast for info in supported_languages()]
    assert flags == sorted(flags, reverse=True)


def test_jsx_components_are_functions() -> None:
    source = b'// The header bar.\nexport function Header({ title }) {\n  return <h1 className="t">{title}</h1>;\n}\n'
    chunks = chunk_source(source, language_for_path("Header.jsx")).chunks
    assert [(c.start_line, c.end_line, c.kind, c.symbol) for c in chunks] == [(1, 4, "function", "Header")]


def test_every_ast_language_loads_its_grammar_and_query() -> None:
    assert len(AST_LANGUAGES) == 18  # 17 programming languages + markdown
    for name in AST_LANGUAGES:
        grammar = load_grammar(name)
        assert grammar is not None, name
        assert grammar.query.pattern_count > 0, name
    assert load_grammar("json") is None
