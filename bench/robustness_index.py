"""Robustness trial, indexing/CLI side (issue 16, "Targets"): the malformed inputs of
`bench/robustness_cases.py` through the REAL CLI, one subprocess per command, as a user would see them.

    python bench/robustness_index.py [--only PREFIX]    # prints this trial's rows as JSON

Every case runs in its own folder with its own HOME / XDG dirs (the embedded default embedder, offline;
the chat endpoint points at a closed port). Rows (each {"count", "of", "target": 0, "details"}):

- ``tracebacks``: cases where any command printed "Traceback" (what a user must never see);
- ``timeouts``: cases where a command did not end within `TIMEOUT` seconds;
- ``errors_not_one_clear_line``: failing commands whose message is not exactly one line (click's
  "Usage:/Try" lines aside);
- ``runs_indexing_nothing_because_of_one_input``: cases planting one bad file or pattern next to
  `GOOD` files after which a good file is missing from the index;
- ``silently_dropped_files``: files git lists (``git ls-files --cached --others --exclude-standard``;
  in walk-mode cases listed before .git is removed) that are neither in the index nor reported as
  skipped (the run's ``skipped_examples``, the ``skipped_files`` table), nor covered by a documented
  default rule (`discovery_rules`: VCS/dependency/build dirs, lock/binary/minified names, secrets), nor
  a symlink to an indexed file. "of" = files listed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# bench/faiss.py and bench/secrets.py shadow the real modules when bench/ leads sys.path (as it does for
# `python bench/x.py`): keep bench/ last.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

from robustness_cases import GOOD, INDEX, Case, all_cases  # noqa: E402

from codeassist.indexer.discovery_rules import default_dir_skip, default_file_skip, is_secret_path  # noqa: E402

TIMEOUT = 240
NOBODY = 65534
WORKERS = 2


def case_env(work: Path) -> dict[str, str]:
    """A clean user environment under `work`: no settings of the caller, nothing reachable online."""
    home = work / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEASSIST_", "OPENAI_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OPENAI_BASE_URL="http://127.0.0.1:9/v1",
               OPENAI_API_KEY="offline", GIT_CONFIG_NOSYSTEM="1", PYTHONIOENCODING="utf-8")
    return env


def run_cli(argv: list[str], env: dict[str, str], cwd: Path, as_nobody: bool = False) -> dict[str, Any]:
    """One `python -m codeassist ...` run: exit code, stdout/stderr (text, errors replaced), timeout."""
    command = [sys.executable, "-m", "codeassist", *argv]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
        rc, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        rc, out, err = None, expired.stdout or b"", expired.stderr or b""
    return {"rc": rc, "out": out.decode("utf-8", "replace"), "err": err.decode("utf-8", "replace"),
            "seconds": round(time.monotonic() - started, 2)}


def one_clear_line(result: dict[str, Any]) -> bool:
    """A failing command says what is wrong in one line (click's usage preamble aside)."""
    if result["rc"] == 0:
        return True
    lines = [line for line in result["err"].splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("Usage:", "Try '"))]
    return len(lines) == 1 and "Traceback" not in result["err"]


def fill(argv: tuple[str, ...], work: Path, index_dir: str = "idx") -> list[str]:
    names = {"{repo}": str(work / "repo"), "{idx}": str(work / index_dir), "{work}": str(work)}
    out = []
    for arg in argv:
        for key, value in names.items():
            arg = arg.replace(key, value)
        out.append(arg)
    return out


