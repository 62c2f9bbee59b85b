"""Fault batch (issues 14 and 16): discovery keeps exactly what git keeps, bad names and bad rule lines
never stop a run, credential files are never indexed.

The reference for every ignore rule is git itself, run on the same files with the same rules.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.cli import cli
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery import discover_files

GIT = ["git", "-c", "user.email=test@example.com", "-c", "user.name=Test", "-c", "init.defaultBranch=main"]


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def write(root: Path, rel: str, content: bytes | str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def git_keeps(root: Path) -> set[str]:
    """What git would add with the .gitignore files under `root` (root is a git work tree)."""
    out = subprocess.run([*GIT, "ls-files", "-o", "--exclude-standard", "-z"], cwd=root, check=True,
                         capture_output=True).stdout
    return {os.fsdecode(p) for p in out.split(b"\0") if p}


RULE_FILES = (".gitignore", ".codeassistignore")


def kept(root: Path, config: IndexConfig | None = None) -> set[str]:
    return {f.rel for f in discover_files(root, config).files if f.rel.rpartition("/")[2] not in RULE_FILES}


# Where the rules live, and how discovery meets them: .codeassistignore in a plain folder, in a git work
# tree (on top of git's list), and .gitignore outside any work tree (the walk applies it itself).
RULE_MODES = ["codeassistignore", "codeassistignore-in-git", "gitignore-walk"]


def place_rules(tmp_path: Path, mode: str, files: list[str], rules: dict[str, str]) -> Path:
    """A tree holding `files` and rule files {dir: text} for `mode`; returns its root."""
    root = tmp_path / mode
    root.mkdir()
    if mode == "codeassistignore-in-git":
        subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    name = ".gitignore" if mode == "gitignore-walk" else ".codeassistignore"
    for rel in files:
        write(root, rel)
    for rel_dir, text in rules.items():
        write(root, f"{rel_dir}/{name}" if rel_dir else name, text)
    return root


def git_reference(tmp_path: Path, files: list[str], rules: dict[str, str]) -> set[str]:
    ref = tmp_path / "git-reference"
    ref.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=ref, check=True)
    for rel in files:
        write(ref, rel)
    for rel_dir, text in rules.items():
        write(ref, f"{rel_dir}/.gitignore" if rel_dir else ".gitignore", text)
    return {p for p in git_keeps(ref) if p.rpartition("/")[2] != ".gitignore"}


# -- 14.1 negation re-including directories ---------------------------------------------------------

ISSUE_FILES = ["main.c", "inc/util.h", "tools/x.py", "notes.txt"]


@pytest.mark.parametrize("mode", RULE_MODES)
def test_ignore_negation_reincluding_directories_keeps_what_git_keeps(tmp_path: Path, mode: str) -> None:
    rules = {"": "*\n!*/\n!*.h\n!*.c\n"}
    root = place_rules(tmp_path, mode, ISSUE_FILES, rules)

    assert kept(root) == {"inc/util.h", "main.c"} == git_reference(tmp_path, ISSUE_FILES, rules)


TREE = [
    "main.c", "x.h", "notes.txt", "a/x.c", "a/y.h", "a/notes.txt", "a/b/x.c", "a/b/deep.h", "a/b/c/z.py",
    "b/z.py", "b/a/x.c", "b/b", "doc/readme.md", "doc/a/x.h", "src/lib/util.c", "src/lib/!bang.c",
    "src/#hash.py", "z", "[z]", "src/main.py", "src/a b.txt",
]  # fmt: skip
ATOMS = [
    "*", "!*/", "*/", "!*.h", "*.c", "!*.c", "*.h", "a/", "/a", "!a", "a", "a/**", "!a/**", "**/b", "!**/b",
    "a/**/x.c", "!a/b/", "a/b", "/a/b/", "x.?", "[xy].*", "[!x]*", "[^a-m]*", "b", "!b/z.py", "\\!bang.c",
    "\\#hash.py", "deep*", "[z-a]", "[z-a]*", "\\", "!", "a/*.c", "**/*.h", "!**/x.*", "*.txt", "!notes.txt",
    "src/**", "!src/lib/", "lib", "!lib/*.c", "doc/*", "!doc/a/", "*.[ch]", "[[:alpha:]].h", "??.c",
    "/*.c", "!/main.c", "c/", "**", "!**/", "a b.txt", "*.py", "!z*", "[]z]", "a/b/c", "#x", "  ", "*.md  ",
    "[", "[:foo:]", "!*.txt",
]  # fmt: skip
NESTED_DIRS = ["", "", "a", "a/b", "src", "doc", "b"]


def generated_rule_sets(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        rules: dict[str, list[str]] = {}
        for _ in range(rng.randint(1, 6)):
            rules.setdefault(rng.choice(NESTED_DIRS), []).append(rng.choice(ATOMS))
        sets.append({d: "\n".join(lines) + "\n" for d, lines in rules.items()})
    return sets


@pytest.mark.parametrize("mode", RULE_MODES)
def test_ignore_rules_keep_what_git_keeps_on_generated_rule_sets(tmp_path: Path, mode: str) -> None:
    """Property test with a fixed seed: 120 rule sets (nested rule files, negations, `**`, sets, escapes,
    dead lines) over one tree; every one must keep exactly the files `git ls-files -o` keeps."""
    ref = tmp_path / "ref"
    ref.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=ref, check=True)
    root = place_rules(tmp_path, mode, TREE, {})
    for rel in TREE:
        write(ref, rel)
    name = ".gitignore" if mode == "gitignore-walk" else ".codeassistignore"
    mismatches = []
    for rules in generated_rule_sets(120, seed=1414):
        for base in (ref, root):
            for rule_file in [*base.rglob(".gitignore"), *base.rglob(".codeassistignore")]:
                rule_file.unlink()
        for rel_dir, text in rules.items():
            write(ref, f"{rel_dir}/.gitignore" if rel_dir else ".gitignore", text)
            write(root, f"{rel_dir}/{name}" if rel_dir else name, text)
        expected = {p for p in git_keeps(ref) if p.rpartition("/")[2] != ".gitignore"}
        got = kept(root)
        if got != expected:
            mismatches.append((rules, sorted(expected - got), sorted(got - expected)))
    assert mismatches == []


# -- 16.1 one bad input never aborts the run --------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "git_also_drops"),
    [("\\", []), ("!", []), ("[z-a]", ["z"]), ("[z-a]*", ["z", "zz.py"]), ("a\\", []), ("[abc", []),
     ("[[:klingon:]]", [])],
    ids=["lone-backslash", "lone-bang", "reversed-range", "reversed-range-glob", "trailing-backslash",
         "unterminated-set", "unknown-class"],
)
@pytest.mark.parametrize("mode", RULE_MODES)
def test_bad_ignore_line_is_read_like_git_and_the_run_goes_on(
    tmp_path: Path, mode: str, line: str, git_also_drops: list[str]
) -> None:
    files = ["a", "z", "zz.py", "main.py", "a\\", "[abc"]
    rules = {"": f"{line}\n*.log\n"}
    root = place_rules(tmp_path, mode, [*files, "debug.log"], rules)

    result = discover_files(root)

    expected = git_reference(tmp_path, [*files, "debug.log"], rules)
    assert kept(root) == expected == set(files) - set(git_also_drops)
    rule_file = ".gitignore" if mode == "gitignore-walk" else ".codeassistignore"
    if git_also_drops:  # a reversed range is odd but valid: git matches its first character
        assert result.rule_problems == []
    else:
        assert len(result.rule_problems) == 1
        assert result.rule_problems[0].startswith(f"{rule_file}:1: ")
        assert result.rule_problems[0].endswith(line)


@pytest.mark.parametrize("pattern", ["\\", "!", "[z-a", "foo\\"])
def test_bad_config_exclude_pattern_is_reported_not_raised(tmp_path: Path, pattern: str) -> None:
    write(tmp_path, "main.py")
    write(tmp_path, "debug.log")

    result = discover_files(tmp_path, IndexConfig(exclude=[pattern, "*.log"]))

    assert [f.rel for f in result.files] == ["main.py"]
    assert result.rule_problems == [f"[index] exclude:1: {result.rule_problems[0].split(': ', 1)[1]}"]
    assert pattern in result.rule_problems[0]


@pytest.mark.parametrize("use_git", [True, False], ids=["git", "walk"])
@pytest.mark.parametrize("raw_name", [b"bad\xff.py", b"caf\xe9.py", b"dir\xfe"], ids=["ff", "latin1", "dir"])
def test_file_named_with_invalid_utf8_is_skipped_with_its_reason(
    tmp_path: Path, use_git: bool, raw_name: bytes
) -> None:
    from codeassist.indexer.pipeline import index_repository

    root = tmp_path / "repo"
    root.mkdir()
    if use_git:
        subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    bad = os.path.join(os.fsencode(root), raw_name)
    if raw_name.startswith(b"dir"):
        os.mkdir(bad)
        bad = os.path.join(bad, b"inner.py")
    with open(bad, "wb") as fh:
        fh.write(b"def hidden():\n    return 1\n")
    write(root, "good.py", "def visible_function():\n    return 2\n")

    result = discover_files(root)
    assert [f.rel for f in result.files] == ["good.py"]
    assert dict(result.skipped) == {"bad_name": 1}

    printable = raw_name.decode("utf-8", errors="backslashreplace") + ("/" if raw_name.startswith(b"dir") else "")
    assert result.skipped_examples == {"bad_name": [printable]}

    report = index_repository(root, tmp_path / "index", embed=False)
    assert report.files_indexed == 1
    assert report.skipped == {"bad_name": 1}
    assert report.skipped_examples["bad_name"] == [printable]
    json.dumps(report.to_json())  # `index --json` can print it
    cli_run = CliRunner().invoke(cli, ["index", str(root), "--index-dir", str(tmp_path / "index2"), "--no-embed"])
    assert cli_run.exit_code == 0
    assert f"file name is not UTF-8, skipped: {printable}" in cli_run.stderr


# -- 16.11 credential files -------------------------------------------------------------------------

CREDENTIAL_FILES = [
    "service-account.json", "deploy/gcp-key.json", "infra/terraform.tfstate", "infra/terraform.tfstate.backup",
    "infra/terraform.tfvars", "kubeconfig", "ops/.kube/config", ".vault-token",
    "src/main/resources/application-secrets.properties", "settings/local_settings.py", ".npmrc", ".pypirc",
    ".netrc", ".git-credentials", "release.keystore", "android/app/upload.jks", "credentials.json",
    "config/secrets.yaml", "k8s/secrets.yml", "ci/.docker/config.json", "htpasswd", "web/.htpasswd",
    "wp-config.php", "client_secret_1234.apps.googleusercontent.com.json", ".aws/credentials",
    "certs/server.pem", ".env.production", "keys/id_ed25519", ".pgpass", ".s3cfg", "prod.kubeconfig",
]  # fmt: skip
NOT_CREDENTIALS = ["Lib/secrets.py", "google/auth/credentials.py", "tests/test_secrets.py", "config.json",
                   "settings/base.py", "docker/config.py"]


@pytest.mark.parametrize("use_git", [True, False], ids=["git", "walk"])
@pytest.mark.parametrize("rel", CREDENTIAL_FILES)
def test_credential_file_is_never_indexed(tmp_path: Path, use_git: bool, rel: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    if use_git:
        subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    write(root, rel, '{"private_key": "-----BEGIN PRIVATE KEY-----"}\n')
    write(root, "app.py")

    result = discover_files(root)

    assert [f.rel for f in result.files] == ["app.py"]
    assert dict(result.skipped) == {"secret": 1}


def test_source_files_named_like_credentials_are_indexed(tmp_path: Path) -> None:
    for rel in NOT_CREDENTIALS:
        write(tmp_path, rel)
    assert sorted(f.rel for f in discover_files(tmp_path).files) == sorted(NOT_CREDENTIALS)


def test_specific_negation_reincludes_a_credential_file_and_a_catch_all_does_not(tmp_path: Path) -> None:
    write(tmp_path, "fixtures/service-account.json", '{"type": "service_account"}\n')
    write(tmp_path, "fixtures/test.pem", "not a real key\n")
    write(tmp_path, "credentials.json", "{}\n")
    write(tmp_path, ".env.example", "API_KEY=\n")
    write(tmp_path, ".codeassistignore", "!*\n!*.json\n!fixtures/service-account.json\n!.env.example\n")

    result = discover_files(tmp_path)

    assert [f.rel for f in result.files] == [".codeassistignore", ".env.example", "fixtures/service-account.json"]
    assert result.skipped == {"secret": 2}


# Names full of the characters wildmatch treats specially, and patterns made of them.
ODD_NAMES = ["ab", "ba", "a-b", "[a]", "x*", "q?", "\\z", "a]b", "c:d", "^a", "!a", "-", "aa", "a.b", "A"]
ODD_ALPHABET = [*"ab*?[]!^-\\/:ax/", "[:alpha:]", "[:digit:]", "**"]


def test_random_wildmatch_patterns_keep_what_git_keeps(tmp_path: Path) -> None:
    """Fuzz with a fixed seed: 250 rule files of random lines over `*?[]!^-\\/:` and `**` (sets, ranges,
    classes, escapes, negations, git's quirks such as `a**/b` matching `ab`), on names made of the same
    characters; every one keeps exactly what git keeps."""
    rng = random.Random(1616)
    files = [n for n in ODD_NAMES if n != "ab"] + [f"{d}/{n}" for d in ("a", "b", "ab") for n in ODD_NAMES[:8]]
    files += ["ab/x/a", "a/x/[a]", "b/x/q?"]
    ref = tmp_path / "ref"
    ref.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=ref, check=True)
    root = place_rules(tmp_path, "codeassistignore", files, {})
    for rel in files:
        write(ref, rel)
    mismatches = []
    for _ in range(250):
        lines = [("!" if rng.random() < 0.3 else "") + "".join(rng.choice(ODD_ALPHABET) for _ in range(rng.randint(1, 7)))
                 for _ in range(rng.randint(1, 4))]
        text = "\n".join(lines) + "\n"
        write(ref, ".gitignore", text)
        write(root, ".codeassistignore", text)
        expected = {p for p in git_keeps(ref) if p != ".gitignore"}
        got = kept(root)
        if got != expected:
            mismatches.append((lines, sorted(expected - got), sorted(got - expected)))
    assert mismatches == []


@pytest.mark.parametrize("mode", RULE_MODES)
def test_double_star_after_a_literal_prefix_matches_like_git(tmp_path: Path, mode: str) -> None:
    files = ["ab/keep.py", "ax/y/b", "a/b", "c.py"]
    rules = {"": "a**/b\n"}
    root = place_rules(tmp_path, mode, files, rules)

    assert kept(root) == {"c.py"} == git_reference(tmp_path, files, rules)
