"""Corpora and queries of bench/retrieval.py: real packages from the registries, doc comments blanked.

Each corpus is a registry package (bench/registry_corpora.py) copied with every documented function's
doc blanked: Python docstrings become ``pass`` and empty lines, Go doc comments (the ``//`` block right
above a ``func``) become empty lines, so line numbers are kept and a query can only be answered from
the code, its names and its other comments. Queries:

- ``doc``: the first sentence of the blanked doc (Go: without the leading function name, which Go
  convention puts there and no user would type). Gold: the function (same file, overlapping its lines).
  Sentences that occur twice are dropped (no single right answer), and so are the functions of test,
  example and documentation files: the questions are about the code itself.
- ``symbol``: the bare name of a function or method defined exactly once in the corpus (exact-symbol
  queries; `symbol_queries`, names read from the index).
- ``question``: hand-written questions from bench/retrieval_questions.json, gold = path + symbol,
  each checked by reading the code.

Files are copied whole (tests, docs and examples included: they are the distractors a user's
repository has too); a corpus is capped at MAX_FILES source files, in sorted order.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from registry_corpora import fetch

from codeassist.indexer.ranking import file_role

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "retrieval_questions.json"
MAX_FILES = 400
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".github"}
TEXT_SUFFIXES = {".py", ".go", ".js", ".ts", ".mjs", ".md", ".rst", ".txt", ".toml", ".cfg", ".json", ".yml",
                 ".yaml", ".ini", ".html", ".mod"}


@dataclass(frozen=True)
class Corpus:
    name: str
    spec: str  # registry_corpora.fetch spec
    language: str
    half: str  # "tune": settings are chosen on it; "report": held out, only reported
    subdir: str = ""  # below the fetched root


CORPORA = (
    Corpus("flask", "pypi:flask==3.0.3", "python", "tune"),
    Corpus("attrs", "pypi:attrs==23.2.0", "python", "tune"),
    Corpus("gin", "deb:golang-github-gin-gonic-gin-dev", "go", "tune"),
    Corpus("ky", "npm:ky@1.7.2", "javascript", "tune"),
    # Added in the second round of issue 13 to make the choices less dependent on four packages.
    Corpus("rich", "pypi:rich==13.7.1", "python", "tune"),
    Corpus("scrapy", "pypi:scrapy==2.11.2", "python", "tune"),
    Corpus("mux", "deb:golang-github-gorilla-mux-dev", "go", "tune"),
    Corpus("urfave-cli", "deb:golang-github-urfave-cli-dev", "go", "tune"),
    Corpus("httpx", "pypi:httpx==0.27.0", "python", "report"),
    Corpus("requests", "pypi:requests==2.32.3", "python", "report"),
    Corpus("logrus", "deb:golang-github-sirupsen-logrus-dev", "go", "report", "sirupsen/logrus"),
    Corpus("cobra", "deb:golang-github-spf13-cobra-dev", "go", "report"),
    # Third round: added before any of that round's choices and run once, for the final report. The four
    # corpora above had been reported twice by then, so they no longer count as never seen.
    Corpus("marshmallow", "pypi:marshmallow==3.21.3", "python", "report"),
    Corpus("werkzeug", "pypi:werkzeug==3.0.3", "python", "report"),
    Corpus("chi", "deb:golang-github-go-chi-chi-dev", "go", "report"),
    Corpus("pflag", "deb:golang-github-spf13-pflag-dev", "go", "report"),
)


@dataclass(frozen=True)
class Query:
    kind: str  # doc | symbol | question
    text: str
    path: str
    start: int = 0  # doc/symbol: the function's lines (1-based, inclusive)
    end: int = 0
    symbol: str = ""  # question: the gold symbol (a hit's symbol equal to it or ending in ".<it>")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n\s*\n")


def first_sentence(doc: str) -> str:
    return " ".join(_SENTENCE_END.split(doc.strip(), maxsplit=1)[0].split())


def blank_python(source: str) -> tuple[str, list[tuple[str, int, int, str]]]:
    """(source with function docstrings blanked, [(first sentence, def line, end line, name)])."""
    tree = ast.parse(source)
    lines = source.split("\n")
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        doc = ast.get_docstring(node, clean=True)
        if not doc:
            continue
        expr = node.body[0]
        indent = re.match(r"\s*", lines[expr.lineno - 1]).group(0)
        lines[expr.lineno - 1] = indent + "pass"
        for i in range(expr.lineno, expr.end_lineno):
            lines[i] = ""
        text = first_sentence(doc)
        if len(text.split()) >= 4:
            found.append((text, node.lineno, node.end_lineno, node.name))
    return "\n".join(lines), found


_GO_FUNC = re.compile(r"^func\s+(\([^)]*\)\s*)?([A-Za-z_]\w*)")


def blank_go(source: str) -> tuple[str, list[tuple[str, int, int, str]]]:
    """(source with the doc comments of top-level funcs blanked, [(first sentence, func line, end, name)]).
    gofmt puts a top-level func's closing brace alone at column 0, which gives its end line."""
    lines = source.split("\n")
    found = []
    for i, line in enumerate(lines):
        match = _GO_FUNC.match(line)
        if not match:
            continue
        j = i
        while j > 0 and lines[j - 1].startswith("//"):
            j -= 1
        if j == i:
            continue
        doc = " ".join(raw[2:].strip() for raw in lines[j:i])
        name = match.group(2)
        for k in range(j, i):
            lines[k] = ""
        end = next((k for k in range(i, len(lines)) if lines[k] == "}"), i) if not line.rstrip().endswith("}") else i
        words = first_sentence(doc).split()
        if words and words[0] == name:
            words = words[1:]
        if len(words) >= 4 and not doc.startswith(("Deprecated", "TODO")):
            found.append((" ".join(words), i + 1, end + 1, name))
    return "\n".join(lines), found


