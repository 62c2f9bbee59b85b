"""Completion sites for bench/context_recall.py, found independently of the product (regexes, not the
symbol graph): calls to a function/class defined in ANOTHER file of the corpus, resolved through the
calling file's imports (Python `from X import name [as alias]`, TS/JS `import { name } from "./x"`,
Go: the same package in another file, or `pkg.Name` of an imported package of the same module).

Also the three reference retrievers of issue 12: BM25 over definition chunks with the last 15 lines as the
query (top 3); the same restricted to what the file imports; identifiers nearest the cursor resolved
through the file's imports (top 3).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

EXTENSIONS = {"python": (".py",), "typescript": (".ts", ".tsx"), "javascript": (".js", ".mjs"), "go": (".go",)}
TEST_RE = re.compile(r"(^|/)(tests?|__tests__|testdata|examples?|docs?)(/|$)|_test\.go$|\.test\.|\.spec\.|(^|/)test_")
DEFINITION_RES = {
    "python": re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.MULTILINE),
    "typescript": re.compile(r"^export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?"
                             r"(?:function\*?|class|const|let|enum)\s+([A-Za-z_$][\w$]*)", re.MULTILINE),
    "go": re.compile(r"^(?:func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[\[(]|type\s+([A-Za-z_]\w*)\s)", re.MULTILINE),
}
DEFINITION_RES["javascript"] = DEFINITION_RES["typescript"]
QUERY_LINES = 15
MAX_PER_FILE = 6
MAX_PER_NAME = 4
TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def header_re(language: str, name: str) -> re.Pattern:
    """What counts as the definition's header in a prompt (issue 12: `def name(`, `class Name`,
    `function name`, `func name(`, `func (r) Name(`, `type Name`)."""
    n = re.escape(name)
    if language == "python":
        return re.compile(rf"\b(?:def|class)\s+{n}\b")
    if language == "go":
        return re.compile(rf"\bfunc\s+(?:\([^)]*\)\s*)?{n}\s*[\[(]|\btype\s+{n}\s")
    return re.compile(rf"\b(?:function\*?\s+{n}\b|class\s+{n}\b|(?:const|let|var)\s+{n}\s*[:=]|enum\s+{n}\b)")


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    path: str
    start_line: int  # 1-based
    end_line: int
    text: str


@dataclass(frozen=True, slots=True)
class Site:
    path: str
    line: int  # 0-based
    call_column: int  # where the call expression starts (setting "start")
    paren_column: int  # just after `name(` (setting "after_paren")
    name: str  # the defined name
    target: Definition
    language: str

    def buffer(self, text: str, setting: str) -> tuple[str, int, int]:
        """(buffer text, line, character) for a cursor setting: the rest of the line removed."""
        lines = text.split("\n")
        column = self.call_column if setting == "start" else self.paren_column
        lines[self.line] = lines[self.line][:column]
        return "\n".join(lines), self.line, column


class Corpus:
    """The files of one language under `root` with their top-level definitions and resolved imports."""

    def __init__(self, root: Path, language: str) -> None:
        self.root, self.language = root, language
        self.texts: dict[str, str] = {}
        for path in sorted(root.rglob("*")):
            if path.suffix in EXTENSIONS[language] and path.is_file() and not path.name.endswith(".d.ts"):
                self.texts[path.relative_to(root).as_posix()] = path.read_text("utf-8", errors="replace")
        self.definitions: dict[str, dict[str, Definition]] = {p: _definitions(t, p, language)
                                                              for p, t in self.texts.items()}
        self.go_module = ""
        if language == "go" and (root / "go.mod").exists():
            match = re.search(r"^module\s+(\S+)", (root / "go.mod").read_text(), re.MULTILINE)
            self.go_module = match.group(1) if match else ""

    # -- resolution (the bench's own, per language family) ------------------------------------------
    def bindings(self, path: str) -> dict[str, tuple[str, str]]:
        """Local name -> (defining path, defined name) for names the file imports from the corpus; for Go
        also `pkg.Name` keys and the same package's names from other files."""
        text = self.texts[path]
        out: dict[str, tuple[str, str]] = {}
        if self.language == "python":
            for module, names in re.findall(r"^from\s+([.\w]+)\s+import\s+\(?([^)\n]*(?:\n[^)\n]*)*?)\)?$", text,
                                            re.MULTILINE):
                target = self._python_module(path, module)
                for part in names.split(","):
                    pieces = part.split("#")[0].split()
                    if not pieces:
                        continue
                    name, local = pieces[0], pieces[-1] if len(pieces) == 3 and pieces[1] == "as" else pieces[0]
                    if target and name in self.definitions.get(target, {}):
                        out[local] = (target, name)
        elif self.language in ("typescript", "javascript"):
            for names, module in re.findall(r"import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['\"]([^'\"]+)['\"]", text):
                target = self._relative_module(path, module)
                for part in names.split(","):
                    pieces = part.replace("type ", " ").split()
                    if not pieces:
                        continue
                    name, local = pieces[0], pieces[-1] if len(pieces) == 3 and pieces[1] == "as" else pieces[0]
                    if target and name in self.definitions.get(target, {}):
                        out[local] = (target, name)
        else:
            folder = path.rsplit("/", 1)[0] if "/" in path else ""
            for other, defs in self.definitions.items():
                if other != path and (other.rsplit("/", 1)[0] if "/" in other else "") == folder \
                        and not other.endswith("_test.go"):
                    for name in defs:
                        out.setdefault(name, (other, name))
            for alias, module in re.findall(r'^\s*(?:import\s+)?([A-Za-z_]\w*\s+)?"([^"]+)"\s*$', text, re.MULTILINE):
                if not self.go_module or not module.startswith(self.go_module + "/"):
                    continue
                sub = module[len(self.go_module) + 1:]
                local = alias.strip() or sub.rsplit("/", 1)[-1]
                for other, defs in self.definitions.items():
                    if other.rsplit("/", 1)[0] == sub and not other.endswith("_test.go"):
                        for name in defs:
                            out.setdefault(f"{local}.{name}", (other, name))
        return out

    def _python_module(self, path: str, module: str) -> str | None:
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = path.split("/")[:-dots]
            parts = base + [p for p in module.lstrip(".").split(".") if p]
        else:
            parts = module.split(".")
        for candidate in ("/".join(parts) + ".py", "/".join(parts + ["__init__.py"])):
            if candidate in self.texts:
                return candidate
        return None

    def _relative_module(self, path: str, module: str) -> str | None:
        if not module.startswith("."):
            return None
        base = Path(path).parent
        stem = (base / module).as_posix()
        stem = str(Path(stem)).replace("\\", "/")
        parts: list[str] = []
        for part in stem.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in (".", ""):
                parts.append(part)
        stem = "/".join(parts)
        stem = re.sub(r"\.(js|mjs|ts)$", "", stem)
        for ext in EXTENSIONS[self.language] + (".ts", ".js"):
            for candidate in (stem + ext, f"{stem}/index{ext}"):
                if candidate in self.texts:
                    return candidate
        return None

    # -- sites ----------------------------------------------------------------------------------------
    def sites(self, count: int, seed: int) -> list[Site]:
        """Up to `count` call sites (at most MAX_PER_FILE per file and MAX_PER_NAME per callee), sampled with `seed`."""
        found: list[Site] = []
        for path, text in self.texts.items():
            if TEST_RE.search(path):
                continue
            bindings = self.bindings(path)
            if not bindings:
                continue
            pattern = re.compile(r"(?<![\w$.])(" + "|".join(re.escape(k) for k in sorted(bindings, key=len,
                                                                                         reverse=True)) + r")\s*\(")
            for number, line in enumerate(text.split("\n")):
                stripped = line.strip()
                if not stripped or stripped.startswith(("#", "//", "*", "import ", "from ", "def ", "class ",
                                                        "func ", "export function", "@")):
                    continue
                match = pattern.search(line)
                if match is None or _in_string(line, match.start()):
                    continue
                target_path, name = bindings[match.group(1)]
                target = self.definitions[target_path][name]
                if header_re(self.language, name).search(text):
                    continue  # the current file defines the name too: the header would not prove anything
                found.append(Site(path, number, match.start(), match.end(), name, target, self.language))
        rng = random.Random(seed)
        rng.shuffle(found)
        per_file: Counter = Counter()
        per_name: Counter = Counter()
        chosen = []
        for site in found:
            if per_file[site.path] >= MAX_PER_FILE or per_name[(site.target.path, site.name)] >= MAX_PER_NAME:
                continue
            per_file[site.path] += 1
            per_name[(site.target.path, site.name)] += 1
            chosen.append(site)
            if len(chosen) == count:
                break
        return chosen


