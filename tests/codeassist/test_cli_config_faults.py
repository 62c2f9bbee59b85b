"""Config and manifest problems are one-line errors naming the file, the key and the valid range
(issue 16, item 2): never a UnicodeDecodeError, MemoryError, OverflowError or RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.settings import BOUNDS, load_settings
from tests.special_files import make_special_file


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("def f():\n    return 1\n")
    return root


CONFIG_FAULTS = {
    "invalid utf-8": (b'[index]\nexclude = ["\xff"]\n', ["not UTF-8 text", "line 2"]),
    "float for an integer": (b"[index]\nmax_file_bytes = 1e18\n", ["'index.max_file_bytes'", "an integer between 1 and 100,000,000"]),
    "int64 max": (b"[index]\nmax_file_bytes = 9223372036854775807\n",
                  ["'index.max_file_bytes'", "between 1 and 100,000,000", "9,223,372,036,854,775,807"]),
    "beyond int64": (b"[index]\nmax_chunk_chars = 100000000000000000000000\n",
                     ["'index.max_chunk_chars'", "between 100 and 100,000"]),
    "nan": (b"[chat]\ntimeout = nan\n", ["'chat.timeout'", "between 0.1 and 3,600", "nan"]),
    "inf": (b"[completion]\ntimeout = inf\n", ["'completion.timeout'", "between 0.1 and 3,600", "inf"]),
    "zero k": (b"[search]\nk = 0\n", ["'search.k'", "between 1 and 1,000"]),
    "deeply nested arrays": (b"[index]\nexclude = " + b"[" * 5000 + b"]" * 5000 + b"\n", ["nested too deeply"]),
    "NUL in a string": (b'[index]\nindex_dir = "a\\u0000b"\n', ["'index.index_dir'", "NUL"]),
    "huge file": (b"# " + b"x" * 2_000_000 + b"\n", ["larger than 1,000,000 bytes"]),
}


@pytest.mark.parametrize("fault", sorted(CONFIG_FAULTS))
@pytest.mark.parametrize("command", ["index", "search", "config show"])
def test_config_that_crashed_is_a_one_line_error(repo: Path, tmp_path: Path, fault: str, command: str) -> None:
    content, expected = CONFIG_FAULTS[fault]
    config = repo / ".codeassist.toml"
    config.write_bytes(content)
    args = {"index": ["index", str(repo), "--no-embed", "--index-dir", str(tmp_path / "idx")],
            "search": ["search", "f", "--root", str(repo)],
            "config show": ["config", "show", "--root", str(repo)]}[command]
    code, out, err = run(*args)
    assert code == 2  # ConfigError: a usage error
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {config}: "), err
    for part in expected:
        assert part in lines[0]


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("CODEASSIST_INDEX_MAX_FILE_BYTES", "9223372036854775807", "between 1 and 100,000,000"),
    ("CODEASSIST_SEARCH_K", "-3", "between 1 and 1,000"),
    ("CODEASSIST_CHAT_TIMEOUT", "1e400", "between 0.1 and 3,600"),
])
def test_config_out_of_range_environment_value_is_a_one_line_error(repo: Path, variable: str, value: str,
                                                                   expected: str) -> None:
    code, _, err = run("config", "show", "--root", str(repo), env={variable: value})
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert expected in err and f"environment: {variable}:" in err


def test_config_bounds_accept_their_edges(tmp_path: Path) -> None:
    for key, (low, high) in BOUNDS.items():
        section = {"timeout": "chat", "max_retries": "chat", "deadline_ms": "completion", "debounce_ms": "completion",
                   "max_tokens": "completion", "k": "search", "max_hits_per_file": "search"}.get(key)
        section = section or ("context" if key.endswith("_tokens") else "index")
        for value in (low, high):
            settings = load_settings(None, {section: {key: value}}, env={})
            assert getattr(getattr(settings, section), key) == value


MANIFEST_FAULTS = {
    "binary file": (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), ["is not a text file", "byte 0x00"]),
    "invalid utf-8": (b"repo\n\xff\xfe\n", ["is not a text file", "line 2"]),
    "missing folder": (b"repo\n# a comment\nnot-there\n", ["line 3", "not-there is not a folder"]),
    "nothing listed": (b"# only comments\n\n", ["lists no repository"]),
}


@pytest.mark.parametrize("fault", sorted(MANIFEST_FAULTS))
def test_config_manifest_problem_is_a_one_line_error(repo: Path, tmp_path: Path, fault: str) -> None:
    content, expected = MANIFEST_FAULTS[fault]
    manifest = tmp_path / "repos.txt"
    manifest.write_bytes(content)
    code, _, err = run("index", "--manifest", str(manifest), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(manifest) in lines[0], err
    for part in expected:
        assert part in lines[0]




SPECIAL_FILES = {"named pipe": "a named pipe", "folder": "a folder", "link to /dev/zero": "a device or socket"}


@pytest.mark.parametrize("kind", sorted(SPECIAL_FILES))
@pytest.mark.parametrize("where", ["repository", "user"])
def test_config_special_file_in_place_of_the_config_is_a_one_line_error(repo: Path, tmp_path: Path, kind: str,
                                                                         where: str) -> None:
    from codeassist.settings import user_config_path

    path = repo / ".codeassist.toml" if where == "repository" else user_config_path()
    make_special_file(path, kind)
    code, _, err = run("index", str(repo), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"Error: {path}: {SPECIAL_FILES[kind]}, not a TOML file. " \
                                           "Replace it with a file or remove it.", err


@pytest.mark.parametrize("kind", ["named pipe", "link to /dev/zero"])
def test_config_manifest_special_file_is_a_one_line_error(tmp_path: Path, kind: str) -> None:
    manifest = tmp_path / "repos.txt"
    make_special_file(manifest, kind)
    code, _, err = run("index", "--manifest", str(manifest), "--index-dir", str(tmp_path / "idx"), "--no-embed")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"The manifest {manifest} is not a regular file" in lines[0], err
