"""`codeassist search --exclude / --include-tests`: what a user sees when tests compete with source."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from codeassist.cli import cli
from tests.indexer.conftest import write


def search(root: Path, index_dir: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["search", "parse config file", "--root", str(root), "--index-dir",
                                      str(index_dir), "--mode", "lexical", "--json", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tests_rank_below_source_unless_included_and_exclude_drops_paths(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root, "app/config.py", "def parse_config(path):\n    with open(path) as file:\n        return parse(file.read())\n")
    write(root, "tests/test_config.py", '''
        def test_parse_config_file():
            # parse a config file, parse the config file again
            assert parse_config_file("config file") == parse_config_file("config")
        ''')
    assert CliRunner().invoke(cli, ["index", str(root), "--index-dir", str(tmp_path / "idx"), "--no-embed"]).exit_code == 0
    default = search(root, tmp_path / "idx")
    assert default[0]["path"] == "app/config.py"
    assert search(root, tmp_path / "idx", "--include-tests")[0]["path"] == "tests/test_config.py"
    assert {h["path"] for h in search(root, tmp_path / "idx", "--exclude", "tests/**")} == {"app/config.py"}
