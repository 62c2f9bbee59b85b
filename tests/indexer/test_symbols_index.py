"""The symbol graph inside the index: filled by `index`, incremental with each file, kept when a file
stops parsing, filled for indexes built before it existed, and bounded on hostile input."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from codeassist.indexer.api import open_index
from codeassist.indexer.chunk_text import unpack_text
from codeassist.indexer.pipeline import index_repository
from tests.indexer.conftest import write


def _index(root: Path, index_dir: Path):
    index_repository(root, index_dir, embed=False)
    return open_index(root, index_dir)


def test_outline_lists_a_files_definitions_in_line_order_with_signature_and_doc(tmp_path: Path) -> None:
    write(tmp_path / "repo", "svc.py", '''
        class UserService:
            """Loads users."""

            def get_user(self, user_id):
                """Return one user."""
                return user_id
        ''')
    with _index(tmp_path / "repo", tmp_path / "idx") as index:
        outline = index.outline("svc.py")
    assert [(d.kind, d.symbol, d.start_line, d.end_line, d.signature, d.doc) for d in outline] == [
        ("class", "UserService", 2, 7, "class UserService:", "Loads users."),
        ("method", "UserService.get_user", 5, 7, "def get_user(self, user_id):", "Return one user."),
    ]
    assert outline[0].to_json()["language"] == "python"


def test_qualified_names_find_the_member(tmp_path: Path) -> None:
    write(tmp_path / "repo", "a.py", "class A:\n    def run(self):\n        pass\n")
    write(tmp_path / "repo", "b.py", "class B:\n    def run(self):\n        pass\n")
    with _index(tmp_path / "repo", tmp_path / "idx") as index:
        assert [d.path for d in index.definitions("B.run")] == ["b.py"]
        assert sorted(d.path for d in index.definitions("run")) == ["a.py", "b.py"]
        assert index.definitions("Nope.run") == []
        assert [d.path for d in index.definitions("self.run", from_path="b.py")][:1] == ["b.py"]
        assert index.definitions("") == [] and index.definitions("...") == []


def test_references_and_chunk_references(tmp_path: Path) -> None:
    write(tmp_path / "repo", "lib.py", "def helper():\n    pass\n")
    write(tmp_path / "repo", "app.py", "from lib import helper\n\n\ndef main():\n    return helper()\n")
    with _index(tmp_path / "repo", tmp_path / "idx") as index:
        refs = index.references("helper")
        assert [(r.path, r.line, r.symbol) for r in refs] == [("app.py", 5, "main")]
        main_chunk = next(h for h in index.file_chunks("app.py") if h.symbol == "main")
        assert refs[0].chunk_id == main_chunk.chunk_id
        assert index.chunk_references(main_chunk.chunk_id) == ["helper"]


def test_editing_a_file_replaces_its_definitions(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    path = write(root, "m.py", "def old_name():\n    pass\n")
    index_repository(root, tmp_path / "idx", embed=False)
    path.write_text("def new_name():\n    pass\n")
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:
        assert index.definitions("old_name") == []
        assert [d.name for d in index.outline("m.py")] == ["new_name"]
    path.unlink()
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:
        assert index.definitions("new_name") == [] and index.references("pass") == []


def test_a_file_that_stops_parsing_keeps_its_previous_definitions_until_it_parses(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    path = write(root, "m.py", "def first():\n    pass\n\n\ndef second():\n    pass\n")
    index_repository(root, tmp_path / "idx", embed=False)
    path.write_text("def first():\n    pass\n\nx = call(\n\ndef second():\n    pass\n")  # mid-edit, broken
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:
        assert [d.name for d in index.outline("m.py")] == ["first", "second"]
    path.write_text("def first():\n    pass\n")
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:
        assert [d.name for d in index.outline("m.py")] == ["first"]


def test_an_index_built_before_the_symbol_graph_gets_it_on_the_next_run_without_rechunking(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "m.py", "def kept():\n    pass\n")
    index_repository(root, tmp_path / "idx", embed=False)
    db = sqlite3.connect(tmp_path / "idx" / "index.db")
    chunk_ids = db.execute("SELECT id FROM chunks ORDER BY id").fetchall()
    with db:  # as an index from before the symbol graph: tables empty, no extraction recorded
        db.execute("DELETE FROM definitions")
        db.execute("DELETE FROM symbol_files")
    db.close()
    report = index_repository(root, tmp_path / "idx", embed=False)
    assert report.files_indexed == 0 and report.files_unchanged == 1
    with open_index(root, tmp_path / "idx") as index:
        assert [d.name for d in index.definitions("kept")] == ["kept"]
    db = sqlite3.connect(tmp_path / "idx" / "index.db")
    assert db.execute("SELECT id FROM chunks ORDER BY id").fetchall() == chunk_ids
    db.close()


@pytest.mark.parametrize("files,from_path,name,expected_path", [
    ({"a.py": "from b import x\n", "b.py": "from a import x\n", "c/x.py": "def x():\n    pass\n"},
     "a.py", "x", "c/x.py"),  # circular: ends, then the global lookup answers
    ({"app/m.py": "from pkg.core import *\n", "pkg/core.py": "def helper():\n    pass\n",
      "app/other.py": "def helper():\n    pass\n"}, "app/m.py", "helper", "pkg/core.py"),  # star import
    ({"app/m.py": "from nowhere.at.all import thing\n", "lib/t.py": "def thing():\n    pass\n"},
     "app/m.py", "thing", "lib/t.py"),  # unresolvable: global lookup
    ({"src/a.ts": "export * from './b';\n", "src/b.ts": "export * from './a';\n",
      "src/c.ts": "import { y } from './a';\n", "lib/y.ts": "export function y() {}\n"},
     "src/c.ts", "y", "lib/y.ts"),  # circular star re-exports
])
def test_bad_imports_degrade_to_the_global_lookup(tmp_path: Path, files: dict[str, str], from_path: str,
                                                  name: str, expected_path: str) -> None:
    for rel, text in files.items():
        write(tmp_path / "repo", rel, text)
    with _index(tmp_path / "repo", tmp_path / "idx") as index:
        assert [d.path for d in index.definitions(name, from_path=from_path)][:1] == [expected_path]


def test_a_name_defined_500_times_answers_nearest_first_within_the_limit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for i in range(500):
        write(root, f"pkg{i % 25}/mod{i}.go", f"package pkg{i % 25}\n\nfunc New() int {{ return {i} }}\n")
    write(root, "pkg7/main.go", "package pkg7\n\nfunc run() { New() }\n")
    with _index(root, tmp_path / "idx") as index:
        found = index.definitions("New", from_path="pkg7/main.go", limit=10)
        assert len(found) == 10
        assert all(d.path.startswith("pkg7/") for d in found)  # the same package first
        assert len(index.definitions("New", limit=1000)) <= 1000
        assert len(index.references("New", limit=5)) == 1
        assert len(index.symbols("New", limit=20)) == 20


def test_a_generated_file_with_10k_definitions_is_indexed_and_queried_in_bounds(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "gen/consts.py", "".join(f"VALUE_{i} = {i}\n" for i in range(10_000)))
    write(root, "app.py", "from gen.consts import VALUE_9999\n")
    with _index(root, tmp_path / "idx") as index:
        assert len(index.outline("gen/consts.py")) == 10_000
        assert [(d.path, d.start_line) for d in index.definitions("VALUE_9999", from_path="app.py")] == [
            ("gen/consts.py", 10_000)]
        hits = index.symbols("value99", limit=15)
        assert len(hits) == 15 and hits[0].name == "VALUE_99"


def test_workspace_symbols_are_fuzzy_and_camel_case_aware(tmp_path: Path) -> None:
    write(tmp_path / "repo", "a.ts", "export class HttpServerRequest {}\nexport function getUser() {}\n"
          "export function gadgetUtils() {}\nexport const userCount = 1;\n")
    with _index(tmp_path / "repo", tmp_path / "idx") as index:
        assert [d.name for d in index.symbols("HSR")] == ["HttpServerRequest"]
        assert [d.name for d in index.symbols("getU")][:1] == ["getUser"]
        assert [d.name for d in index.symbols("gu")][:2] == ["getUser", "gadgetUtils"]
        assert [d.name for d in index.symbols("user", kind="function")] == ["getUser"]
        assert index.symbols("zzz") == []
        assert [d.name for d in index.symbols("100%_")] == []  # LIKE wildcards are literal


def test_an_open_index_sees_re_indexed_imports_and_new_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "a/one.py", "def run():\n    pass\n")
    write(root, "b/two.py", "def run():\n    pass\n")
    main = write(root, "app/main.py", "from a.one import run\n")
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:  # stays open, as in the language server
        assert index.definitions("run", from_path="app/main.py")[0].path == "a/one.py"
        main.write_text("from b.two import run\n")
        index_repository(root, tmp_path / "idx", embed=False)
        assert index.definitions("run", from_path="app/main.py")[0].path == "b/two.py"
        write(root, "c/three.py", "def run():\n    pass\n")
        main.write_text("from c.three import run\n")
        index_repository(root, tmp_path / "idx", embed=False)
        assert index.definitions("run", from_path="app/main.py")[0].path == "c/three.py"


def test_an_index_with_the_first_references_table_is_upgraded_and_refilled(tmp_path: Path) -> None:
    from codeassist.indexer.store_schema import MIGRATIONS

    root = tmp_path / "repo"
    write(root, "lib.py", "def helper():\n    pass\n")
    write(root, "app.py", "from lib import helper\n\n\ndef main():\n    return helper()\n")
    index_repository(root, tmp_path / "idx", embed=False)
    db = sqlite3.connect(tmp_path / "idx" / "index.db")
    with db:  # back to what an index built at migration 3 has (the first symbol_refs, no later tables)
        db.execute("DROP TABLE IF EXISTS skipped_files")
        db.execute("DROP TABLE symbol_refs")
        db.execute("DROP TABLE symbol_names")  # and the later ones (issue 13)
        db.create_function("chunk_text", 1, unpack_text)
        db.execute("UPDATE chunks SET text = chunk_text(text)")
        db.execute("CREATE TABLE symbol_refs(file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
                   " chunk_id INTEGER, name TEXT NOT NULL, line INTEGER NOT NULL)")
        db.execute("ALTER TABLE chunks DROP COLUMN header")  # added by a later migration (issue 13)
        db.execute("ALTER TABLE embeddings DROP COLUMN orphaned_at")  # migration 8
        db.execute("PRAGMA user_version=3")
    db.close()
    report = index_repository(root, tmp_path / "idx", embed=False)
    assert report.files_indexed == 0
    db = sqlite3.connect(tmp_path / "idx" / "index.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
    with open_index(root, tmp_path / "idx") as index:
        assert [(r.path, r.line, r.symbol) for r in index.references("helper")] == [("app.py", 5, "main")]


def test_the_process_pool_carries_symbols_back_to_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codeassist.indexer import engines

    monkeypatch.setattr(engines, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(engines.os, "cpu_count", lambda: 2)
    root = tmp_path / "repo"
    for i in range(6):
        write(root, f"m{i}.py", f"def func_{i}():\n    return {i}\n")
    with _index(root, tmp_path / "idx") as index:
        assert [(d.path, d.start_line) for d in index.definitions("func_5")] == [("m5.py", 1)]
