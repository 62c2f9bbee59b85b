"""Install instructions never send users to another project's package (issue 14, item 13): `codeassist`
on PyPI is an unrelated project; the distribution here is `codeassist-local`, installed from the checkout."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "codeassist-local"
# `pip install codeassist`, `pipx install codeassist`, `pip install 'codeassist[ray]'`: the PyPI name of
# the unrelated project (a name continuing with - or _ is another name, e.g. codeassist-local).
WRONG_PACKAGE = re.compile(r"\bpipx? install\s+(?:-\S+\s+)*['\"]?codeassist(?![-\w])")
SOURCES = ("*.md", "*.txt", "*.ts", "*.lua", "*.py", "*.json", "*.toml")


def _user_facing_files() -> list[Path]:
    skip = ("node_modules", ".git", "fixtures", "tests/codeassist/test_install_docs.py")
    out = []
    for pattern in SOURCES:
        out += [p for p in CHECKOUT.rglob(pattern) if not any(part in p.as_posix() for part in skip)]
    return out


def test_install_docs_distribution_name_is_ours() -> None:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    assert set(project["scripts"]) == {"codeassist", "codeassist-lsp"}
    readme = (CHECKOUT / "README.md").read_text()
    assert f"**`{DISTRIBUTION}`**" in readme and "pipx install ." in readme and "pip install ." in readme


def test_install_docs_never_name_the_unrelated_pypi_package() -> None:
    offenders = {}
    for path in _user_facing_files():
        found = [m.group(0) for m in WRONG_PACKAGE.finditer(path.read_text(encoding="utf-8", errors="replace"))]
        if found:
            offenders[path.relative_to(CHECKOUT).as_posix()] = found
    assert offenders == {}
