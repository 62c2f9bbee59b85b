"""Deterministic benchmark corpora built from the installed sources of third-party packages.

`build_corpus(names)` copies each package's folder out of site-packages into bench/.cache/, sorted and
byte-identical on every run on the same machine, so two runs index exactly the same files.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_PACKAGES = ("click", "rich", "pygls", "openai", "platformdirs", "pathspec")


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed; pip install it to run this benchmark")
    return Path(list(spec.submodule_search_locations)[0])


def build_corpus(names: tuple[str, ...] = DEFAULT_PACKAGES, label: str = "corpus") -> Path:
    """A folder holding a copy of each package's .py files (no caches, no binaries)."""
    dest = CACHE / label
    if dest.exists():
        shutil.rmtree(dest)
    for name in names:
        src = package_dir(name)
        for path in sorted(src.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            target = dest / name / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest


def count_lines(root: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in root.rglob("*.py"))
