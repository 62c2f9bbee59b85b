"""`codeassist index | status | search | languages` as a user runs them (click's CliRunner)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from tests.indexer.conftest import write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, "src/cache.py", '''
        # An LRU cache with a fixed capacity.
        class LRUCache:
            def __init__(self, capacity):
                self.capacity = capacity
                self.items = {}

            def evict_oldest(self):
                """Drop the least recently used entry."""
                oldest = next(iter(self.items))
                del self.items[oldest]
        ''')
    write(root, "src/util.js", "// Debounce a function call.\nfunction debounce(fn, ms) {\n  let t;\n  return () => { clearTimeout(t); t = setTimeout(fn, ms); };\n}\n")
    write(root, ".env", "API_TOKEN=super-secret-value\n")
    write(root, "package-lock.json", "{}\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_index_json_reports_counts_and_skips_by_reason(repo: Path, tmp_path: Path) -> None:
    code, out, _ = run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--json", "--no-embed")
    assert code == 0
    report = json.loads(out)
    assert report["files_indexed"] == 2 and report["chunks"] >= 3
    assert report["skipped"]["secret"] == 1 and report["skipped"]["lock_file"] == 1
    assert report["skipped"]["binary"] == 1
    code, out, _ = run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--json", "--no-embed")
    assert json.loads(out)["files_unchanged"] == 2


def test_index_human_summary(repo: Path, tmp_path: Path) -> None:
    code, out, _ = run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    assert code == 0
    assert "files: 2 indexed, 0 unchanged, 0 removed" in out and "secret 1" in out


def test_status_json(repo: Path, tmp_path: Path) -> None:
    run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    (repo / "src" / "new.py").write_text("x = 1\n")
    code, out, _ = run("status", str(repo), "--index-dir", str(tmp_path / "idx"), "--json")
    info = json.loads(out)
    assert code == 0
    assert info["root"] == str(repo.resolve()) and info["index_dir"] == str(tmp_path / "idx")
    assert info["files"] == 2 and info["chunks"] >= 3 and info["embedded"] == 0
    assert info["languages"] == {"javascript": 1, "python": 1}
    assert info["stale_files"] == 1


def test_search_json_hits(repo: Path, tmp_path: Path) -> None:
    run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    code, out, err = run("search", "evict least recently used", "--root", str(repo),
                         "--index-dir", str(tmp_path / "idx"), "-k", "2", "--json")
    assert code == 0
    hits = json.loads(out)
    assert hits[0]["path"] == "src/cache.py" and hits[0]["symbol"] == "LRUCache.evict_oldest"
    assert hits[0]["start_line"] == 8 and hits[0]["language"] == "python"
    assert "lexical" in err  # says the results are lexical while no embeddings exist


def test_search_rich_output_and_filters(repo: Path, tmp_path: Path) -> None:
    run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    code, out, _ = run("search", "debounce", "--root", str(repo), "--index-dir", str(tmp_path / "idx"),
                       "--lang", "javascript")
    assert code == 0 and "src/util.js:1-5" in out and "debounce" in out
    code, out, _ = run("search", "debounce", "--root", str(repo), "--index-dir", str(tmp_path / "idx"),
                       "--path", "docs/**", "--json")
    assert json.loads(out) == []


def test_search_without_index_says_how_to_create_it(repo: Path, tmp_path: Path) -> None:
    code, _, err = run("search", "cache", "--root", str(repo), "--index-dir", str(tmp_path / "none"))
    assert code == 1 and "codeassist index" in err and "Traceback" not in err


def test_index_of_missing_path_is_a_clean_error(tmp_path: Path) -> None:
    code, _, err = run("index", str(tmp_path / "missing"), "--index-dir", str(tmp_path / "idx"))
    assert code != 0 and "no such directory" in err


def test_languages_lists_ast_languages(tmp_path: Path) -> None:
    code, out, _ = run("languages", "--json")
    names = {entry["name"] for entry in json.loads(out)}
    assert code == 0
    assert {"python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp", "csharp", "ruby",
            "php", "bash", "lua", "kotlin", "scala"} <= names
    assert ".py" in next(e for e in json.loads(out) if e["name"] == "python")["extensions"]


def test_cli_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys, codeassist.cli; codeassist.cli.cli(['--help'], standalone_mode=False);"
            "heavy = [m for m in ('numpy', 'faiss', 'openai', 'tree_sitter', 'tokenizers', 'rich') if m in sys.modules];"
            "print('HEAVY=' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="
