"""What file discovery leaves out, and why: skip reasons, default skip tables, ignore-file stacks, sniffing.

Pure decisions on names, rule files and byte samples; `discovery.py` does the walking and the I/O.
Content sniffing (binary, minified) is in `content_sniff.py`. The reason strings are part of the JSON output of ``codeassist index --json``: never rename them.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from enum import StrEnum

from codeassist.indexer.gitignore import Rule, compile_rules


class SkipReason(StrEnum):
    """Why a file or directory is not indexed. A `str`, so it serialises as its value."""

    VCS = "vcs"  # .git, .hg, .svn, .bzr
    DEPENDENCY_DIR = "dependency_dir"  # node_modules, vendor, ...
    VIRTUALENV = "virtualenv"  # .venv, any dir holding pyvenv.cfg, __pycache__, ...
    BUILD_OUTPUT = "build_output"  # build, dist, target, caches, *.egg-info
    LOCK_FILE = "lock_file"  # package-lock.json, Cargo.lock, go.sum, ...
    MINIFIED = "minified"  # *.min.js, or the shape of a minified/generated file (content_sniff.py)
    BINARY = "binary"  # known binary extension, or NUL / mostly-invalid UTF-8 in the sample
    TOO_LARGE = "too_large"  # bigger than max_file_bytes
    SECRET = "secret"  # .env, keys, credentials (SECRET_PATTERNS); a specific `!pattern` re-includes
    IGNORED = "ignored"  # .gitignore rules (walk mode only; git never lists ignored files)
    SYMLINK_OUTSIDE = "symlink_outside"  # symlink whose target is outside the root
    UNREADABLE = "unreadable"  # no permission, symlink loop, fifo/socket/device
    MISSING = "missing"  # vanished between listing and reading, tracked-but-deleted, dangling symlink
    EXCLUDED = "excluded"  # .codeassistignore or config.exclude
    BAD_NAME = "bad_name"  # a path that is not valid UTF-8: it could not be stored or shown


VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})

# `vendor` is skipped too: Go/PHP/Ruby vendored copies are real code, but someone else's, and they
# drown the project's own code in search results. Re-include with `!vendor/` in .codeassistignore.
DEPENDENCY_DIRS = frozenset({"node_modules", "bower_components", "jspm_packages", "vendor", "Pods"})
VIRTUALENV_DIRS = frozenset(
    {".venv", "venv", ".tox", ".nox", "__pycache__", "site-packages", "__pypackages__", ".direnv"}
)
VIRTUALENV_MARKER = "pyvenv.cfg"
BUILD_DIRS = frozenset(
    {
        "build", "dist", "target", "out", ".next", ".nuxt", ".svelte-kit", "coverage", "htmlcov",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".gradle", ".parcel-cache",
        ".turbo", ".eggs", ".ipynb_checkpoints",
    }
)  # fmt: skip
BUILD_DIR_SUFFIXES = (".egg-info",)

LOCK_FILES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
        "poetry.lock", "pipfile.lock", "pdm.lock", "uv.lock", "cargo.lock", "gemfile.lock",
        "composer.lock", "go.sum", "go.work.sum", "mix.lock", "flake.lock", "package.resolved",
        "pubspec.lock", "podfile.lock", "packages.lock.json", "gradle.lockfile", "deno.lock",
        "conda-lock.yml",
    }
)  # fmt: skip
LOCK_SUFFIXES = (".lock",)

MINIFIED_SUFFIXES = (
    ".min.js", ".min.mjs", ".min.cjs", ".min.css", ".js.map", ".mjs.map", ".cjs.map", ".css.map",
)  # fmt: skip

# Extensions that are never text: skipping them by name saves reading them at all.
BINARY_EXTENSIONS = frozenset(
    """
    png jpg jpeg gif bmp ico icns webp tif tiff psd ai heic avif
    pdf doc docx xls xlsx ppt pptx odt ods odp epub
    zip gz tgz bz2 xz lz lzma zst 7z rar tar jar war ear whl egg apk ipa deb rpm dmg iso msi
    exe dll so dylib a o obj lib class pyc pyo pyd wasm elc beam
    woff woff2 ttf otf eot
    mp3 mp4 m4a wav ogg oga flac aac avi mov mkv webm wmv flv
    sqlite sqlite3 db parquet feather arrow npy npz pkl pickle pt pth ckpt onnx safetensors h5 hdf5 tflite
    """.split()
)
BINARY_FILES = frozenset({".ds_store", "thumbs.db"})

# Credential files, in gitignore syntax, matched lower-cased against the path relative to the root.
# The maintained list (README "What is never indexed"): a `!pattern` in .codeassistignore that names
# one of them specifically (see `specific_rule`) re-includes it. `.env.*` includes `.env.example`: a
# template is one typo away from a real key. Public halves (`id_rsa.pub`, `*.crt`) are in as well:
# they sit next to the private ones and say nothing worth searching.
SECRET_PATTERNS = """
.env
.env.*
.envrc
*.env
id_rsa*
id_dsa*
id_ecdsa*
id_ed25519*
*.pem
*.key
*.p12
*.pfx
*.p8
*.ppk
*.gpg
*.crt
*.cer
*.der
*.jks
*.keystore
*.truststore
*.kdbx
*.ovpn
credentials
*-credentials.json
*_credentials.json
client_secret*.json
service-account*.json
service_account*.json
*-service-account.json
*_service_account.json
gcp-key*.json
gcp_key*.json
*-sa-key.json
application_default_credentials.json
*.tfstate
*.tfstate.*
*.tfvars
*.tfvars.json
.terraformrc
terraform.rc
kubeconfig
*.kubeconfig
**/.kube/config
.vault-token
.npmrc
.yarnrc.yml
.pypirc
.netrc
_netrc
.git-credentials
.pgpass
.my.cnf
.s3cfg
.boto
.dockercfg
**/.docker/config.json
htpasswd
.htpasswd
wp-config.php
local_settings.py
settings_local.py
*.mobileprovision
"""
# Names that are code in one project and credentials in another count only with a config extension
# (`credentials.py` and `secrets.py` are source files; `credentials.json` and `secrets.yaml` are not).
_CONFIG_EXTENSIONS = ("json", "yml", "yaml", "toml", "ini", "properties", "env", "conf", "cfg", "xml", "txt")
SECRET_PATTERNS += "".join(
    f"{stem}.{ext}\n" for stem in ("credentials", "secrets", "secret", "*-secrets", "*_secrets", "*.secrets")
    for ext in _CONFIG_EXTENSIONS
)
SECRET_DIRS = frozenset({".ssh", ".gnupg", ".aws", ".azure", ".gcloud"})

def _one_regex(rules: list[Rule]) -> re.Pattern[str]:
    # One alternation instead of ~80 patterns: this runs for every file of a 100k-file tree.
    return re.compile("|".join(f"(?:{rule.regex.pattern})" for rule in rules) or "(?!)", re.DOTALL)


_SECRET_RULES = compile_rules(SECRET_PATTERNS.split())[0]
_SECRET_NAME = _one_regex([rule for rule in _SECRET_RULES if not rule.anchored])
_SECRET_PATH = _one_regex([rule for rule in _SECRET_RULES if rule.anchored])


def is_secret_path(rel: str) -> bool:
    """Whether the file at `rel` (POSIX, relative to the root; a bare name works too) holds credentials
    by its name or path shape (SECRET_PATTERNS, compared lower-cased)."""
    low = rel.lower()
    return bool(_SECRET_NAME.fullmatch(low.rpartition("/")[2]) or _SECRET_PATH.fullmatch(low))


def is_secret_name(name: str) -> bool:
    """`is_secret_path` for a caller that has only a name or a relative path (kept for such callers;
    a path gives the shapes such as `.kube/config` too)."""
    return is_secret_path(name)


def specific_rule(rule: Rule | None) -> bool:
    """Whether a `!pattern` names its files specifically enough to re-include a secret: it has a
    directory part, or no wildcard at all (`!config/service-account.json`, `!fixtures/*.pem`,
    `!.env.example`; not `!*`, `!*.json` or `!*/`, which were written for other files)."""
    if rule is None or not rule.negate:
        return False
    text = rule.line.strip().lstrip("!").rstrip("/")
    return "/" in text or not any(ch in text for ch in "*?[")


def default_dir_skip(name: str) -> SkipReason | None:
    """The default skip reason for a directory called `name` (pyvenv.cfg is checked by the caller)."""
    if name in DEPENDENCY_DIRS:
        return SkipReason.DEPENDENCY_DIR
    if name in VIRTUALENV_DIRS:
        return SkipReason.VIRTUALENV
    if name in BUILD_DIRS or name.endswith(BUILD_DIR_SUFFIXES):
        return SkipReason.BUILD_OUTPUT
    return None


def default_file_skip(name: str) -> SkipReason | None:
    """The default skip reason a file's name alone gives (lock file, minified, known binary)."""
    low = name.lower()
    if low in LOCK_FILES or low.endswith(LOCK_SUFFIXES):
        return SkipReason.LOCK_FILE
    if low.endswith(MINIFIED_SUFFIXES):
        return SkipReason.MINIFIED
    ext = low.rpartition(".")[2] if "." in low else ""
    if ext in BINARY_EXTENSIONS or low in BINARY_FILES:
        return SkipReason.BINARY
    return None


