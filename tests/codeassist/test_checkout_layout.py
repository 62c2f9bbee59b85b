"""`python -m codeassist` from the source checkout after a regular (non-editable) `pip install .`
(issue 14, item 12): the checkout's `codeassist/` folder shadows the installed package, and
`codeassist.indexer` / `codeassist.lsp` (the top-level folders indexer/ and lsp/) must still import.

A real `pip install .` per test run is slow; this builds the same situation cheaply: the installed
package is a copy laid out as a wheel installs it (indexer/ and lsp/ inside codeassist/), placed after
the checkout on sys.path, and Python runs with -S so that no editable-install finder (a .pth file)
can paper over the problem."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]


def _installed_copy(target: Path) -> Path:
    """site-packages as `pip install .` leaves it: codeassist/{cli,indexer,lsp}/..."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(CHECKOUT / "codeassist", target / "codeassist", ignore=ignore)
    shutil.copytree(CHECKOUT / "indexer", target / "codeassist" / "indexer", ignore=ignore)
    shutil.copytree(CHECKOUT / "lsp", target / "codeassist" / "lsp", ignore=ignore)
    return target


def _run_from_checkout(tmp_path: Path, snippet: str) -> subprocess.CompletedProcess[str]:
    installed = _installed_copy(tmp_path / "site")
    dependencies = [p for p in site.getsitepackages() if p != str(installed)]
    code = (f"import sys\nsys.path[:0] = [{str(CHECKOUT)!r}, {str(installed)!r}]\n"
            f"sys.path += {dependencies!r}\n{snippet}")
    return subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=CHECKOUT,
                          timeout=120)


@pytest.mark.parametrize(("argv", "expected"), [
    (["languages", "--json"], '"name": "python"'),
    (["--version"], "codeassist, version"),
    (["search", "-h"], "Usage: codeassist search"),
])
def test_checkout_shadowing_installed_package_runs_python_m_codeassist(tmp_path: Path, argv: list[str],
                                                                       expected: str) -> None:
    done = _run_from_checkout(tmp_path, f"import runpy\nsys.argv = ['codeassist', *{argv!r}]\n"
                                        "runpy.run_module('codeassist', run_name='__main__', alter_sys=True)")
    assert done.returncode == 0, done.stderr
    assert "ModuleNotFoundError" not in done.stderr and expected in done.stdout


def test_checkout_shadowing_installed_package_imports_every_subpackage(tmp_path: Path) -> None:
    done = _run_from_checkout(tmp_path, "import codeassist, codeassist.indexer.store, codeassist.lsp.protocol\n"
                                        "print(codeassist.__file__, codeassist.indexer.__file__, "
                                        "codeassist.lsp.__file__)")
    assert done.returncode == 0, done.stderr
    package, indexer, lsp = done.stdout.split()
    # one consistent copy: the checkout's (never half checkout, half installed)
    assert Path(package) == CHECKOUT / "codeassist" / "__init__.py"
    assert Path(indexer) == CHECKOUT / "indexer" / "__init__.py"
    assert Path(lsp) == CHECKOUT / "lsp" / "__init__.py"
