"""`codeassist symbols` and `codeassist definition` through click's CliRunner on a real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli.main import cli
from codeassist.indexer.pipeline import index_repository

FILES = {
    "pkg/settings.py": 'def make_s3_client(region):\n    """Build an S3 client."""\n    return region\n',
    "app/decoy.py": "def make_s3_client():\n    pass\n",
    "app/views.py": "from pkg.settings import make_s3_client as mk\n\n\ndef handler():\n    return mk('eu')\n",
    "web/server.ts": "export class HttpServerRequest {}\nexport function getUser(id: string) {}\n",
}


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    index_repository(root, tmp_path / "idx", embed=False)
    return root, tmp_path / "idx"


def run(indexed: tuple[Path, Path], *args: str):
    root, index_dir = indexed
    return CliRunner().invoke(cli, [*args, "--root", str(root), "--index-dir", str(index_dir)],
                              catch_exceptions=False)


def test_definition_json_follows_the_imports_of_the_from_file(indexed: tuple[Path, Path]) -> None:
    result = run(indexed, "definition", "mk", "--from", "app/views.py", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found[0] == {"name": "make_s3_client", "kind": "function", "symbol": "make_s3_client",
                        "path": "pkg/settings.py", "start_line": 1, "end_line": 3,
                        "signature": "def make_s3_client(region):", "doc": "Build an S3 client.",
                        "language": "python", "repo": ""}


def test_definition_text_lists_location_signature_and_doc(indexed: tuple[Path, Path]) -> None:
    result = run(indexed, "definition", "mk", "--from", "app/views.py")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == ["pkg/settings.py:1-3  function  make_s3_client", "    def make_s3_client(region):",
                         "    # Build an S3 client."]
    # Asked by its real name, the nearest definition comes first: views.py binds only the alias.
    result = run(indexed, "definition", "make_s3_client", "--from", "app/views.py")
    assert result.stdout.splitlines()[0] == "app/decoy.py:1-2  function  make_s3_client"


def test_definition_of_an_unknown_name_says_so(indexed: tuple[Path, Path]) -> None:
    result = run(indexed, "definition", "no_such_thing")
    assert result.exit_code == 0 and "No definition of no_such_thing in the index." in result.output
    assert json.loads(run(indexed, "definition", "no_such_thing", "--json").stdout) == []


def test_symbols_json_is_fuzzy_and_camel_case_aware(indexed: tuple[Path, Path]) -> None:
    result = run(indexed, "symbols", "HSR", "--json")
    assert [(d["name"], d["path"], d["kind"]) for d in json.loads(result.stdout)] == [
        ("HttpServerRequest", "web/server.ts", "class")]
    names = [d["name"] for d in json.loads(run(indexed, "symbols", "getU", "--json").stdout)]
    assert names[0] == "getUser"


def test_symbols_path_prints_the_outline(indexed: tuple[Path, Path]) -> None:
    result = run(indexed, "symbols", "--path", "app/views.py", "--json")
    assert [(d["symbol"], d["start_line"]) for d in json.loads(result.stdout)] == [("handler", 4)]


def test_from_a_path_outside_the_repository_is_a_clear_error(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    root, index_dir = indexed
    result = CliRunner().invoke(cli, ["definition", "x", "--from", str(tmp_path / "elsewhere.py"),
                                      "--root", str(root), "--index-dir", str(index_dir)])
    assert result.exit_code != 0 and "outside the repository" in result.output


def test_without_an_index_the_error_says_how_to_make_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["symbols", "x", "--root", str(tmp_path), "--index-dir", str(tmp_path / "i")])
    assert result.exit_code != 0 and "codeassist index" in result.output