@dataclass(frozen=True, slots=True)
class IgnoreStack:
    """The gitignore-syntax rule files that apply inside one directory, nearest last.

    As in git, the nearest file with a matching pattern decides, and inside a file the last matching
    pattern decides (so `!keep.log` after `*.log` re-includes). Rules see paths relative to their own
    directory. A directory that is left out is never entered, so nothing under it can be re-included.
    Lines git can never match with are kept as dead rules and listed in `problems`.
    """

    parent: IgnoreStack | None
    base: str  # directory the rules live in, relative to the root, "" for the root
    rules: tuple[Rule, ...]
    problems: tuple[str, ...] = ()

    @staticmethod
    def push(stack: IgnoreStack | None, base: str, lines: list[str], source: str = "") -> IgnoreStack | None:
        """`stack` with the rules of one more file on top (`stack` itself when the file has none).
        `source` names the file in the problems (\"src/.codeassistignore\")."""
        rules, problems = compile_rules(lines, source)
        return IgnoreStack(stack, base, tuple(rules), tuple(problems)) if rules else stack

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: left out, False: explicitly re-included (`!pattern`), None: no rule matches."""
        rule = self.decide(rel, is_dir)
        return None if rule is None else not rule.negate

    def decide(self, rel: str, is_dir: bool) -> Rule | None:
        """The rule that decides about `rel` (POSIX, relative to the root), None when none matches."""
        node: IgnoreStack | None = self
        while node is not None:
            sub = rel[len(node.base) + 1 :] if node.base else rel
            for rule in reversed(node.rules):
                if rule.matches(sub, is_dir):
                    return rule
            node = node.parent
        return None


# git ignores a rule file larger than this (PATTERN_MAX_FILE_SIZE, "ignoring overly large gitignore file").
MAX_RULE_FILE_BYTES = 100 * 1024 * 1024
_FILE_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
               stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder"}


def read_rule_lines(path: str, problems: list[str] | None = None, source: str = "") -> list[str]:
    """Lines of a gitignore-syntax file; an unreadable one counts as empty (it is not worth failing for).

    Only a regular file is read, opened without blocking: a named pipe would wait for a writer forever
    and a device (a link to /dev/zero) never ends. Such a file, and one larger than git's own limit,
    counts as empty; with `problems`, a line naming `source` says why."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return []
    try:
        st = os.fstat(fd)
        why = None
        if not stat.S_ISREG(st.st_mode):
            why = f"{_FILE_KINDS.get(stat.S_IFMT(st.st_mode), 'not a regular file')}, not a file of rules"
        elif st.st_size > MAX_RULE_FILE_BYTES:
            why = f"{st.st_size:,} bytes, over git's limit of {MAX_RULE_FILE_BYTES:,} for a rule file"
        if why is not None:
            if problems is not None:
                problems.append(f"{source or path}: {why}; ignored")
            return []
        with os.fdopen(fd, "rb", closefd=False) as fh:
            # "\n" only, as git splits (splitlines would also cut at form feeds); compile_rules drops a CR.
            return fh.read(MAX_RULE_FILE_BYTES).decode("utf-8", errors="replace").split("\n")
    except OSError:
        return []
    finally:
        os.close(fd)
