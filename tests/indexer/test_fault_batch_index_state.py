"""Fault batch (issues 14.6 and 16.1): right after `index`, `status` reports nothing stale; files skipped
for their content are remembered with their reason; a bad file or rule never stops the run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.indexer import open_index
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.pipeline import index_repository

# reason -> (file name, content that is skipped for that reason at read time)
CONTENT_SKIPS = {
    "binary": ("blob.py", b"import os\n\x00\x01\x02" + bytes(range(256)) * 4),
    "minified": ("bundle.js", ("!function(e){" + "var a=e.x,b=e.y;" * 300 + "}(window);\n").encode()),
    "random-bytes": ("noise.dat.py", bytes(b for b in os.urandom(4000) if b)),
}
REASON = {"binary": "binary", "minified": "minified", "random-bytes": "binary"}


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text("def serve_forever():\n    return 1\n")
    for name, content in CONTENT_SKIPS.values():
        (root / name).write_bytes(content)
    return root


def stale(repo: Path, idx: Path, config: IndexConfig | None = None) -> int:
    return open_index(repo, idx).stale_files(config)


def test_status_shows_no_stale_files_right_after_index_and_skips_keep_their_reason(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    idx = tmp_path / "idx"

    first = index_repository(repo, idx, embed=False)

    assert first.skipped == {"binary": 2, "minified": 1} and first.files_indexed == 1
    assert stale(repo, idx) == 0
    assert first.skipped_examples == {"binary": ["blob.py", "noise.dat.py"], "minified": ["bundle.js"]}
    second = index_repository(repo, idx, embed=False)  # nothing is read again, the reasons still show
    assert (second.files_indexed, second.files_unchanged, second.skipped) == (0, 1, first.skipped)
    assert second.skipped_examples == first.skipped_examples
    assert second.files_total == first.files_total == 1
    assert stale(repo, idx) == 0


@pytest.mark.parametrize("kind", list(CONTENT_SKIPS))
def test_a_skipped_file_that_changes_is_stale_once_and_indexed_when_readable(tmp_path: Path, kind: str) -> None:
    repo = make_repo(tmp_path / "repo")
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    name = CONTENT_SKIPS[kind][0]

    (repo / name).write_text("def fixed_now():\n    return 2\n")
    assert stale(repo, idx) == 1
    report = index_repository(repo, idx, embed=False)

    assert report.files_indexed == 1 and REASON[kind] not in report.skipped or report.skipped[REASON[kind]] == 1
    assert stale(repo, idx) == 0
    assert any("fixed_now" in hit.text for hit in open_index(repo, idx).search("fixed_now", mode="lexical"))


def test_changing_max_line_length_reads_remembered_minified_files_again(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    wide = IndexConfig(max_line_length=100_000)

    assert stale(repo, idx, wide) == 3  # under other settings the remembered skips no longer hold
    report = index_repository(repo, idx, wide, embed=False)

    assert report.skipped == {"binary": 2} and report.files_indexed == 1
    assert stale(repo, idx, wide) == 0


def test_deleted_skipped_file_is_forgotten_and_not_stale(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)

    (repo / "blob.py").unlink()

    assert stale(repo, idx) == 0  # it was never in the index: nothing to remove
    assert index_repository(repo, idx, embed=False).skipped == {"binary": 1, "minified": 1}


def test_cli_status_reports_zero_stale_right_after_cli_index(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    idx = str(tmp_path / "idx")
    runner = CliRunner()

    indexed = runner.invoke(cli, ["index", str(repo), "--index-dir", idx, "--no-embed", "--json"])
    status = runner.invoke(cli, ["status", str(repo), "--index-dir", idx, "--json"])

    assert indexed.exit_code == 0 and status.exit_code == 0
    assert json.loads(indexed.stdout)["skipped"] == {"binary": 2, "minified": 1}
    assert json.loads(status.stdout)["stale_files"] == 0


# -- 16.1 one bad input never aborts the run --------------------------------------------------------


@pytest.mark.parametrize("line", ["\\", "!", "[z-a", "a\\"])
def test_bad_ignore_line_or_exclude_pattern_is_named_in_the_index_summary(tmp_path: Path, line: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("def serve_forever():\n    return 1\n")
    (repo / "debug.log").write_text("noise\n")
    (repo / ".codeassistignore").write_text(f"{line}\n*.log\n")
    (repo / ".codeassist.toml").write_text("[index]\nexclude = [" + json.dumps(line) + "]\n")
    runner = CliRunner()

    result = runner.invoke(cli, ["index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed"])

    assert result.exit_code == 0, result.output
    # app.py, .codeassistignore and .codeassist.toml; the rule after the bad line still excludes debug.log
    assert "files: 3 indexed" in result.stdout and "skipped: excluded 1" in result.stdout
    assert "ignore rule skipped: .codeassistignore:1: " in result.stderr
    assert "ignore rule skipped: [index] exclude:1: " in result.stderr
    report = index_repository(repo, tmp_path / "idx2", IndexConfig(exclude=[line]), embed=False)
    assert [p.split(":")[0] for p in report.rule_problems] == ["[index] exclude", ".codeassistignore"]
