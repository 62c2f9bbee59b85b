"""`codeassist symbols | definition`: the symbol graph of the index from the terminal.

    codeassist symbols usrSvc              # fuzzy, camelCase-aware, like an editor's "go to symbol"
    codeassist symbols --path app/models.py
    codeassist definition make_s3_client --from app/views.py --json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli
from codeassist.errors import CodeassistError


def _locate(root: Path, index_dir: str | None) -> Any:
    """The repository `root` lies in (walking up from a subfolder to the indexed folder, as every command does)."""
    from codeassist.cli.options import locate

    return locate(root, index_dir)


def _open(located: Any) -> Any:
    from codeassist.indexer import open_index

    return open_index(located.root, located.index_dir)


def _repo_relative(path: str, root: Path) -> str:
    """A path given on the command line (relative to the cwd, the root, or absolute) as the index
    writes it: relative to the root, POSIX separators."""
    candidate = Path(path).expanduser()
    root = root.resolve()
    for absolute in (candidate if candidate.is_absolute() else Path.cwd() / candidate, root / candidate):
        try:
            return absolute.resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    if candidate.is_absolute():
        raise CodeassistError(f"{path} is outside the repository {root}; pass a path inside it (or --root).")
    return candidate.as_posix()


def _echo_definitions(definitions: list[Any], as_json: bool, empty: str) -> None:
    if as_json:
        click.echo(json.dumps([d.to_json() for d in definitions], indent=2, ensure_ascii=False))
        return
    if not definitions:
        click.echo(empty, err=True)
        return
    for d in definitions:
        repo = f"{d.repo}:" if d.repo else ""
        click.echo(f"{repo}{d.path}:{d.start_line}-{d.end_line}  {d.kind}  {d.symbol}")
        for line in d.signature.splitlines()[:3]:
            click.echo(f"    {line}")
        if d.doc:
            click.echo(f"    # {d.doc[:200]}")


_COMMON = [
    click.option("--root", default=".", type=click.Path(file_okay=False, path_type=Path),
                 help="Repository, or any folder inside it (the nearest indexed folder above it is used)."),
    click.option("--index-dir", type=click.Path(file_okay=False),
                 help="Where the index lives (default: the user cache dir, keyed by the repository root)."),
    click.option("--json", "as_json", is_flag=True, help="Print the definitions as a JSON list."),
]


def _common(fn: Any) -> Any:
    for option in reversed(_COMMON):
        fn = option(fn)
    return fn


@cli.command("symbols")
@click.argument("query", required=False, default="")
@click.option("--path", "path", default=None, type=click.Path(dir_okay=False),
              help="Only this file: its outline, in line order.")
@click.option("--kind", default=None, help="Only this kind: function, method, class, interface, struct, ...")
@click.option("-n", "--limit", default=50, show_default=True, help="At most this many.")
@_common
def symbols_command(query: str, path: str | None, kind: str | None, limit: int, root: Path,
                    index_dir: str | None, as_json: bool) -> None:
    """Definitions whose name fuzzily matches QUERY (`gu` finds getUser), best first; with --path,
    the outline of one file."""
    located = _locate(root, index_dir)
    root = located.root
    with _open(located) as index:
        if path is not None:
            from codeassist.indexer.fuzzy import fuzzy_score

            found = index.outline(_repo_relative(path, root))
            if query:
                found = [d for d in found if fuzzy_score(query, d.name) > 0]
            if kind:
                found = [d for d in found if d.kind == kind]
            found = found[: max(0, limit)]
        else:
            found = index.symbols(query, limit=limit, kind=kind)
    _echo_definitions(found, as_json, "No matching definitions in the index (run `codeassist index` after changes).")


@cli.command("definition")
@click.argument("name")
@click.option("--from", "from_path", default=None, type=click.Path(dir_okay=False),
              help="The file NAME is used in: its imports are followed first, then its folder.")
@click.option("-n", "--limit", default=10, show_default=True, help="At most this many.")
@_common
def definition_command(name: str, from_path: str | None, limit: int, root: Path, index_dir: str | None,
                       as_json: bool) -> None:
    """Where NAME (`get_user`, `UserService.get_user`, `settings.load`) is defined, best first."""
    from codeassist.indexer.languages import language_for_path
    from codeassist.indexer.symbols import extract_symbols

    located = _locate(root, index_dir)
    root = located.root
    imports = None
    rel = None
    if from_path:
        rel = _repo_relative(from_path, root)
        file = root / rel
        if file.is_file():  # the file as it is now, even if the index has not caught up with it yet
            imports = extract_symbols(file.read_bytes(), language_for_path(rel), rel).imports or None
    with _open(located) as index:
        found = index.definitions(name, from_path=rel, imports=imports, limit=limit)
    _echo_definitions(found, as_json, f"No definition of {name} in the index.")