def _in_string(line: str, column: int) -> bool:
    before = line[:column]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1 or before.count("`") % 2 == 1


def _definitions(text: str, path: str, language: str) -> dict[str, Definition]:
    lines = text.split("\n")
    starts = []
    for match in DEFINITION_RES[language].finditer(text):
        name = next(g for g in match.groups() if g)
        starts.append((text.count("\n", 0, match.start()), name))
    out: dict[str, Definition] = {}
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(lines) - 1
        end = min(end, start + 80)
        while end > start and not lines[end].strip():
            end -= 1
        if header_re(language, name).search("\n".join(lines[start:start + 3])):
            out.setdefault(name, Definition(name, path, start + 1, end + 1, "\n".join(lines[start:end + 1])))
    return out


# -- reference retrievers ---------------------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    out = []
    for word in TOKEN_RE.findall(text):
        out.append(word.lower())
        out += [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", word) if w.lower() != word.lower()]
    return out


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over definition chunks."""

    def __init__(self, chunks: list[Definition]) -> None:
        self.chunks = chunks
        self.docs = [Counter(_tokens(c.text)) for c in chunks]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(chunks)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def top(self, query: str, k: int = 3, allowed: set[tuple[str, int]] | None = None) -> list[Definition]:
        terms = set(_tokens(query))
        scored = []
        for i, doc in enumerate(self.docs):
            chunk = self.chunks[i]
            if allowed is not None and (chunk.path, chunk.start_line) not in allowed:
                continue
            score = 0.0
            for term in terms:
                f = doc.get(term)
                if f:
                    score += self.idf[term] * f * 2.2 / (f + 1.2 * (1 - 0.75 + 0.75 * self.lengths[i] / self.avg))
            if score > 0:
                scored.append((score, i))
        scored.sort(reverse=True)
        return [self.chunks[i] for _, i in scored[:k]]


def reference_hits(corpus: Corpus, bm25: BM25, site: Site, buffer: str, line: int, character: int
                   ) -> dict[str, bool]:
    """Whether each reference retriever's top 3 holds the site's target definition."""
    lines = buffer.split("\n")
    query = "\n".join(lines[max(0, line - QUERY_LINES):line] + [lines[line][:character]])
    bindings = corpus.bindings(site.path)
    target = (site.target.path, site.target.start_line)
    imported = {(corpus.definitions[p][n].path, corpus.definitions[p][n].start_line) for p, n in bindings.values()}
    top = [(d.path, d.start_line) for d in bm25.top(query, 3)]
    top_imported = [(d.path, d.start_line) for d in bm25.top(query, 3, imported)]
    nearest: list[tuple[str, int]] = []
    before = "\n".join(lines[:line] + [lines[line][:character]])
    for match in reversed(list(re.finditer(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?", before))):
        key = match.group(0)
        if key not in bindings and key.split(".")[-1] in bindings and "." in key:
            key = key.split(".")[-1]
        if key in bindings:
            p, n = bindings[key]
            ref = (corpus.definitions[p][n].path, corpus.definitions[p][n].start_line)
            if ref not in nearest:
                nearest.append(ref)
            if len(nearest) == 3:
                break
    return {"bm25_last_lines_top3": target in top, "bm25_imported_top3": target in top_imported,
            "nearest_identifiers_top3": target in nearest}
