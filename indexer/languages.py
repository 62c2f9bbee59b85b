"""The language registry: which file is which language, and the tree-sitter grammar and query for it.

Owns the mapping name -> extensions / file names, the lazy loading of grammars (one cached
`tree_sitter.Language` and `Query` per language, compiled on first use) and one `Parser` per thread.
What a definition *is* lives in the query files `queries/<language>.scm` (package data), not here.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Parser, Query, QueryCursor


@dataclass(frozen=True, slots=True)
class LanguageInfo:
    """One language the indexer knows. `ast` is True when chunks follow the syntax tree."""

    name: str
    extensions: tuple[str, ...]
    filenames: tuple[str, ...] = ()
    # "module:function" returning the grammar's language pointer; None = text-like, line windows.
    grammar: str | None = None
    # How enclosing symbols are joined ("Class.method"; markdown headings read "Install > Linux").
    symbol_separator: str = "."
    # Kind of chunks for code outside any definition.
    top_level_kind: str = "module"
    # How comments look, to find the comment block right above a definition by its text (far cheaper
    # than capturing every comment node of the file with the query).
    line_comment: tuple[str, ...] = ()
    block_comment: tuple[str, str] | None = None

    @property
    def ast(self) -> bool:
        return self.grammar is not None


_C_LINE, _C_BLOCK = ("//",), ("/*", "*/")

_LANGUAGES: tuple[LanguageInfo, ...] = (
    LanguageInfo("python", (".py", ".pyi", ".pyw"), (), "tree_sitter_python:language", line_comment=("#",)),
    LanguageInfo(
        "javascript",
        (".js", ".jsx", ".mjs", ".cjs"),
        (),
        "tree_sitter_javascript:language",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "typescript",
        (".ts", ".mts", ".cts"),
        (),
        "tree_sitter_typescript:language_typescript",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "tsx",
        (".tsx",),
        (),
        "tree_sitter_typescript:language_tsx",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo("go", (".go",), (), "tree_sitter_go:language", line_comment=_C_LINE, block_comment=_C_BLOCK),
    LanguageInfo(
        "rust", (".rs",), (), "tree_sitter_rust:language", line_comment=_C_LINE, block_comment=_C_BLOCK
    ),
    LanguageInfo(
        "java", (".java",), (), "tree_sitter_java:language", line_comment=_C_LINE, block_comment=_C_BLOCK
    ),
    LanguageInfo("c", (".c",), (), "tree_sitter_c:language", line_comment=_C_LINE, block_comment=_C_BLOCK),
    # `.h` goes to C++: its grammar reads plain C headers too, the C grammar does not read classes.
    LanguageInfo(
        "cpp",
        (".cc", ".cpp", ".cxx", ".c++", ".h", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".inl", ".tpp"),
        (),
        "tree_sitter_cpp:language",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "csharp",
        (".cs", ".csx"),
        (),
        "tree_sitter_c_sharp:language",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "ruby",
        (".rb", ".rake", ".gemspec", ".ru"),
        ("Rakefile", "Gemfile", "Guardfile", "Vagrantfile"),
        "tree_sitter_ruby:language",
        line_comment=("#",),
        block_comment=("=begin", "=end"),
    ),
    LanguageInfo(
        "php",
        (".php", ".phtml"),
        (),
        "tree_sitter_php:language_php",
        line_comment=("//", "#"),
        block_comment=("/*", "*/"),
    ),
    LanguageInfo(
        "bash",
        (".sh", ".bash", ".zsh", ".ksh"),
        (".bashrc", ".bash_profile", ".zshrc", ".profile", "PKGBUILD"),
        "tree_sitter_bash:language",
        line_comment=("#",),
    ),
    LanguageInfo(
        "lua", (".lua",), (), "tree_sitter_lua:language", line_comment=("--",), block_comment=("--[[", "]]")
    ),
    LanguageInfo(
        "kotlin",
        (".kt", ".kts"),
        (),
        "tree_sitter_kotlin:language",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "scala",
        (".scala", ".sc", ".sbt"),
        (),
        "tree_sitter_scala:language",
        line_comment=_C_LINE,
        block_comment=_C_BLOCK,
    ),
    LanguageInfo(
        "swift", (".swift",), (), "tree_sitter_swift:language", line_comment=_C_LINE, block_comment=_C_BLOCK
    ),
    LanguageInfo(
        "markdown",
        (".md", ".markdown", ".mdown", ".mkd"),
        (),
        "tree_sitter_markdown:language",
        symbol_separator=" > ",
        top_level_kind="section",
    ),
    # Text-like languages without a grammar: line windows, but hits still say what they are.
    LanguageInfo("json", (".json", ".jsonc", ".json5", ".jsonl", ".ipynb")),
    LanguageInfo("yaml", (".yml", ".yaml")),
    LanguageInfo("toml", (".toml",), ("Cargo.lock", "poetry.lock")),
    LanguageInfo("ini", (".ini", ".cfg", ".conf", ".properties", ".editorconfig"), (".editorconfig",)),
    LanguageInfo("html", (".html", ".htm", ".xhtml", ".jinja", ".j2")),
    LanguageInfo("xml", (".xml", ".xsd", ".xsl", ".svg", ".plist", ".csproj")),
    LanguageInfo("css", (".css",)),
    LanguageInfo("scss", (".scss", ".sass", ".less")),
    LanguageInfo("sql", (".sql",)),
    LanguageInfo("graphql", (".graphql", ".gql")),
    LanguageInfo("protobuf", (".proto",)),
    LanguageInfo("dockerfile", (".dockerfile",), ("Dockerfile", "Containerfile")),
    LanguageInfo("makefile", (".mk", ".mak"), ("Makefile", "makefile", "GNUmakefile")),
    LanguageInfo("cmake", (".cmake",), ("CMakeLists.txt",)),
    LanguageInfo("restructuredtext", (".rst",)),
    LanguageInfo("text", (".txt", ".text")),
    LanguageInfo("vue", (".vue",)),
    LanguageInfo("svelte", (".svelte",)),
    LanguageInfo("perl", (".pl", ".pm")),
    LanguageInfo("r", (".r",)),
    LanguageInfo("elixir", (".ex", ".exs")),
    LanguageInfo("erlang", (".erl", ".hrl")),
    LanguageInfo("haskell", (".hs",)),
    LanguageInfo("ocaml", (".ml", ".mli")),
    LanguageInfo("clojure", (".clj", ".cljs", ".cljc", ".edn")),
    LanguageInfo("dart", (".dart",)),
    LanguageInfo("zig", (".zig",)),
    LanguageInfo("nim", (".nim",)),
    LanguageInfo("julia", (".jl",)),
    LanguageInfo("powershell", (".ps1", ".psm1")),
    LanguageInfo("batch", (".bat", ".cmd")),
    LanguageInfo("terraform", (".tf", ".tfvars", ".hcl")),
    LanguageInfo("groovy", (".groovy", ".gradle")),
    LanguageInfo("objective-c", (".m", ".mm")),
    LanguageInfo("fortran", (".f", ".f90", ".f95")),
    LanguageInfo("tex", (".tex", ".bib")),
    LanguageInfo("csv", (".csv", ".tsv")),
)

_BY_NAME = {info.name: info for info in _LANGUAGES}
# File names first (exact), then extensions (lower-cased): `Makefile` has no extension to go by.
_BY_FILENAME = {filename: info.name for info in _LANGUAGES for filename in info.filenames}
_BY_EXTENSION = {ext: info.name for info in _LANGUAGES for ext in info.extensions}


def language_for_path(rel_path: str) -> str | None:
    """The language of a file by its name, or None when the name says nothing we know."""
    name = rel_path.replace("\\", "/").rpartition("/")[2]
    by_name = _BY_FILENAME.get(name)
    if by_name is not None:
        return by_name
    dot = name.rfind(".")
    if dot <= 0 and not name.startswith("."):
        return None
    return _BY_EXTENSION.get(name[dot:].lower())


def supported_languages() -> list[LanguageInfo]:
    """Every known language, AST-chunked ones first, for `codeassist languages`."""
    return sorted(_LANGUAGES, key=lambda info: (not info.ast, info.name))


def language_info(name: str | None) -> LanguageInfo | None:
    return _BY_NAME.get(name) if name else None


@dataclass(frozen=True, slots=True)
class Grammar:
    """A compiled grammar and its definitions query; shared between threads (both are read-only)."""

    language: Language
    query: Query


_compile_lock = threading.Lock()


# Languages whose grammar has the same definition nodes as another's share its query file.
QUERY_FILE = {"tsx": "typescript"}


@cache
def _load_grammar_locked(name: str) -> Grammar | None:
    info = _BY_NAME.get(name)
    if info is None or info.grammar is None:
        return None
    # Imported here so that asking for a file's language never pays for loading tree-sitter.
    from tree_sitter import Language, Query

    module_name, _, function_name = info.grammar.partition(":")
    try:
        language = Language(getattr(importlib.import_module(module_name), function_name)())
        query_text = (resources.files("codeassist.indexer") / "queries" / f"{QUERY_FILE.get(name, name)}.scm"
                      ).read_text("utf-8")
        query = Query(language, query_text)
    except Exception:
        # A grammar wheel missing or built for another tree-sitter ABI: files of this language still
        # get indexed, as line windows. (Every shipped grammar and query is loaded in the tests.)
        return None
    return Grammar(language, query)


def load_grammar(name: str) -> Grammar | None:
    """The grammar and query for `name`, compiled once; None when the language has no grammar."""
    # The lock keeps two threads from compiling the same query at once (lru_cache alone does not).
    with _compile_lock:
        return _load_grammar_locked(name)


_per_thread = threading.local()

# Definitions worth a chunk sit near the root (a method of a nested class in a namespace is at depth
# 7-9). Not starting matches deeper saves ~15% of the query's walk over expression-heavy code.
MAX_DEFINITION_DEPTH = 10


def parser_and_cursor(name: str, grammar: Grammar) -> tuple[Parser, QueryCursor]:
    """This thread's Parser and QueryCursor for a language (neither may be shared across threads)."""
    tools = getattr(_per_thread, "tools", None)
    if tools is None:
        tools = _per_thread.tools = {}
    pair = tools.get(name)
    if pair is None:
        from tree_sitter import Parser, QueryCursor

        cursor = QueryCursor(grammar.query)
        cursor.set_max_start_depth(MAX_DEFINITION_DEPTH)
        pair = tools[name] = (Parser(grammar.language), cursor)
    return pair