def git_listing(repo: Path) -> list[str] | None:
    """What git lists (tracked + untracked-not-ignored), decoded as the file system decodes names."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    try:  # git blocks for ever on a .gitignore that is a named pipe: no reference listing then
        done = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others",
                               "--exclude-standard"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    return [os.fsdecode(raw) for raw in done.stdout.split(b"\0") if raw]


def indexed_paths(idx: Path) -> tuple[set[str], set[str]] | None:
    """(indexed paths, paths in the skipped_files table), read-only; None when there is no readable index."""
    try:
        db = sqlite3.connect(f"file:{idx / 'index.db'}?mode=ro", uri=True)
        try:
            files = {row[0] for row in db.execute("SELECT path FROM files")}
            try:
                skipped = {row[0] for row in db.execute("SELECT path FROM skipped_files")}
            except sqlite3.Error:
                skipped = set()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return files, skipped


def chown_tree(path: Path, keep: Path | None = None) -> None:
    for dirpath, dirnames, filenames in os.walk(path):
        if keep is not None and Path(dirpath) == keep:
            dirnames[:] = []
            continue
        os.lchown(dirpath, NOBODY, NOBODY)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            os.lchown(os.path.join(dirpath, name), NOBODY, NOBODY)


def dropped_files(listed: list[str], repo: Path, idx: Path, summary: dict[str, Any]) -> list[str]:
    """Listed files neither indexed, nor reported as skipped, nor covered by a documented default rule."""
    state = indexed_paths(idx)
    if state is None:
        return list(listed)
    indexed, remembered = state
    reported = {p for paths in summary.get("skipped_examples", {}).values() for p in paths} | remembered
    real_indexed = {os.path.realpath(repo / p) for p in indexed}
    dropped = []
    for rel in listed:
        if rel in indexed or rel in reported:
            continue
        printable = os.fsencode(rel).decode("utf-8", "backslashreplace")
        parts = rel.split("/")
        ancestors = {"/".join(names[:i]) + "/" for names in (parts, printable.split("/")) for i in range(1, len(names))}
        if printable in reported or ancestors & reported:
            continue
        if default_file_skip(parts[-1]) or is_secret_path(rel) or any(default_dir_skip(p) for p in parts[:-1]):
            continue
        if os.path.islink(repo / rel) and (os.path.realpath(repo / rel) in real_indexed
                                           or os.path.isdir(repo / rel)):
            continue  # documented: links to folders are not followed, a link to an indexed file is dropped
        dropped.append(rel)
    return dropped


def run_case(case: Case, work: Path) -> dict[str, Any]:
    """Plant, run and judge one case; returns its record (see the module docstring for the rows)."""
    repo, idx = work / "repo", work / case.index_dir
    for sub in ("repo", "home/.config", "home/.cache"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in GOOD.items():
        (repo / rel).write_text(text)
    env = case_env(work)
    if case.during is not None:
        case.plant(repo)  # the files the mutation works on
    listed = git_listing(repo) if case.during is None and not case.prebuilt else None
    if case.prebuilt:
        setup = run_cli(fill(INDEX, work, case.index_dir), env, work)
        if setup["rc"] != 0:
            return {"name": case.name, "setup_failed": setup["err"][-500:], "commands": [], "traceback": False}
    if case.plant is not None and case.during is None:
        case.plant(repo)
        if listed is not None:
            listed = git_listing(repo)
    if case.damage is not None:
        case.damage(idx)
    if case.walk:
        shutil.rmtree(repo / ".git")
    if case.as_nobody:
        chown_tree(work, keep=idx if case.prebuilt else None)
    results = []
    for n, argv in enumerate(case.commands):
        stop = work / "stop"
        mutator = None
        if n == 0 and case.during is not None:
            mutator = threading.Thread(target=case.during, args=(repo,), daemon=True)
            mutator.start()
        result = run_cli(fill(argv, work, case.index_dir), env, work, case.as_nobody)
        if mutator is not None:
            stop.touch()
            mutator.join()
        result["command"] = argv[0]
        results.append(result)
    record: dict[str, Any] = {
        "name": case.name,
        "traceback": any("Traceback" in r["out"] + r["err"] for r in results),
        "timeout": any(r["rc"] is None for r in results),
        "unclear": [r["command"] for r in results if not one_clear_line(r)],
        "commands": [{k: (v[-400:] if isinstance(v, str) else v) for k, v in r.items() if k != "out"}
                     for r in results],
    }
    if case.good_must_index:
        state = indexed_paths(idx)
        record["good_missing"] = sorted(set(GOOD) - (state[0] if state else set()))
    if listed is not None and case.commands[0] == INDEX and results[0]["rc"] == 0:
        try:
            summary = json.loads(results[0]["out"])
        except ValueError:
            summary = {}
        record["listed"] = len(listed)
        record["dropped"] = dropped_files(listed, repo, idx, summary)
    return record


def row(count: int, of: int, details: list[Any]) -> dict[str, Any]:
    return {"count": count, "of": of, "target": 0, "details": details}


def trial(workdir: Path, only: str = "", workers: int = WORKERS, progress: bool = False) -> dict[str, Any]:
    """Run every case (or those whose name starts with `only`) under `workdir`; returns {"rows", "cases"}."""
    cases = [case for case in all_cases() if case.name.startswith(only)]
    workdir.mkdir(parents=True, exist_ok=True)

    def one(numbered: tuple[int, Case]) -> dict[str, Any]:
        n, case = numbered
        work = workdir / f"case{n:03d}"
        try:
            record = run_case(case, work)
        except Exception as err:  # a fault of the trial itself: report it, do not hide it
            record = {"name": case.name, "trial_error": f"{type(err).__name__}: {err}", "commands": [],
                      "traceback": False}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if progress:
            flags = [k for k in ("traceback", "timeout", "unclear", "good_missing", "dropped", "trial_error",
                                 "setup_failed") if record.get(k)]
            print(f"{case.name}: {' '.join(flags) or 'ok'}", file=sys.stderr, flush=True)
        return record

    with ThreadPoolExecutor(workers) as pool:
        records = list(pool.map(one, enumerate(cases)))
    judged_good = [r for r in records if "good_missing" in r]
    judged_drop = [r for r in records if "dropped" in r]
    failing_commands = sum(1 for r in records for c in r["commands"] if c["rc"] != 0)
    rows = {
        "tracebacks": row(sum(r["traceback"] for r in records), len(records),
                          [r["name"] for r in records if r["traceback"]]),
        "timeouts": row(sum(r.get("timeout", False) for r in records), len(records),
                        [r["name"] for r in records if r.get("timeout")]),
        "errors_not_one_clear_line": row(sum(len(r.get("unclear", [])) for r in records), failing_commands,
                                         [f"{r['name']} ({', '.join(r['unclear'])})" for r in records if r.get("unclear")]),
        "runs_indexing_nothing_because_of_one_input": row(
            sum(bool(r["good_missing"]) for r in judged_good), len(judged_good),
            [f"{r['name']}: {r['good_missing']}" for r in judged_good if r["good_missing"]]),
        "silently_dropped_files": row(sum(len(r["dropped"]) for r in judged_drop),
                                      sum(r["listed"] for r in judged_drop),
                                      [f"{r['name']}: {p!r}" for r in judged_drop for p in r["dropped"]]),
        "trial_errors": row(sum("trial_error" in r or "setup_failed" in r for r in records), len(records),
                            [f"{r['name']}: {r.get('trial_error') or r.get('setup_failed')}" for r in records
                             if "trial_error" in r or "setup_failed" in r]),
    }
    return {"rows": rows, "cases": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run only cases whose name starts with this")
    parser.add_argument("--cases", action="store_true", help="also print every case's record")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="robustness-index-") as tmp:
        os.chmod(tmp, 0o755)  # the unprivileged user must reach its case folders
        result = trial(Path(tmp), args.only, progress=True)
    if not args.cases:
        result.pop("cases")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
