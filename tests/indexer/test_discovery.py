"""File discovery: which files get indexed and what the skip counts say, on real trees and real git repos."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from codeassist.indexer import discovery, source_read
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery import SkipReason, discover_files, read_source
from codeassist.indexer.errors import RootNotFound

GIT = ["git", "-c", "user.email=test@example.com", "-c", "user.name=Test", "-c", "init.defaultBranch=main"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No global excludes file or hooks from the machine, and no repository above tmp_path.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def write(root: Path, rel: str, content: bytes | str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, use_git: bool) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if use_git:
        git(root, "init", "-q")
    return root


def rels(result: discovery.Discovery) -> list[str]:
    return [f.rel for f in result.files]


MODES = pytest.mark.parametrize("use_git", [True, False], ids=["git", "walk"])


# -- listing ------------------------------------------------------------------------------------------


def test_walk_lists_files_sorted_with_stat_and_language(tmp_path: Path) -> None:
    write(tmp_path, "src/b.js", "let b = 2;\n")
    write(tmp_path, "a.py", "a = 1\n")
    write(tmp_path, "README.md", "# hi\n")

    result = discover_files(tmp_path)

    assert result.mode == "walk"
    assert result.root == tmp_path.resolve()
    assert rels(result) == ["README.md", "a.py", "src/b.js"]
    a = result.files[1]
    assert a.path == tmp_path.resolve() / "a.py" and a.path.is_absolute()
    assert a.size == 6 and a.mtime_ns == (tmp_path / "a.py").stat().st_mtime_ns
    assert [f.language for f in result.files] == ["markdown", "python", "javascript"]
    assert not result.skipped


def test_git_mode_honours_nested_gitignore_info_exclude_and_lists_untracked(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", use_git=True)
    write(root, ".gitignore", "*.log\n")
    write(root, "src/.gitignore", "generated/\n!keep.log\n")
    write(root, "src/app.py")
    write(root, "src/generated/out.py")
    write(root, "src/keep.log", "kept\n")
    write(root, "debug.log", "noise\n")
    write(root, "scratch.py")
    (root / ".git/info").mkdir(exist_ok=True)
    (root / ".git/info/exclude").write_text("scratch.py\n")
    git(root, "add", ".gitignore", "src/.gitignore", "src/app.py")
    git(root, "commit", "-qm", "init")
    write(root, "src/untracked.py")  # not ignored, never added: still indexed

    result = discover_files(root)

    assert result.mode == "git"
    assert rels(result) == [".gitignore", "src/.gitignore", "src/app.py", "src/keep.log", "src/untracked.py"]
    # git never lists ignored files, so there is nothing to count.
    assert "ignored" not in result.skipped


def test_walk_mode_honours_nested_gitignore_and_counts_ignored(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\n")
    write(tmp_path, "src/.gitignore", "generated/\n!keep.log\n")
    write(tmp_path, "src/app.py")
    write(tmp_path, "src/generated/out.py")
    write(tmp_path, "src/generated/more.py")
    write(tmp_path, "src/keep.log", "kept\n")
    write(tmp_path, "debug.log", "noise\n")
    write(tmp_path, "deep/er/x.log", "noise\n")

    result = discover_files(tmp_path)

    assert result.mode == "walk"
    assert rels(result) == [".gitignore", "src/.gitignore", "src/app.py", "src/keep.log"]
    assert result.skipped["ignored"] == 3  # debug.log, deep/er/x.log, and the generated/ dir once
    assert "src/generated/" in result.skipped_examples["ignored"]


def test_walk_mode_reads_info_exclude_of_a_repository_git_cannot_use(tmp_path: Path) -> None:
    # A .git directory git does not accept (no HEAD): the walk still applies info/exclude.
    write(tmp_path, ".git/info/exclude", "scratch.py\n")
    write(tmp_path, "scratch.py")
    write(tmp_path, "main.py")

    result = discover_files(tmp_path)

    assert result.mode == "walk"
    assert rels(result) == ["main.py"]
    assert result.skipped == {"ignored": 1, "vcs": 1}


@MODES
def test_codeassistignore_root_nested_and_negation_of_a_default(tmp_path: Path, use_git: bool) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    write(root, ".codeassistignore", "docs/\n*.snap\n!vendor/\n")
    write(root, "pkg/.codeassistignore", "fixtures/\n")
    write(root, "docs/guide.md", "# guide\n")
    write(root, "ui/App.snap", "snapshot\n")
    write(root, "pkg/mod.py")
    write(root, "pkg/fixtures/data.py")
    write(root, "fixtures/top.py")  # the nested rule applies under pkg/ only
    write(root, "vendor/lib/dep.go", "package lib\n")  # re-included from the default skip

    result = discover_files(root)

    assert rels(result) == [
        ".codeassistignore",
        "fixtures/top.py",
        "pkg/.codeassistignore",
        "pkg/mod.py",
        "vendor/lib/dep.go",
    ]
    assert result.skipped == {"excluded": 3}
    assert sorted(result.skipped_examples["excluded"]) == ["docs/", "pkg/fixtures/", "ui/App.snap"]


@MODES
def test_config_exclude_globs(tmp_path: Path, use_git: bool) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    write(root, "src/app.py")
    write(root, "src/app_test.py")
    write(root, "migrations/0001.py")

    result = discover_files(root, IndexConfig(exclude=["*_test.py", "migrations/"]))

    assert rels(result) == ["src/app.py"]
    assert result.skipped == {"excluded": 2}


# -- default skips ------------------------------------------------------------------------------------

DEFAULT_SKIP_TREE = {
    "vcs": [".hg/store/data", ".svn/entries"],
    "dependency_dir": ["node_modules/lib/index.js", "web/bower_components/x.js", "vendor/pkg/a.go"],
    "virtualenv": [".venv/lib/x.py", "env2/pyvenv.cfg", "env2/lib/y.py", "__pycache__/m.py", ".tox/t.py"],
    "build_output": [
        "build/out.js", "dist/d.js", "target/t.rs", "pkg.egg-info/PKG-INFO", ".mypy_cache/c.json",
        ".pytest_cache/v", "coverage/index.html",
    ],
    "lock_file": ["package-lock.json", "yarn.lock", "Cargo.lock", "go.sum", "poetry.lock", "web/pnpm-lock.yaml"],
    "minified": ["static/app.min.js", "static/app.min.css"],
    "binary": ["logo.png", "dist2/archive.zip"],
    "secret": [
        ".env", ".env.local", "certs/server.pem", "id_rsa", "id_ed25519.pub", "credentials.json", ".npmrc",
        "config/secrets.yml", "deploy/tls.key",
    ],
}  # fmt: skip
# Directories count once, however many files they hold (env2/ holds two).
DEFAULT_SKIP_COUNTS = {
    "vcs": 2, "dependency_dir": 3, "virtualenv": 4, "build_output": 7, "lock_file": 6, "minified": 2,
    "binary": 2, "secret": 9,
}  # fmt: skip


@MODES
def test_each_default_skip_reason_is_counted_once(tmp_path: Path, use_git: bool) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    for paths in DEFAULT_SKIP_TREE.values():
        for rel in paths:
            write(root, rel)
    write(root, "main.py")
    write(root, "pkg/mod.py")

    result = discover_files(root)

    assert rels(result) == ["main.py", "pkg/mod.py"]
    assert dict(result.skipped) == DEFAULT_SKIP_COUNTS
    assert "node_modules/" in result.skipped_examples["dependency_dir"]
    assert "env2/" in result.skipped_examples["virtualenv"]
    assert len(result.skipped_examples["secret"]) == 5  # examples are capped, counts are not


def test_big_sparse_file_is_too_large_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(tmp_path / "huge.py", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    write(tmp_path, "small.py")
    opened: list[str] = []
    real_os_open, real_open = os.open, open

    def spy_os_open(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_os_open(path, *args, **kwargs)

    def spy_open(path, *args, **kwargs):
        if isinstance(path, (str, bytes, os.PathLike)):
            opened.append(os.fsdecode(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.setattr("builtins.open", spy_open)
    result = discover_files(tmp_path)
    monkeypatch.undo()

    assert not [p for p in opened if p.endswith("huge.py")]  # its size alone decides
    assert rels(result) == ["small.py"]
    assert result.skipped == {"too_large": 1}
    assert result.skipped_examples["too_large"] == ["huge.py"]


def test_limit_follows_config(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "x" * 100)
    assert discover_files(tmp_path, IndexConfig(max_file_bytes=99)).skipped == {"too_large": 1}
    assert rels(discover_files(tmp_path, IndexConfig(max_file_bytes=100))) == ["a.py"]


def test_fifo_is_unreadable_and_never_opened(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no fifos on this platform")
    os.mkfifo(tmp_path / "pipe.py")
    write(tmp_path, "a.py")

    result = discover_files(tmp_path)

    assert rels(result) == ["a.py"]
    assert result.skipped == {"unreadable": 1}


# -- secrets ------------------------------------------------------------------------------------------


@MODES
def test_secrets_are_never_listed_even_when_tracked_or_reached_by_symlink(
    tmp_path: Path, use_git: bool
) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    write(root, ".env", "API_KEY=sk-live-123\n")
    write(root, "deploy/.env.production", "DB_PASSWORD=hunter2\n")
    write(root, "keys/id_ecdsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n")
    # A catch-all negation cannot bring a secret back (a specific `!.env` can: test_fault_batch_discovery).
    write(root, ".codeassistignore", "!.env*\n!*/\n!*\n")
    (root / "settings.txt").symlink_to(".env")
    write(root, ".ssh/config", "Host prod\n  IdentityFile ~/.ssh/prod\n")
    (root / "ssh_config").symlink_to(".ssh/config")
    write(root, "app.py")
    if use_git:
        git(root, "add", "-A")
        git(root, "commit", "-qm", "oops, committed secrets")

    result = discover_files(root)

    assert rels(result) == [".codeassistignore", "app.py"]
    assert result.skipped == {"secret": 6}  # .env, .env.production, id_ecdsa, .ssh/, and both links


# -- symlinks -----------------------------------------------------------------------------------------


@MODES
def test_symlinks_outside_inside_and_duplicates(tmp_path: Path, use_git: bool) -> None:
    outside = write(tmp_path, "elsewhere/notes.py")
    root = make_repo(tmp_path / "repo", use_git)
    write(root, "main.py")
    write(root, "lib/real.py")
    (root / "notes.py").symlink_to(outside)
    (root / "shared").symlink_to(outside.parent, target_is_directory=True)
    (root / "alias.py").symlink_to("main.py")  # same file as main.py: indexed once
    (root / "lib_link").symlink_to("lib", target_is_directory=True)  # not followed: lib/ is indexed
    write(root, "ignored_dir/target.md", "# only reachable through the link\n")
    write(root, ".codeassistignore", "ignored_dir/\n")
    (root / "doc.md").symlink_to("ignored_dir/target.md")

    result = discover_files(root)

    assert rels(result) == [".codeassistignore", "doc.md", "lib/real.py", "main.py"]
    assert result.skipped == {"symlink_outside": 2, "excluded": 1}
    assert sorted(result.skipped_examples["symlink_outside"]) == ["notes.py", "shared"]


@MODES
def test_symlink_loops_do_not_hang(tmp_path: Path, use_git: bool) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    write(root, "a.py")
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "sub").mkdir()
    (root / "sub/up").symlink_to("..", target_is_directory=True)
    (root / "dangling.py").symlink_to("gone.py")

    result = discover_files(root)

    assert rels(result) == ["a.py"]
    assert result.skipped == {"unreadable": 2, "missing": 1}


# -- permissions --------------------------------------------------------------------------------------


def act_as_other_user(monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads anything whatever the mode bits; judge them as an ordinary user would.
    if IS_ROOT:
        monkeypatch.setattr(os, "geteuid", lambda: 4242)
        monkeypatch.setattr(os, "getegid", lambda: 4242)
        monkeypatch.setattr(os, "getgroups", lambda: [4242])


@MODES
def test_file_without_read_permission_is_unreadable(
    tmp_path: Path, use_git: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo", use_git)
    write(root, "ok.py")
    locked = write(root, "locked.py")
    locked.chmod(0)
    act_as_other_user(monkeypatch)
    try:
        result = discover_files(root)
    finally:
        locked.chmod(0o644)

    assert rels(result) == ["ok.py"]
    assert result.skipped == {"unreadable": 1}
    assert result.skipped_examples["unreadable"] == ["locked.py"]


def test_directory_without_permission_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "ok.py")
    write(tmp_path, "private/a.py")
    private = tmp_path / "private"
    if IS_ROOT:  # chmod cannot stop root: make scandir fail the way it fails for a user
        real_scandir = os.scandir

        def scandir(path: str) -> object:
            if os.path.basename(path) == "private":
                raise PermissionError(13, "Permission denied", path)
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    private.chmod(0)
    try:
        result = discover_files(tmp_path)
    finally:
        private.chmod(0o755)

    assert rels(result) == ["ok.py"]
    assert result.skipped == {"unreadable": 1}
    assert result.skipped_examples["unreadable"] == ["private/"]


def test_read_source_reports_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.py")
    [file] = discover_files(tmp_path).files
    if IS_ROOT:

        def deny(*args: object) -> int:
            raise PermissionError(13, "Permission denied", str(args[0]))

        monkeypatch.setattr(source_read, "_open_fd", deny)
    path.chmod(0)
    try:
        assert read_source(file, IndexConfig()) == "unreadable"
    finally:
        path.chmod(0o644)


# -- read time ----------------------------------------------------------------------------------------


def read_one(root: Path, rel: str, config: IndexConfig | None = None) -> bytes | SkipReason:
    result = discover_files(root, config)
    [file] = [f for f in result.files if f.rel == rel]
    return read_source(file, config)


def test_binary_file_with_py_extension_is_listed_then_skipped_at_read(tmp_path: Path) -> None:
    write(tmp_path, "blob.py", b"import os\n\x00\x01\x02" + bytes(range(256)) * 10)
    write(tmp_path, "noise.py", bytes(b for b in os.urandom(20_000) if b))  # no NUL, still binary
    result = discover_files(tmp_path)
    assert rels(result) == ["blob.py", "noise.py"]  # content is judged at read time

    for file in result.files:
        outcome = read_source(file, IndexConfig())
        assert outcome == "binary"
        result.record_skip(file.rel, outcome)

    assert result.skipped == {"binary": 2}
    assert result.skipped_examples == {"binary": ["blob.py", "noise.py"]}


def test_invalid_utf8_inside_text_is_still_text(tmp_path: Path) -> None:
    source = b"# caf\xe9 au lait (latin-1)\n" + b"def f():\n    return 1\n" * 200 + b"# \xff\xfe bad bytes\n"
    write(tmp_path, "legacy.py", source)
    assert read_one(tmp_path, "legacy.py") == source


def test_utf8_split_at_the_sample_edge_is_text(tmp_path: Path) -> None:
    source = ("é" * 9000 + "\n").encode()  # the 8 KB sample ends inside a two-byte character
    write(tmp_path, "accents.txt", source)
    assert read_one(tmp_path, "accents.txt", IndexConfig(max_line_length=100_000)) == source


def test_long_line_marks_minified_and_the_limit_follows_config(tmp_path: Path) -> None:
    bundle = "var a=1;" * 200 + "\n"  # one 1,600-character line
    write(tmp_path, "bundle.js", bundle)
    assert read_one(tmp_path, "bundle.js") == "minified"
    assert read_one(tmp_path, "bundle.js", IndexConfig(max_line_length=2_000)) == bundle.encode()


def test_file_deleted_between_discovery_and_read_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "gone.py")
    result = discover_files(tmp_path)
    path.unlink()

    outcome = read_source(result.files[0], IndexConfig())
    result.record_skip(result.files[0].rel, outcome)

    assert outcome == SkipReason.MISSING == "missing"
    assert result.skipped == {"missing": 1}


def test_file_that_grew_past_the_limit_is_too_large_at_read(tmp_path: Path) -> None:
    path = write(tmp_path, "grows.py", "x = 1\n")
    [file] = discover_files(tmp_path).files
    path.write_text("x = 1\n" * 1000)
    assert read_source(file, IndexConfig(max_file_bytes=1000)) == "too_large"


def test_empty_file_reads_as_empty_bytes(tmp_path: Path) -> None:
    write(tmp_path, "__init__.py", b"")
    assert read_one(tmp_path, "__init__.py") == b""


# -- git specifics ------------------------------------------------------------------------------------


def test_tracked_file_deleted_from_disk_is_missing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", use_git=True)
    write(root, "kept.py")
    write(root, "deleted.py")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    (root / "deleted.py").unlink()

    result = discover_files(root)

    assert rels(result) == ["kept.py"]
    assert result.skipped == {"missing": 1}


def test_files_under_a_skipped_directory_count_once_in_git_mode(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", use_git=True)
    for i in range(5):
        write(root, f"node_modules/pkg{i}/index.js")
    write(root, "index.js")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "vendored deps")

    result = discover_files(root)

    assert rels(result) == ["index.js"]
    assert result.skipped == {"dependency_dir": 1}
    assert result.skipped_examples == {"dependency_dir": ["node_modules/"]}


def test_root_that_is_a_subdirectory_of_a_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=True)
    write(repo, ".gitignore", "*.log\n")
    write(repo, "top.py")
    write(repo, "services/api/handler.py")
    write(repo, "services/api/debug.log")
    write(repo, "services/api/.codeassistignore", "legacy/\n")
    write(repo, "services/api/legacy/old.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    write(repo, "services/api/new.py")  # untracked

    result = discover_files(repo / "services" / "api")

    assert result.mode == "git"
    assert rels(result) == [".codeassistignore", "handler.py", "new.py"]
    assert result.files[1].path == (repo / "services/api/handler.py").resolve()
    assert result.skipped == {"excluded": 1}


def test_root_inside_a_directory_the_enclosing_repository_ignores(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=True)
    write(repo, ".gitignore", "third_party/\n")
    write(repo, "third_party/lib/core.py")

    result = discover_files(repo / "third_party" / "lib")

    assert rels(result) == ["core.py"]


def test_submodule_like_nested_repository_is_not_descended(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", use_git=True)
    write(root, "main.py")
    nested = make_repo(root / "nested", use_git=True)
    write(nested, "inner.py")

    assert rels(discover_files(root)) == ["main.py"]


# -- roots --------------------------------------------------------------------------------------------


def test_missing_root_raises_root_not_found(tmp_path: Path) -> None:
    with pytest.raises(RootNotFound, match="no such directory"):
        discover_files(tmp_path / "nope")


def test_root_that_is_a_file_raises_root_not_found(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py")
    with pytest.raises(RootNotFound, match="Pass the path of a repository"):
        discover_files(path)


@MODES
def test_empty_repository_gives_an_empty_discovery(tmp_path: Path, use_git: bool) -> None:
    root = make_repo(tmp_path / "repo", use_git)

    result = discover_files(root)

    assert result.files == [] and not result.skipped
    assert result.mode == ("git" if use_git else "walk")


def test_twenty_thousand_files_are_all_discovered_in_order(tmp_path: Path) -> None:
    # Creating 20k files on a busy disk takes far longer than discovering them: use RAM when there is some.
    ram = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else str(tmp_path)
    with tempfile.TemporaryDirectory(dir=ram) as tree:
        for d in range(200):
            os.mkdir(f"{tree}/pkg{d}")
            for f in range(100):
                os.close(os.open(f"{tree}/pkg{d}/m{f}.py", os.O_CREAT | os.O_WRONLY, 0o644))

        result = discover_files(tree)

    assert len(result.files) == 20_000
    assert result.files[0].rel == "pkg0/m0.py" and result.files[0].language == "python"
    assert len({f.rel for f in result.files}) == 20_000
    assert [f.rel for f in result.files] == sorted(f.rel for f in result.files)
