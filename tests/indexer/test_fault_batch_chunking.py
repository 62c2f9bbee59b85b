"""Fault batch (issues 14 and 16): what a file's bytes look like must not change what gets indexed.

Byte-order marks, UTF-16/32, CR line endings, a few long hand-written lines, a missing extension and
TypeScript type declarations: each input of the issue and its right value, over every language the
kind of bug applies to, and end to end (index a temporary repository, then search finds the function
at the right lines).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from codeassist.indexer import open_index
from codeassist.indexer.chunking import chunk_source
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery import discover_files, read_source
from codeassist.indexer.language_sniff import language_for_content
from codeassist.indexer.languages import language_for_path
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.source_text import decode_source

# language -> (file name, source whose definition `first`/`First` has a comment right above it)
SAMPLES = {
    "python": ("m.py", "# Load the settings file.\ndef first():\n    return 1\n"),
    "javascript": ("m.js", "// Load the settings file.\nfunction first() {\n  return 1;\n}\n"),
    "typescript": ("m.ts", "// Load the settings file.\nfunction first(): number {\n  return 1;\n}\n"),
    "tsx": ("m.tsx", "// Load the settings file.\nfunction first() {\n  return <b>1</b>;\n}\n"),
    "go": ("m.go", "// Load the settings file.\nfunc first() int {\n\treturn 1\n}\n"),
    "rust": ("m.rs", "// Load the settings file.\nfn first() -> i32 {\n    1\n}\n"),
    "java": ("M.java", "// Load the settings file.\nclass First {\n    int x = 1;\n}\n"),
    "c": ("m.c", "// Load the settings file.\nint first(void) {\n  return 1;\n}\n"),
    "cpp": ("m.cpp", "// Load the settings file.\nint first() {\n  return 1;\n}\n"),
    "csharp": ("M.cs", "// Load the settings file.\nclass First {\n    int x = 1;\n}\n"),
    "ruby": ("m.rb", "# Load the settings file.\ndef first\n  1\nend\n"),
    "php": ("m.php", "<?php\n// Load the settings file.\nfunction first() {\n  return 1;\n}\n"),
    "bash": ("m.sh", "# Load the settings file.\nfirst() {\n  echo 1\n}\n"),
    "lua": ("m.lua", "-- Load the settings file.\nfunction first()\n  return 1\nend\n"),
    "kotlin": ("m.kt", "// Load the settings file.\nfun first(): Int {\n    return 1\n}\n"),
    "scala": ("m.scala", "// Load the settings file.\nobject First {\n  val x = 1\n}\n"),
    "swift": ("m.swift", "// Load the settings file.\nfunc first() -> Int {\n    return 1\n}\n"),
    "markdown": ("m.md", "# First\n\nLoad the settings file.\n"),
    "yaml": ("m.yml", "# Load the settings file.\nfirst: 1\n"),
}
LANGUAGES = list(SAMPLES)


def rows(source: bytes, language: str | None) -> list[tuple[int, int, str, str, str]]:
    return [(c.start_line, c.end_line, c.kind, c.symbol, c.text) for c in chunk_source(source, language).chunks]


def test_every_sample_names_its_language() -> None:
    assert {language: language_for_path(name) for language, (name, _) in SAMPLES.items()} == {
        language: language for language in SAMPLES
    }


# -- 14.3 a byte-order mark never changes the chunks -------------------------------------------------


def test_bom_does_not_split_the_comment_from_its_function_issue_input() -> None:
    source = b"# Load the settings file.\ndef first():\n    return 1\n"

    assert rows(codecs.BOM_UTF8 + source, "python") == [
        (1, 3, "function", "first", source.decode().rstrip("\n"))
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_byte_order_mark_never_changes_chunk_boundaries_comments_or_symbols(language: str) -> None:
    source = SAMPLES[language][1].encode()
    plain = rows(source, language)
    if language != "yaml":  # a text-like language: line windows, no symbols
        assert any(symbol.lower().endswith("first") for _, _, _, symbol, _ in plain)

    assert rows(codecs.BOM_UTF8 + source, language) == plain


# -- 16.6 UTF-16/32 and CR line endings ---------------------------------------------------------------

UNICODE_ENCODINGS = ["utf-16", "utf-16-be-bom", "utf-32", "utf-32-be-bom"]


def encode(text: str, encoding: str) -> bytes:
    if encoding.endswith("-bom"):
        base = encoding.removesuffix("-bom")
        bom = codecs.BOM_UTF16_BE if base.startswith("utf-16") else codecs.BOM_UTF32_BE
        return bom + text.encode(base)
    return text.encode(encoding)  # Python writes the platform's BOM first


@pytest.mark.parametrize("encoding", UNICODE_ENCODINGS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_utf16_and_utf32_files_with_a_bom_are_read_as_text(tmp_path: Path, language: str, encoding: str) -> None:
    name, text = SAMPLES[language]
    (tmp_path / name).write_bytes(encode(text, encoding))
    [file] = discover_files(tmp_path).files

    data = read_source(file)

    assert isinstance(data, bytes), f"skipped as {data}"
    assert rows(data, language) == rows(text.encode(), language)
    assert decode_source(data) == text  # what a reader mapping hit lines back to the file sees


TWO_FUNCTIONS = {
    "python": ("def first():\n    return 1\n\n\ndef second():\n    return 2\n", "second", (5, 6)),
    "javascript": ("function first() {\n  return 1;\n}\n\nfunction second() {\n  return 2;\n}\n", "second", (5, 7)),
    "go": ("package m\n\nfunc first() int {\n\treturn 1\n}\n\nfunc second() int {\n\treturn 2\n}\n", "second", (7, 9)),
    "ruby": ("def first\n  1\nend\n\ndef second\n  2\nend\n", "second", (5, 7)),
    "c": ("int first(void) {\n  return 1;\n}\n\nint second(void) {\n  return 2;\n}\n", "second", (5, 7)),
    "lua": ("function first()\n  return 1\nend\n\nfunction second()\n  return 2\nend\n", "second", (5, 7)),
}  # fmt: skip
LINE_ENDINGS = {
    "lone-cr": lambda text: text.replace("\n", "\r"),
    "crlf": lambda text: text.replace("\n", "\r\n"),
    # every third line break a CR, every other one a CRLF, the rest LF
    "mixed": lambda text: "".join(
        line + ("\r" if i % 3 == 0 else "\r\n" if i % 3 == 1 else "\n")
        for i, line in enumerate(text.split("\n")[:-1])
    ),
}


@pytest.mark.parametrize("ending", list(LINE_ENDINGS))
@pytest.mark.parametrize("language", list(TWO_FUNCTIONS))
def test_cr_and_mixed_line_endings_give_every_function_its_1_based_lines(language: str, ending: str) -> None:
    text, symbol, lines = TWO_FUNCTIONS[language]
    source = LINE_ENDINGS[ending](text).encode()

    chunks = rows(source, language)

    assert chunks == rows(text.encode(), language)
    assert decode_source(source) == text
    assert [(start, end) for start, end, _, sym, _ in chunks if sym == symbol] == [lines]


@pytest.mark.parametrize("ending", list(LINE_ENDINGS))
def test_cr_endings_in_a_file_without_a_grammar_keep_their_lines(ending: str) -> None:
    text = "".join(f"line {n}\n" for n in range(1, 101))
    chunks = chunk_source(LINE_ENDINGS[ending](text).encode(), "text", IndexConfig()).chunks
    assert chunks[0].start_line == 1 and chunks[-1].end_line == 100
    assert chunks[0].text.split("\n")[:2] == ["line 1", "line 2"]


def test_search_reports_the_right_lines_for_bom_utf16_and_cr_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "bom.py").write_bytes(codecs.BOM_UTF8 + b"# Parse the manifest.\ndef parse_manifest():\n    return 1\n")
    (repo / "wide.py").write_bytes("\n\ndef widen_charset():\n    return 'ü'\n".encode("utf-16"))
    (repo / "mac.py").write_bytes(b"x = 1\r\r\rdef classic_mac_reader():\r    return 2\r")
    (repo / "mixed.py").write_bytes(b"a = 1\r\nb = 2\rc = 3\n\ndef mixed_endings_probe():\r\n    return 3\n")

    report = index_repository(repo, tmp_path / "idx", embed=False)
    index = open_index(repo, tmp_path / "idx")

    assert report.files_indexed == 4 and report.skipped == {}
    expected = {"parse_manifest": ("bom.py", 1, 3), "widen_charset": ("wide.py", 3, 4),
                "classic_mac_reader": ("mac.py", 4, 5), "mixed_endings_probe": ("mixed.py", 5, 6)}
    for name, (path, start, end) in expected.items():
        [hit] = [h for h in index.search(name, mode="lexical") if h.symbol == name]
        assert (hit.path, hit.start_line, hit.end_line) == (path, start, end)
    [wide] = [h for h in index.search("widen_charset", mode="lexical") if h.symbol == "widen_charset"]
    assert "return 'ü'" in wide.text
    # The symbol graph reads the same bytes: its definitions carry the same lines.
    for name, (path, start, _) in expected.items():
        [definition] = index.definitions(name)
        assert (definition.path, definition.start_line) == (path, start + (1 if path == "bom.py" else 0))


# -- 14.2 "minified" false positives -------------------------------------------------------------------

LONG_DOC = "Options: " + " ".join(f"option{n} sets the value of setting {n}." for n in range(30))
CJK_DOC = "see RFC 42" + "加载配置文件并返回设置对象。" * 27 + "加载配置文件并"  # 395 characters, 1,165 bytes
assert len(CJK_DOC) == 395 and len(CJK_DOC.encode()) == 1165

# language -> (file name, comment prefix, a 30-line function named `loadSettings` / `load_settings`)
HAND_WRITTEN = {
    "typescript": ("settings.ts", "// ", "export function loadSettings(path: string): number {\n{body}  return 1;\n}\n",
                   "  const v{n} = {n};\n"),
    "javascript": ("settings.js", "// ", "function loadSettings(path) {\n{body}  return 1;\n}\n", "  const v{n} = {n};\n"),
    "python": ("settings.py", "# ", "def load_settings(path):\n{body}    return 1\n", "    v{n} = {n}\n"),
    "go": ("settings.go", "// ", "package s\n\nfunc loadSettings(path string) int {\n{body}\treturn 1\n}\n",
           "\tv{n} := {n}\n\t_ = v{n}\n"),
    "rust": ("settings.rs", "// ", "fn load_settings(path: &str) -> i32 {\n{body}    1\n}\n", "    let _v{n} = {n};\n"),
    "java": ("Settings.java", "// ", "class Settings {\n  int loadSettings() {\n{body}    return 1;\n  }\n}\n",
             "    int v{n} = {n};\n"),
    "ruby": ("settings.rb", "# ", "def load_settings(path)\n{body}  1\nend\n", "  v{n} = {n}\n"),
    "c": ("settings.c", "// ", "int load_settings(void) {\n{body}  return 1;\n}\n", "  int v{n} = {n};\n"),
}  # fmt: skip
LONG_LINES = {
    "doc-comment-1083-bytes": lambda prefix: prefix + LONG_DOC[: 1083 - len(prefix)],
    "cjk-395-chars": lambda prefix: prefix + CJK_DOC,
    "url": lambda prefix: prefix + "https://example.com/search?" + "&".join(f"q{n}=v{n}" for n in range(180)),
    "regex": lambda prefix: prefix + "pattern: ^(" + "|".join(f"[a-z]{{{n}}}x{n}" for n in range(120)) + ")$",
}


def hand_written(language: str, long_line: str) -> tuple[str, str]:
    name, prefix, template, body_line = HAND_WRITTEN[language]
    body = "".join(body_line.format(n=n) for n in range(26))
    return name, LONG_LINES[long_line](prefix) + "\n" + template.replace("{body}", body)


@pytest.mark.parametrize("long_line", list(LONG_LINES))
@pytest.mark.parametrize("language", list(HAND_WRITTEN))
def test_hand_written_file_with_one_long_line_is_not_minified(tmp_path: Path, language: str, long_line: str) -> None:
    name, text = hand_written(language, long_line)
    (tmp_path / name).write_text(text, encoding="utf-8")
    [file] = discover_files(tmp_path).files

    assert read_source(file) == text.encode()


def test_issue_inputs_are_indexed_and_their_functions_found(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    name, text = hand_written("typescript", "doc-comment-1083-bytes")
    assert len(text.splitlines()) == 30 and max(len(line.encode()) for line in text.splitlines()) == 1083
    (repo / name).write_text(text)
    (repo / "loader.py").write_text(f'def load_config(path):\n    """{CJK_DOC}"""\n    return path\n')

    report = index_repository(repo, tmp_path / "idx", embed=False)

    assert report.skipped == {} and report.files_indexed == 2
    index = open_index(repo, tmp_path / "idx")
    assert "loadSettings" in {h.symbol for h in index.search("loadSettings", mode="lexical")}
    assert "load_config" in {h.symbol for h in index.search("load_config", mode="lexical")}


MINIFIED = {
    "bundle-one-line": "!function(e){" + "var a=e.x,b=e.y;" * 3000 + "}(window);\n",
    "license-header-then-bundle": "/*! lib v1.0 | MIT */\n" + "var a=1,b=2;" * 2000 + "\n",
    "wrapped-json-dump": '{"data": [' + ",".join(f'{{"id":{n},"v":"x{n}"}}' for n in range(800)) + "]}\n",
    "generated-marker": "// Code generated by protoc-gen-go. DO NOT EDIT.\n" + "package p\n" * 40
    + "var fileDescriptor = []byte{" + ",".join("0x1f" for _ in range(400)) + "}\n",
    "source-map-tail": "var x=1;\n" * 20 + "var y='" + "a" * 1500 + "';\n//# sourceMappingURL=app.js.map\n",
}


@pytest.mark.parametrize("shape", list(MINIFIED))
def test_minified_or_generated_shape_is_still_skipped(tmp_path: Path, shape: str) -> None:
    (tmp_path / "app.js").write_text(MINIFIED[shape])
    [file] = discover_files(tmp_path).files
    assert read_source(file) == "minified"
    assert isinstance(read_source(file, IndexConfig(max_line_length=1_000_000)), bytes)


def test_max_line_length_counts_characters_not_bytes(tmp_path: Path) -> None:
    text = "x = '" + "é" * 600 + "'\n"  # 606 characters, 1,206 bytes: one line, all of the file
    (tmp_path / "accents.py").write_text(text)
    [file] = discover_files(tmp_path).files
    assert read_source(file, IndexConfig(max_line_length=1000)) == text.encode()
    assert read_source(file, IndexConfig(max_line_length=500)) == "minified"


def test_max_line_length_setting_reaches_the_indexer() -> None:
    from codeassist.settings import load_settings

    settings = load_settings(None, {"index": {"max_line_length": 4000}})
    assert settings.index.to_index_config().max_line_length == 4000


# -- 14.4 files without an extension ---------------------------------------------------------------------

SHEBANGS = {
    "#!/usr/bin/env python3": ("python", "def probe():\n    return 1\n", "probe"),
    "#!/usr/bin/python3.11 -u": ("python", "def probe():\n    return 1\n", "probe"),
    "#!/usr/bin/env -S node --no-warnings": ("javascript", "function probe() {\n  return 1;\n}\n", "probe"),
    "#!/usr/bin/env nodejs": ("javascript", "function probe() {\n  return 1;\n}\n", "probe"),
    "#!/bin/bash": ("bash", "probe() {\n  echo 1\n}\n", "probe"),
    "#!/bin/sh": ("bash", "probe() {\n  echo 1\n}\n", "probe"),
    "#!/usr/bin/env zsh": ("bash", "probe() {\n  echo 1\n}\n", "probe"),
    "#!/usr/bin/env ruby": ("ruby", "def probe\n  1\nend\n", "probe"),
    "#!/usr/bin/php": ("php", "<?php\nfunction probe() {\n  return 1;\n}\n", "probe"),
    "#!/usr/bin/env lua5.4": ("lua", "function probe()\n  return 1\nend\n", "probe"),
    "#!/usr/bin/perl -w": ("perl", "sub probe { return 1; }\n", ""),
    "#!/usr/bin/env PYTHONPATH=. python": ("python", "def probe():\n    return 1\n", "probe"),
}
MODELINES = {
    "# -*- mode: python -*-": "python",
    "# -*- coding: utf-8; mode: ruby -*-": "ruby",
    "-- -*- lua -*-": "lua",
    "# vim: set ft=sh :": "bash",
    "# vim: filetype=python": "python",
    "// vi: syntax=javascript": "javascript",
}


@pytest.mark.parametrize("shebang", list(SHEBANGS))
def test_shebang_picks_the_language_of_a_file_without_extension(tmp_path: Path, shebang: str) -> None:
    language, body, symbol = SHEBANGS[shebang]
    repo = tmp_path / "repo"
    (repo / "bin").mkdir(parents=True)
    (repo / "bin" / "tool").write_text(f"{shebang}\n{body}")

    index_repository(repo, tmp_path / "idx", embed=False)

    [chunk, *_] = [h for h in open_index(repo, tmp_path / "idx").file_chunks("bin/tool") if h.symbol == symbol]
    assert chunk.language == language
    if symbol:  # the function chunk ends on the body's last line (the shebang is a comment above it)
        assert chunk.kind == "function" and chunk.end_line == 1 + len(body.splitlines())
    assert open_index(repo, tmp_path / "idx").status()["languages"] == {language: 1}


@pytest.mark.parametrize("modeline", list(MODELINES))
def test_editor_modeline_picks_the_language(modeline: str) -> None:
    assert language_for_content(f"{modeline}\nx = 1\n".encode()) == MODELINES[modeline]


def test_vim_modeline_at_the_end_and_unknown_interpreters() -> None:
    assert language_for_content(b"x = 1\n" * 50 + b"# vim: ft=ruby\n") == "ruby"
    assert language_for_content(b"#!/usr/bin/env klingon\nx\n") is None
    assert language_for_content(b"plain text\n") is None
    assert language_for_content(b"") is None


# -- 14.5 TypeScript declarations without a symbol ---------------------------------------------------------

TS_DECLARATIONS = """import { memo, forwardRef } from "react";

