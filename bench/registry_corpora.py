"""Benchmark corpora fetched from the package registries: real code none of us wrote.

    from registry_corpora import fetch
    root = fetch("pypi:flask==3.0.3")        # PyPI sdist, unpacked
    root = fetch("npm:ky@1.7.2")              # npm tarball (packages that ship their sources)
    root = fetch("deb:golang-github-gin-gonic-gin-dev")   # Debian source package for Go/Rust (files under /usr/share)

Each corpus is downloaded once with the registry's own client (`pip download --no-binary :all: --no-deps`,
`npm pack`, `apt-get download`) into `bench/.cache/registry/` (or `$CODEASSIST_BENCH_CACHE`), unpacked, and
reused by later runs. Nothing here is committed; a benchmark that needs a corpus fetches it on first use,
which needs the registries and nothing else. `python bench/registry_corpora.py SPEC...` prefetches.

A corpus root is the folder holding the package's sources: the sdist's top folder, npm's `package/`,
or for a Debian package the deepest single folder under `usr/share/gocode/src` / `usr/share/cargo/registry`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CACHE = Path(os.environ.get("CODEASSIST_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache" / "registry")


def fetch(spec: str) -> Path:
    """The unpacked root of a corpus named `kind:name[version]` (kind: pypi, npm, deb); cached.

    Raises SystemExit with the failing command's message when the registry cannot be reached."""
    kind, _, name = spec.partition(":")
    if kind not in ("pypi", "npm", "deb") or not name:
        raise SystemExit(f"corpus spec {spec!r}: use pypi:NAME[==VER], npm:NAME[@VER] or deb:PACKAGE")
    slug = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{kind}-{name}")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{slug}.lock", "w") as lock:  # two benchmarks fetching one corpus at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _fetch_locked(kind, name, CACHE / slug)


def _fetch_locked(kind: str, name: str, dest: Path) -> Path:
    done = dest / ".complete"
    if done.exists():
        return Path(done.read_text().strip())
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        archive = {"pypi": _pypi, "npm": _npm, "deb": _deb}[kind](name, Path(tmp))
        root = _unpack(archive, dest / "src", deb=kind == "deb")
    done.write_text(str(root))
    return root


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.strip()[-2000:]}")


def _single(folder: Path) -> Path:
    files = [p for p in folder.iterdir() if p.is_file()]
    if len(files) != 1:
        raise SystemExit(f"expected one downloaded file in {folder}, found {[p.name for p in files]}")
    return files[0]


def _pypi(name: str, tmp: Path) -> Path:
    _run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
          "-q", "-d", str(tmp), name], tmp)
    return _single(tmp)


def _npm(name: str, tmp: Path) -> Path:
    _run(["npm", "pack", "--silent", name], tmp)
    return _single(tmp)


def _deb(name: str, tmp: Path) -> Path:
    _run(["apt-get", "download", "-q", name], tmp)
    return _single(tmp)


def _unpack(archive: Path, dest: Path, *, deb: bool) -> Path:
    dest.mkdir(parents=True)
    if deb:
        _run(["dpkg-deb", "-x", str(archive), str(dest)], dest)
        for sub in ("usr/share/gocode/src", "usr/share/cargo/registry", "usr/share"):
            if (dest / sub).is_dir():
                return _descend(dest / sub)
        return dest
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")
    return _descend(dest)


def _descend(folder: Path) -> Path:
    """Down through folders that hold nothing but one folder (github.com/org/repo -> repo)."""
    while True:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
        else:
            return folder


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, fetch(arg))
