"""Robustness trial, kill -9 side (issue 16, "Targets"): `codeassist index` killed with SIGKILL at
`points` moments over its stages, each followed by a complete re-run.

    CODEASSIST_BENCH_CACHE=/work/corpora python bench/robustness_kill.py [--points 30] [--corpus SPEC]

The corpus (default pypi:flask==3.0.3, 223 files: enough for the chunking process pool) is indexed by
the real CLI in a subprocess with a REMOTE embeddings endpoint: the fake OpenAI server
(tests/fake_openai.py, deterministic vectors over real HTTP). The local model would make each of the
30 runs a minute long; what is tried here is the index's state after a kill, which the embedder does
not change. A reference run gives the counts; a second (warm) run gives the moments (`schedule`):
most kills fall evenly between the database appearing and the end, 9 of 30 wait for a trigger (the
chunk pool's workers up, some embedding requests answered, a FAISS temporary file appearing). Every
kill starts from an empty index; the stage each one hit is reported (`kills_by_stage`). Per kill:

- ``orphans``: descendants of the killed process (pool workers, resource tracker, forkserver) still
  alive 2 s after the kill (they are then killed, so one bad point does not slow the next);
- ``stale_temp_files``: ``*.tmp`` files in the index dir after the next run;
- consistency after that run: exit 0, ``PRAGMA integrity_check`` = ok, files / chunks == the reference,
  FAISS vectors == chunks;
- ``recomputed``: embeddings the re-run computed beyond what the killed run had not committed (the
  embedding cache rows before the re-run tell what was committed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
# bench/faiss.py and bench/secrets.py shadow the real modules when bench/ leads sys.path (as it does for
# `python bench/x.py`): keep bench/ last.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

from registry_corpora import fetch  # noqa: E402
from robustness_index import case_env  # noqa: E402

DEFAULT_CORPUS = "pypi:flask==3.0.3"
ORPHAN_WAIT = 2.0


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (cheap enough to read every poll)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(n) for n in handle.read().split()]
    except OSError:
        pass
    return found


def _group(pgid: int) -> list[psutil.Process]:
    """Every process of the process group `pgid` (the run was started in its own session)."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid:
                members.append(process)
        except (OSError, psutil.Error):
            pass
    return members