/** Retry options. */
export type RetryOptions = {
  retries: number;
  timeout: number;
};

export interface HttpClient {
  get(url: string): Promise<string>;
}

export enum Color {
  Red,
  Green,
}

export const FancyButton = memo(function FancyButton(props: Props) {
  return <button>{props.label}</button>;
});

export const TextInput = forwardRef<HTMLInputElement, Props>((props, ref) => {
  return <input ref={ref} />;
});

const Avatar = React.memo(React.forwardRef((props: Props, ref) => <img ref={ref} />));
"""
TS_EXPECTED = [
    (3, 7, "class", "RetryOptions"), (9, 11, "class", "HttpClient"), (13, 16, "class", "Color"),
    (18, 20, "function", "FancyButton"), (22, 24, "function", "TextInput"), (26, 26, "function", "Avatar"),
]  # fmt: skip
JS_WRAPPED = """export const FancyButton = memo(function FancyButton(props) {
  return <button>{props.label}</button>;
});

const Avatar = React.memo(React.forwardRef((props, ref) => <img ref={ref} />));

var Legacy = observer(function (props) {
  return null;
});
"""


@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_typescript_type_declarations_and_wrapped_components_are_named_chunks(language: str) -> None:
    source = TS_DECLARATIONS if language == "tsx" else TS_DECLARATIONS.replace("<img ref={ref} />", "null")
    source = source if language == "tsx" else source.replace("<button>{props.label}</button>", "null")
    source = source if language == "tsx" else source.replace("<input ref={ref} />", "null")

    named = [(s, e, k, sym) for s, e, k, sym, _ in rows(source.encode(), language) if sym]

    assert named == TS_EXPECTED


def test_javascript_wrapped_components_are_named_chunks() -> None:
    named = [(s, e, k, sym) for s, e, k, sym, _ in rows(JS_WRAPPED.encode(), "javascript") if sym]
    assert named == [(1, 3, "function", "FancyButton"), (5, 5, "function", "Avatar"), (7, 9, "function", "Legacy")]
