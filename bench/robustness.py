"""Issue 16's robustness trial, re-run as one table: every row is a count of failures with its target (0).

    export CODEASSIST_BENCH_CACHE=/work/corpora
    python bench/robustness.py [--quick] [--only-rows PREFIX ...]

Trials, each `trial(workdir) -> {"rows": {name: {"count", "of", "target", "details"}}}`, run side by
side (two cores: the CLI cases use two subprocesses at a time, the kill trial one):

- `robustness_index`: >= 150 malformed inputs through the real CLI (tracebacks, timeouts, messages
  that are not one clear line, runs that index nothing because of one input, silently dropped files);
- `robustness_kill`: kill -9 of `codeassist index` at 30 points (8 with --quick): inconsistent index
  after the re-run, orphan processes, stale temporary files, embeddings recomputed;
- `robustness_lsp` (when present): language-server requests left unanswered and abusive messages;
- `secrets` (bench/secrets.py's per-path figures): planted secret values that reached a model, per path.

Prints one JSON object: ``rows`` (the table; details cut to 25 entries each), ``targets_met``,
``seconds`` per trial and each trial's extra figures under ``trials``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# bench/faiss.py and bench/secrets.py shadow the real modules when bench/ leads sys.path: keep it last.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

MAX_DETAILS = 25


def load_bench(name: str) -> Any | None:
    """bench/NAME.py as a module (None when the file does not exist)."""
    path = HERE / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def secrets_trial(workdir: Path, seed: int = 7) -> dict[str, Any]:
    """bench/secrets.py's planted-secrets run: leaked values per path (no reference, no corpora)."""
    secrets_bench = load_bench("secrets")
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "repo"
    planted = secrets_bench.build_repo(root, seed)
    per_path, _ = secrets_bench.run_paths(root, planted, workdir)
    values = sum(len(v) for _, v in planted.values())
    rows = {f"secret_values_leaked/{path}": {
        "count": sum(per_path[path].values()), "of": values, "target": 0,
        "details": sorted(kind for kind, n in per_path[path].items() if n)} for path in secrets_bench.PATHS}
    return {"rows": rows, "kinds": len(planted)}


def run_trial(name: str, trial: Callable[[Path], dict[str, Any]], workdir: Path) -> tuple[str, dict[str, Any], float]:
    started = time.monotonic()
    try:
        result = trial(workdir / name)
    except Exception:  # the table must still print; the failure is a row
        result = {"rows": {f"{name}/trial_failed": {"count": 1, "of": 1, "target": 0,
                                                     "details": traceback.format_exc().splitlines()[-5:]}}}
    return name, result, round(time.monotonic() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 kill points instead of 30")
    parser.add_argument("--skip", nargs="*", default=[], help="trials to leave out: index kill lsp secrets")
    args = parser.parse_args()
    os.environ.setdefault("CODEASSIST_BENCH_CACHE", "/work/corpora")

    index_bench, kill_bench, lsp_bench = load_bench("robustness_index"), load_bench("robustness_kill"), \
        load_bench("robustness_lsp")
    points = 8 if args.quick else 30
    lanes: list[list[tuple[str, Callable[[Path], dict[str, Any]]]]] = [
        [("index", index_bench.trial)],
        [("kill", lambda work: kill_bench.trial(work, points))],
        [("secrets", secrets_trial)] + ([("lsp", lsp_bench.trial)] if lsp_bench is not None else []),
    ]
    lanes = [[(n, t) for n, t in lane if n not in args.skip] for lane in lanes]
    with tempfile.TemporaryDirectory(prefix="robustness-") as tmp:
        os.chmod(tmp, 0o755)  # the permission cases run as an unprivileged user
        work = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(work / "data")  # the secrets trial's prompt log stays in here

        def run_lane(lane: list[tuple[str, Callable[[Path], dict[str, Any]]]]) -> list[tuple[str, dict, float]]:
            return [run_trial(name, trial, work) for name, trial in lane]

        with ThreadPoolExecutor(len(lanes)) as pool:
            results = [item for lane in pool.map(run_lane, lanes) for item in lane]

    rows: dict[str, Any] = {}
    trials: dict[str, Any] = {}
    for name, result, _ in results:
        for row_name, row in result.pop("rows").items():
            rows[row_name] = {**row, "details": row["details"][:MAX_DETAILS]}
        result.pop("cases", None)
        result.pop("kills", None)
        trials[name] = result
    print(json.dumps({
        "rows": rows,
        "targets_met": all(row["count"] <= row["target"] for row in rows.values()),
        "kill_points": points,
        "lsp_trial": lsp_bench is not None,
        "seconds": {name: seconds for name, _, seconds in results},
        "trials": trials,
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