def _source_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part in SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.suffix in TEXT_SUFFIXES and not path.name.endswith(".map"):
            files.append(path)
    return files[:MAX_FILES]


def build(corpus: Corpus, dest: Path) -> list[Query]:
    """Copy the corpus into `dest` with docs blanked; returns its doc and symbol queries."""
    root = fetch(corpus.spec)
    if corpus.subdir:
        root = root / corpus.subdir
    marker = dest / ".complete"
    reuse = marker.exists()  # the copy is deterministic: an earlier one (and its index) stays valid
    if dest.exists() and not reuse:
        shutil.rmtree(dest)
    queries: list[Query] = []
    for path in _source_files(root):
        rel = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8", errors="replace")
        found: list[tuple[str, int, int, str]] = []
        try:
            if path.suffix == ".py":
                source, found = blank_python(source)
            elif path.suffix == ".go":
                source, found = blank_go(source)
        except SyntaxError:
            found = []
        if not reuse:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
        if file_role(rel) == "source":  # a question is about the code, not about its tests or examples
            queries += [Query("doc", text, rel, start, end) for text, start, end, _ in found]
    marker.write_text("")
    counts = Counter(q.text.lower() for q in queries)
    return sorted((q for q in queries if counts[q.text.lower()] == 1), key=lambda q: (q.path, q.start))


def symbol_queries(db_path: Path, count: int = 40) -> list[Query]:
    """Bare names of functions and methods defined once in the corpus (read from an index of it);
    gold = that definition. Names of tests and dunder/private names are left out."""
    import sqlite3

    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT f.path, c.symbol, min(c.start_line), max(c.end_line) FROM chunks c JOIN files f"
                      " ON f.id = c.file_id WHERE c.kind IN ('function', 'method') GROUP BY f.path, c.symbol"
                      " ORDER BY f.path, c.symbol").fetchall()
    db.close()
    names = Counter(re.split(r"[.:#]", symbol)[-1] for _, symbol, _, _ in rows)
    picked = []
    for path, symbol, start, end in rows:
        name = re.split(r"[.:#]", symbol)[-1]
        if names[name] == 1 and len(name) >= 6 and not name.lower().startswith(("test", "_", "benchmark")):
            picked.append(Query("symbol", name, path, start, end))
    return picked[:: max(1, len(picked) // count)][:count]


def questions(corpus: str) -> list[Query]:
    """The hand-written questions about one corpus."""
    data = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    return [Query("question", q["question"], q["path"], symbol=q["symbol"])
            for q in data if q["corpus"] == corpus]
