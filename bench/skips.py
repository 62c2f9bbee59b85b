"""What discovery and reading leave out on real packages, and whether `status` is clean right after `index`.

Prints one JSON object. For each corpus (registry packages, see registry_corpora.py):

- `minified_old` / `minified_new`: files skipped as minified by the previous rule (any line over 1,000
  bytes in the first 64 KB: the reference, computed in the same run) and by the current one (the file's
  shape, in characters, see indexer/content_sniff.py), with up to 3 examples of each difference;
- `skipped`: the index run's skip counts by reason; `stale_after_index`: what `status` reports right
  after a full `index` (the right value is 0).

    CODEASSIST_BENCH_CACHE=/work/corpora python bench/skips.py [SPEC ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_corpora import fetch  # noqa: E402

from codeassist.indexer import open_index  # noqa: E402
from codeassist.indexer.config import IndexConfig  # noqa: E402
from codeassist.indexer.discovery import discover_files, read_source  # noqa: E402
from codeassist.indexer.pipeline import index_repository  # noqa: E402

DEFAULT_CORPORA = ("pypi:flask==3.0.3", "npm:ky@1.7.2", "pypi:scrapy==2.11.2", "npm:zod@3.23.8",
                   "pypi:rich==13.7.1", "npm:jquery@3.7.1", "npm:@tanstack/query-core@5.59.0")


def old_rule_minified(data: bytes, max_line_length: int = 1000) -> bool:
    window = data[: 64 * 1024]
    return len(window) > max_line_length and max(map(len, window.split(b"\n"))) > max_line_length


def measure(spec: str) -> dict:
    root = fetch(spec)
    config = IndexConfig()
    discovery = discover_files(root, config)
    old, new = set(), set()
    for file in discovery.files:
        outcome = read_source(file, config)
        if outcome == "minified":
            new.add(file.rel)
        data = file.path.read_bytes()[: 64 * 1024 + 1]
        if b"\0" not in data[:8192] and old_rule_minified(data):
            old.add(file.rel)
    with tempfile.TemporaryDirectory() as idx:
        started = time.perf_counter()
        report = index_repository(root, idx, config, embed=False)
        seconds = time.perf_counter() - started
        stale = open_index(root, idx).stale_files(config)
    return {
        "files_listed": len(discovery.files),
        "minified_old": len(old),
        "minified_new": len(new),
        "now_indexed_examples": sorted(old - new)[:3],
        "newly_skipped_examples": sorted(new - old)[:3],
        "skipped": report.skipped,
        "files_indexed": report.files_indexed,
        "stale_after_index": stale,
        "index_seconds": round(seconds, 2),
    }


def main(argv: list[str]) -> None:
    specs = argv or list(DEFAULT_CORPORA)
    results = {spec: measure(spec) for spec in specs}
    total_old = sum(r["minified_old"] for r in results.values())
    total_new = sum(r["minified_new"] for r in results.values())
    print(json.dumps({
        "corpora": results,
        "minified_old_total": total_old,
        "minified_new_total": total_new,
        "stale_after_index_total": sum(r["stale_after_index"] for r in results.values()),
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