def load_module(name: str, path: Path) -> Any:
    """A module by file path (tests/ is not a package on sys.path for bench scripts)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _db_count(idx: Path, sql: str) -> int | None:
    try:
        db = sqlite3.connect(f"file:{idx / 'index.db'}?mode=ro", uri=True)
        try:
            return int(db.execute(sql).fetchone()[0])
        finally:
            db.close()
    except (sqlite3.Error, TypeError):
        return None


def _integrity(idx: Path) -> str:
    try:
        db = sqlite3.connect(f"file:{idx / 'index.db'}?mode=ro", uri=True)
        try:
            return str(db.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error as err:
        return f"{type(err).__name__}: {err}"


def _faiss_count(idx: Path) -> int | None:
    from codeassist.indexer.vectors import VectorIndex

    try:
        # "count": the vectors the index holds (a cache-backed flat file stores none itself: "stored" 0)
        return int(VectorIndex.read_header(idx / "vectors.faiss").get("count", -1))
    except Exception:
        return None


class Runner:
    """Runs `codeassist index` on the corpus into fresh index dirs under `work`."""

    def __init__(self, work: Path, corpus: Path, base_url: str) -> None:
        self.work, self.corpus = work, corpus
        self.env = case_env(work)
        config = work / "home" / ".config" / "codeassist" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[embeddings]\nprovider = "openai"\nbase_url = "{base_url}"\nmodel = "fake-embed"\n'
                          'api_key = "offline"\n')

    def argv(self, idx: Path) -> list[str]:
        return [sys.executable, "-m", "codeassist", "index", str(self.corpus), "--index-dir", str(idx), "--json"]

    def complete(self, idx: Path) -> tuple[int, dict[str, Any], str]:
        done = subprocess.run(self.argv(idx), env=self.env, capture_output=True, text=True, timeout=600)
        try:
            summary = json.loads(done.stdout)
        except ValueError:
            summary = {}
        return done.returncode, summary, done.stderr[-600:]

    def watch(self, idx: Path, server: Any, at: float | None = None, trigger: str | None = None) -> dict[str, Any]:
        """Start a run and note when its stages show (index.db, pool workers, embedding requests, a
        FAISS temporary file). Kill it with SIGKILL at `at` seconds or when `trigger` holds
        ("faiss_tmp", "pool+SECONDS", "embed+REQUESTS"); without either, let it finish."""
        proc = subprocess.Popen(self.argv(idx), env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        started = time.monotonic()
        seen: dict[str, float] = {}
        family: dict[int, psutil.Process] = {}
        while proc.poll() is None:
            now = time.monotonic() - started
            for pid in _children(proc.pid):  # psutil's children() scans every process: too slow to poll
                if pid not in family:
                    try:
                        family[pid] = psutil.Process(pid)
                    except psutil.Error:
                        pass
            if family:
                seen.setdefault("pool", now)
            names = [p.name for p in idx.iterdir()] if idx.exists() else []
            if "index.db" in names:
                seen.setdefault("db", now)
            if any(name.endswith(".tmp") for name in names):
                seen.setdefault("faiss_tmp", now)
            requests = len(server.requests_of("embeddings"))
            if requests:
                seen.setdefault("embed", now)
            if trigger == "faiss_tmp" and "faiss_tmp" in seen:
                break
            if trigger and trigger.startswith("pool+") and now - seen.get("pool", now + 1) >= float(trigger[5:]):
                break
            if trigger and trigger.startswith("embed+") and requests >= int(trigger[6:]):
                break
            if (at is not None and now >= at) or now > 300:
                break
            time.sleep(0.002 if trigger == "faiss_tmp" else 0.01)
        if proc.poll() is not None:
            return {"finished_before_kill": True, "at": round(time.monotonic() - started, 2), "seen": seen,
                    "embed_requests": len(server.requests_of("embeddings"))}
        stage = self.stage(idx, family, server)
        for process in _group(proc.pid):  # grandchildren too (the pool's workers of a forkserver)
            family.setdefault(process.pid, process)
        family.pop(proc.pid, None)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _, alive = psutil.wait_procs([p for p in family.values() if p.is_running()], timeout=ORPHAN_WAIT)
        orphans = []
        for process in alive:
            try:
                orphans.append(" ".join(process.cmdline())[:120])
                process.kill()
            except psutil.Error:
                pass
        return {"at": round(time.monotonic() - started, 2), "stage": stage, "orphans": orphans}

    @staticmethod
    def stage(idx: Path, family: dict[int, psutil.Process], server: Any) -> str:
        names = [p.name for p in idx.iterdir()] if idx.exists() else []
        if any(name.endswith(".tmp") for name in names):
            return "faiss_save"
        if server.requests_of("embeddings"):
            return "embedding_or_commit"
        if any(p.is_running() for p in family.values()):
            return "chunk_pool"
        if "index.db" not in names:
            return "startup_discovery"
        return "chunk_or_symbols"


def schedule(points: int, timing: dict[str, Any]) -> list[tuple[float | None, str | None]]:
    """`points` kill moments from a timing run: triggers at a FAISS temporary file, after the pool
    started and after some embedding requests (9 of 30), the rest evenly spread from just before the
    database appeared to just before the end (startup, before that, is the same at every point)."""
    requests = max(1, timing["embed_requests"])
    triggers: list[str] = ["faiss_tmp", "pool+0.6", f"embed+{max(1, requests // 2)}"]
    if points >= 20:
        triggers += ["faiss_tmp", "faiss_tmp", "pool+0.2", "pool+1.2", "embed+1", f"embed+{max(1, 3 * requests // 4)}"]
    triggers = triggers[: max(0, points - 2)]
    spread = points - len(triggers)
    first = 0.8 * timing["seen"].get("db", 0.0)
    last = 0.95 * timing["at"]
    moments = [(first + (last - first) * i / max(1, spread - 1), None) for i in range(spread)]
    return moments + [(None, trigger) for trigger in triggers]


def trial(workdir: Path, points: int = 30, corpus_spec: str = DEFAULT_CORPUS) -> dict[str, Any]:
    """Kill `points` runs and check each (see the module docstring); returns {"rows", "kills", ...}."""
    fake_openai = load_module("fake_openai", HERE.parent / "tests" / "fake_openai.py")
    corpus = fetch(corpus_spec)
    workdir.mkdir(parents=True, exist_ok=True)
    kills = []
    with fake_openai.FakeOpenAI(dimension=64) as server:
        # a killed client resets its connection: expected here, not worth the server's traceback on stderr
        server._httpd.handle_error = lambda *_: None
        runner = Runner(workdir, corpus, server.base_url)
        started = time.monotonic()
        rc, reference, err = runner.complete(workdir / "reference")
        reference_seconds = time.monotonic() - started
        if rc != 0:
            raise RuntimeError(f"the reference run failed: {err}")
        ref_files = _db_count(workdir / "reference", "SELECT count(*) FROM files")
        server.requests.clear()
        timing = runner.watch(workdir / "timing", server)  # a second, warm run: when each stage shows
        shutil.rmtree(workdir / "timing", ignore_errors=True)
        for n, (at, trigger) in enumerate(schedule(points, timing)):
            idx = workdir / f"kill{n:02d}"
            server.requests.clear()
            seen = runner.watch(idx, server, at, trigger)
            if seen.get("finished_before_kill") and at is not None:
                # this run was faster than the timing run (the machine is shared): the same share of it
                shutil.rmtree(idx, ignore_errors=True)
                server.requests.clear()
                seen = runner.watch(idx, server, at * seen["at"] / timing["at"] * 0.9, None)
            seen["trigger"] = trigger or f"{at:.2f}s"
            committed = _db_count(idx, "SELECT count(*) FROM embeddings") or 0
            rc, summary, err = runner.complete(idx)
            stale = sorted(p.name for p in idx.iterdir() if p.name.endswith(".tmp")) if idx.exists() else []
            chunks = _db_count(idx, "SELECT count(*) FROM chunks")
            checks = {
                "exit_0": rc == 0,
                "integrity_ok": _integrity(idx) == "ok",
                "files_as_reference": _db_count(idx, "SELECT count(*) FROM files") == ref_files,
                "chunks_as_reference": chunks == reference["chunks"],
                "faiss_count_is_chunks": _faiss_count(idx) == chunks,
            }
            expected_new = reference["newly_embedded"] - committed
            seen.update(stale_temp_files=stale, committed_embeddings=committed,
                        recomputed=max(0, summary.get("newly_embedded", 0) - expected_new),
                        consistent=all(checks.values()), failed_checks=[k for k, ok in checks.items() if not ok])
            if rc != 0:
                seen["error"] = err
            kills.append(seen)
            shutil.rmtree(idx, ignore_errors=True)
    tried = [k for k in kills if not k.get("finished_before_kill")]
    rows = {
        "kill9_inconsistent_after_rerun": {
            "count": sum(not k["consistent"] for k in tried), "of": len(tried), "target": 0,
            "details": [f"{k['stage']}@{k['trigger']}: {k['failed_checks']} {k.get('error', '')[-200:]}"
                        for k in tried if not k["consistent"]]},
        "kill9_orphan_processes": {
            "count": sum(len(k["orphans"]) for k in tried), "of": len(tried), "target": 0,
            "details": [f"{k['stage']}@{k['trigger']}: {o}" for k in tried for o in k["orphans"]]},
        "kill9_stale_temp_files": {
            "count": sum(len(k["stale_temp_files"]) for k in tried), "of": len(tried), "target": 0,
            "details": [f"{k['stage']}@{k['trigger']}: {k['stale_temp_files']}" for k in tried
                        if k["stale_temp_files"]]},
        "kill9_embeddings_recomputed": {
            "count": sum(k["recomputed"] for k in tried), "of": sum(k["committed_embeddings"] for k in tried),
            "target": 0, "details": [f"{k['stage']}@{k['trigger']}: {k['recomputed']}" for k in tried
                                     if k["recomputed"]]},
    }
    return {"rows": rows, "corpus": corpus_spec, "reference": {
        "seconds": round(reference_seconds, 1), "files": ref_files, "chunks": reference["chunks"],
        "timing_run": {"seconds": timing["at"], **{k: round(v, 2) for k, v in timing["seen"].items()}}},
        "kills_by_stage": dict(Counter(k.get("stage", "finished_before_kill") for k in kills)),
        "finished_before_kill": sum(bool(k.get("finished_before_kill")) for k in kills), "kills": kills}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=30)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = parser.parse_args()
    os.environ.setdefault("CODEASSIST_BENCH_CACHE", "/work/corpora")
    with tempfile.TemporaryDirectory(prefix="robustness-kill-") as tmp:
        print(json.dumps(trial(Path(tmp), args.points, args.corpus), indent=2))


if __name__ == "__main__":
    main()
