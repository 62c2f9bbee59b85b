"""One discovery run (`Scan`): the rules of `discovery` applied to the entries git lists or the walk
finds, symlinks resolved, the result collected in a `Discovery`. The decisions are documented in
`discovery`'s module docstring; `discover_files` there is the entry point."""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery_rules import (
    SECRET_DIRS,
    VCS_DIRS,
    VIRTUALENV_MARKER,
    IgnoreStack,
    SkipReason,
    default_dir_skip,
    default_file_skip,
    is_secret_path,
    read_rule_lines,
    specific_rule,
)

CODEASSIST_IGNORE = ".codeassistignore"
# The files an index folder holds (index.db and its -wal/-shm, lock, vectors.faiss and its *.tmp).
INDEX_FILE_PREFIXES = ("index.db", "lock", "vectors.faiss")
MAX_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class SourceFile:
    abs_path: str  # absolute; a plain string because building 100k Path objects costs a re-index dearly
    rel: str  # POSIX path relative to the root
    size: int
    mtime_ns: int
    language: str | None

    @property
    def path(self) -> Path:
        return Path(self.abs_path)


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile] = field(default_factory=list)  # sorted by rel
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> up to 5 paths
    mode: str = "walk"  # "git" when git listed the files, else "walk"
    # Ignore-file lines git can never match with ("src/.codeassistignore:3: trailing backslash, ...").
    rule_problems: list[str] = field(default_factory=list)

    def record_skip(self, rel: str, reason: str) -> None:
        """Count one left-out path. The pipeline calls this for what `read_source` skips."""
        reason = str(reason)  # plain str keys: SkipReason members would show up in reprs and JSON keys
        self.skipped[reason] += 1
        examples = self.skipped_examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES:
            examples.append(rel)


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def _utf8(rel: str) -> bool:
    """Whether a path decoded with the file system's surrogate escapes is valid UTF-8 (storable)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _language_lookup() -> Callable[[str], str | None]:
    """`language_for_path`, memoised by file name (it looks at the name only; this saves ~40% of a run)."""
    from codeassist.indexer.languages import language_for_path  # lazy: it imports tree-sitter

    by_name: dict[str, str | None] = {}

    def lookup(rel: str) -> str | None:
        name = rel.rpartition("/")[2]
        if name not in by_name:
            by_name[name] = language_for_path(name)
        return by_name[name]

    return lookup


class Scan:
    """One discovery run: applies the rules to listed or walked entries and collects the result."""

    def __init__(self, root: Path, cfg: IndexConfig) -> None:
        self.root = root
        self.root_str = str(root)
        self.root_prefix = os.path.join(self.root_str, "")
        self.cfg = cfg
        self.discovery = Discovery(root=root)
        self.config_rules = self.push_rules(None, "", list(cfg.exclude), "[index] exclude")
        self.candidates: list[tuple[str, str, os.stat_result]] = []
        self.links: list[tuple[str, str]] = []
        self.euid = os.geteuid() if hasattr(os, "geteuid") else None
        self.groups = set(os.getgroups()) | {os.getegid()} if self.euid not in (None, 0) else set()

    # -- the rules --------------------------------------------------------------------------------

    def classify(
        self, rel: str, name: str, is_dir: bool, abs_path: str,
        user: IgnoreStack | None, gitignore: IgnoreStack | None,
    ) -> SkipReason | None:  # fmt: skip
        """The reason to leave out an entry, judged by its path alone (no stat but pyvenv.cfg's)."""
        if name in VCS_DIRS:
            return SkipReason.VCS
        if self.cfg.index_dirs and self.is_index_part(abs_path, name, is_dir):
            return SkipReason.EXCLUDED
        if not rel.isascii() and not _utf8(rel):
            return SkipReason.BAD_NAME
        rule = self.config_rules.decide(rel, is_dir) if self.config_rules else None
        if rule is None and user is not None:
            rule = user.decide(rel, is_dir)
        if (is_dir and name in SECRET_DIRS) or (not is_dir and is_secret_path(rel)):
            if not specific_rule(rule):
                return SkipReason.SECRET
        verdict = None if rule is None else not rule.negate
        if verdict:
            return SkipReason.EXCLUDED
        if verdict is None:  # not re-included by a `!pattern`: the defaults apply
            if is_dir:
                reason = default_dir_skip(name)
                if reason is None and os.path.isfile(os.path.join(abs_path, VIRTUALENV_MARKER)):
                    reason = SkipReason.VIRTUALENV
            else:
                reason = default_file_skip(name)
            if reason is not None:
                return reason
        if gitignore is not None and gitignore.verdict(rel, is_dir):
            return SkipReason.IGNORED
        return None

    def is_index_part(self, abs_path: str, name: str, is_dir: bool) -> bool:
        """An index folder inside the root, or a file of the index when the root itself is one."""
        if is_dir:
            return abs_path in self.cfg.index_dirs
        return os.path.dirname(abs_path) in self.cfg.index_dirs and name.startswith(INDEX_FILE_PREFIXES)

    def push_rules(
        self, stack: IgnoreStack | None, base: str, lines: list[str], source: str
    ) -> IgnoreStack | None:
        """`stack` with one more rule file on top; its dead lines go to `rule_problems`."""
        pushed = IgnoreStack.push(stack, base, lines, source)
        if pushed is not None and pushed is not stack:
            self.discovery.rule_problems.extend(pushed.problems)
        return pushed

    def skip(self, rel: str, reason: SkipReason, is_dir: bool = False) -> None:
        if reason is SkipReason.BAD_NAME:  # printable: the undecodable bytes as \xNN escapes
            rel = os.fsencode(rel).decode("utf-8", errors="backslashreplace")
        self.discovery.record_skip(rel + "/" if is_dir else rel, reason)

    def admit(self, rel: str, abs_path: str, st: os.stat_result) -> None:
        """Take an entry that passed the path rules, given its lstat."""
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            self.links.append((rel, abs_path))  # resolved in finish(), once all regular files are known
        elif stat.S_ISREG(mode):
            reason = self.regular_file_skip(st)
            if reason is None:
                self.candidates.append((rel, abs_path, st))
            else:
                self.skip(rel, reason)
        elif not stat.S_ISDIR(mode):  # fifo, socket, device: reading could hang or make no sense
            self.skip(rel, SkipReason.UNREADABLE)
        # A directory here is a submodule or nested repository listed by git: not descended.

    def regular_file_skip(self, st: os.stat_result) -> SkipReason | None:
        if not self.readable(st):
            return SkipReason.UNREADABLE
        if st.st_size > self.cfg.max_file_bytes:
            return SkipReason.TOO_LARGE
        return None

    def readable(self, st: os.stat_result) -> bool:
        # Permission bits from the stat we already have, instead of a second syscall per file.
        # Root reads anything; ACLs are not consulted (read_source still catches what this misses).
        if self.euid is None or self.euid == 0:
            return True
        if st.st_uid == self.euid:
            return bool(st.st_mode & stat.S_IRUSR)
        if st.st_gid in self.groups:
            return bool(st.st_mode & stat.S_IRGRP)
        return bool(st.st_mode & stat.S_IROTH)

    def lstat_and_admit(self, rel: str, abs_path: str) -> None:
        try:
            st = os.lstat(abs_path)
        except (FileNotFoundError, NotADirectoryError):
            self.skip(rel, SkipReason.MISSING)
        except OSError:
            self.skip(rel, SkipReason.UNREADABLE)
        else:
            self.admit(rel, abs_path, st)

    # -- git mode ---------------------------------------------------------------------------------

    def filter_git_list(self, paths: list[str], unopened: list[str]) -> None:
        """Admit what git listed; `unopened`: directories git could not read (counted as unreadable)."""
        rule_files = {p for p in paths if p.rpartition("/")[2] == CODEASSIST_IGNORE}
        root_rules = self.root_codeassist_rules()
        # rel dir -> (left out?, the .codeassistignore stack inside it)
        dirs: dict[str, tuple[bool, IgnoreStack | None]] = {"": (False, root_rules)}

        def dir_state(rel_dir: str) -> tuple[bool, IgnoreStack | None]:
            state = dirs.get(rel_dir)
            if state is None:
                parent, _, name = rel_dir.rpartition("/")
                parent_out, user = dir_state(parent)
                if parent_out:
                    state = (True, None)
                else:
                    abs_dir = os.path.join(self.root_str, rel_dir)
                    reason = self.classify(rel_dir, name, True, abs_dir, user, None)
                    if reason is not None:
                        self.skip(rel_dir, reason, is_dir=True)
                        state = (True, None)
                    else:
                        rules = f"{rel_dir}/{CODEASSIST_IGNORE}"
                        if rules in rule_files:
                            lines = read_rule_lines(self.abs(rules), self.discovery.rule_problems, rules)
                            user = self.push_rules(user, rel_dir, lines, rules)
                        state = (False, user)
                dirs[rel_dir] = state
            return state

        for rel_dir in unopened:
            parent = rel_dir.rstrip("/").rpartition("/")[0]
            if not dir_state(parent)[0] and not dir_state(rel_dir.rstrip("/"))[0]:
                self.skip(rel_dir.rstrip("/"), SkipReason.UNREADABLE, is_dir=True)
        for rel in paths:
            if rel.endswith("/"):  # an untracked nested repository: git does not descend it, neither do we
                continue
            rel_dir, _, name = rel.rpartition("/")
            out, user = dir_state(rel_dir)
            if out:
                continue
            abs_path = self.abs(rel)
            reason = self.classify(rel, name, False, abs_path, user, None)
            if reason is not None:
                self.skip(rel, reason)
            else:
                self.lstat_and_admit(rel, abs_path)

    def abs(self, rel: str) -> str:
        return os.path.join(self.root_str, rel)

    def root_codeassist_rules(self) -> IgnoreStack | None:
        # Read from disk, not from git's list: the file applies even when it is gitignored.
        return self.push_rules(None, "", read_rule_lines(self.abs(CODEASSIST_IGNORE), self.discovery.rule_problems, CODEASSIST_IGNORE),
                               CODEASSIST_IGNORE)

    # -- walk mode --------------------------------------------------------------------------------

    def walk(self) -> None:
        gitignore = self.push_rules(None, "", read_rule_lines(self.abs(".git/info/exclude"), self.discovery.rule_problems,
                                                           ".git/info/exclude"), ".git/info/exclude")
        pending: list[tuple[str, str, IgnoreStack | None, IgnoreStack | None]] = [
            ("", self.root_str, None, gitignore)
        ]
        while pending:
            rel_dir, abs_dir, user, gitignore = pending.pop()
            try:
                with os.scandir(abs_dir) as it:
                    entries = list(it)
            except (FileNotFoundError, NotADirectoryError):
                self.skip(rel_dir or ".", SkipReason.MISSING, is_dir=bool(rel_dir))
                continue
            except OSError:
                self.skip(rel_dir or ".", SkipReason.UNREADABLE, is_dir=bool(rel_dir))
                continue
            names = {entry.name for entry in entries}
            if ".gitignore" in names:
                lines = read_rule_lines(os.path.join(abs_dir, ".gitignore"), self.discovery.rule_problems,
                                        _join(rel_dir, ".gitignore"))
                gitignore = self.push_rules(gitignore, rel_dir, lines, _join(rel_dir, ".gitignore"))
            if CODEASSIST_IGNORE in names:
                lines = read_rule_lines(os.path.join(abs_dir, CODEASSIST_IGNORE), self.discovery.rule_problems,
                                        _join(rel_dir, CODEASSIST_IGNORE))
                user = self.push_rules(user, rel_dir, lines, _join(rel_dir, CODEASSIST_IGNORE))
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)  # symlinked dirs are never entered
                except OSError:
                    is_dir = False
                reason = self.classify(rel, entry.name, is_dir, entry.path, user, gitignore)
                if reason is not None:
                    self.skip(rel, reason, is_dir)
                elif is_dir:
                    pending.append((rel, entry.path, user, gitignore))
                else:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except (FileNotFoundError, NotADirectoryError):
                        self.skip(rel, SkipReason.MISSING)
                    except OSError:
                        self.skip(rel, SkipReason.UNREADABLE)
                    else:
                        self.admit(rel, entry.path, st)

    # -- result -----------------------------------------------------------------------------------

    def finish(self) -> Discovery:
        if self.links:
            self.resolve_links()
        language_for_path = _language_lookup()
        self.candidates.sort(key=lambda c: c[0])
        self.discovery.files = [
            SourceFile(abs_path, rel, st.st_size, st.st_mtime_ns, language_for_path(rel))
            for rel, abs_path, st in self.candidates
        ]
        return self.discovery

    def resolve_links(self) -> None:
        indexed = {(st.st_dev, st.st_ino) for _, _, st in self.candidates}
        for rel, abs_path in sorted(self.links):
            target = os.path.realpath(abs_path)
            if target != self.root_str and not target.startswith(self.root_prefix):
                self.skip(rel, SkipReason.SYMLINK_OUTSIDE)
                continue
            try:
                st = os.stat(abs_path)
            except FileNotFoundError:
                self.skip(rel, SkipReason.MISSING)  # dangling
                continue
            except OSError:
                self.skip(rel, SkipReason.UNREADABLE)  # loop (ELOOP) or no permission
                continue
            if stat.S_ISDIR(st.st_mode):
                continue  # not followed: the directory's files are indexed under their real path
            if not stat.S_ISREG(st.st_mode):
                self.skip(rel, SkipReason.UNREADABLE)
            elif (reason := self.link_target_skip(target)) is not None:
                self.skip(rel, reason)
            elif (st.st_dev, st.st_ino) not in indexed:  # else: the same file is indexed already
                reason = self.regular_file_skip(st)
                if reason is None:
                    indexed.add((st.st_dev, st.st_ino))
                    self.candidates.append((rel, abs_path, st))
                else:
                    self.skip(rel, reason)

    def link_target_skip(self, target: str) -> SkipReason | None:
        """A link must not smuggle in what the target's own path would never let through."""
        rel = target[len(self.root_prefix) :].replace(os.sep, "/")
        dirs = rel.split("/")[:-1]
        if any(part in VCS_DIRS for part in dirs):
            return SkipReason.VCS
        if is_secret_path(rel) or any(part in SECRET_DIRS for part in dirs):
            return SkipReason.SECRET
        return None
