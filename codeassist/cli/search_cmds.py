"""`codeassist search | languages`: query the local index, and list the languages it chunks by syntax."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli
from codeassist.cli.options import index_dir_option, json_option, locate, root_option

MAX_K = 1000  # as codeassist.indexer.api.MAX_K (not imported: it would load numpy at start-up)


def language_names() -> list[str]:
    """Every language a chunk can be labelled with (`codeassist languages --all`)."""
    from codeassist.indexer.languages import supported_languages

    return sorted({lang.name for lang in supported_languages()} | {"text"})


def _checked(valid: Any, what: str, listing: str) -> Any:
    """A click callback: lower-cases the values and refuses unknown ones, naming the valid values.
    `valid`: the names, or a function returning them (called only when the option is used)."""

    def check(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:
            return ()
        names = valid() if callable(valid) else valid
        out = tuple(value.strip().lower() for value in values)
        unknown = [value for value in out if value not in names]
        if unknown:
            raise click.BadParameter(f"unknown {what} {', '.join(map(repr, unknown))}; valid {what}s: "
                                     f"{', '.join(names)}{listing}.")
        return out

    return check


def _kinds() -> list[str]:
    from codeassist.indexer.model import KINDS

    return list(KINDS)


@cli.command("search")
@click.argument("query")
@root_option
@index_dir_option
@click.option("-k", "k", type=click.IntRange(1, MAX_K), default=10, show_default=True,
              help=f"Number of hits (1-{MAX_K}).")
@click.option("--lang", multiple=True, callback=_checked(language_names, "language", " (see: codeassist languages)"),
              help="Only this language (repeatable); names as in `codeassist languages`.")
@click.option("--path", "path_glob", multiple=True, help="Only paths matching this glob (repeatable).")
@click.option("--kind", multiple=True, callback=_checked(_kinds, "kind", ""),
              help="Only this chunk kind (repeatable): function, method, class, module, section, window.")
@click.option("--repo", multiple=True, help="Only this repository of a multi-repository index (repeatable).")
@click.option("--exclude", multiple=True, help="Leave out paths matching this glob (repeatable).")
@click.option("--include-tests", is_flag=True, help="Rank test and fixture files like source (default: below it).")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid", show_default=True,
              help="Fuse lexical (BM25) and dense (embedding) results, or use one of them.")
@json_option("Print the hits as a JSON list.")
def search_command(query: str, root: Path | None, index_dir: str | None, k: int, lang: tuple[str, ...],
                   path_glob: tuple[str, ...], kind: tuple[str, ...], repo: tuple[str, ...],
                   exclude: tuple[str, ...], include_tests: bool, mode: str, as_json: bool) -> None:
    """Search the index for QUERY (a question or a code fragment).

    Run it anywhere inside an indexed repository: the whole repository is searched (--path narrows it).
    """
    from codeassist.cli.index_cmds import query_embedder
    from codeassist.indexer import open_index

    where = locate(root, index_dir)
    with open_index(where.root, where.index_dir, embedder=query_embedder(where.settings)) as index:
        _check_repos(index, repo)
        hits = index.search(query, k=k, lang=list(lang) or None, path=list(path_glob) or None,
                            kind=list(kind) or None, mode=mode, repo=list(repo) or None,
                            exclude=list(exclude) or None, include_tests=include_tests)
    if hits.coverage.chunks == 0:
        click.echo(f"Note: the index of {where.root} is empty: nothing there could be indexed "
                   f"(codeassist index {where.root} says what was skipped and why).", err=True)
    elif hits.coverage.reason and mode != "lexical":
        click.echo(f"Note: {hits.coverage.reason}; results are partly or wholly lexical.", err=True)
    if as_json:
        click.echo(json.dumps([hit.to_json() for hit in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        click.echo("No matches.")
        return
    _print_hits(hits)


def _check_repos(index: Any, wanted: Sequence[str]) -> None:
    """An unknown --repo name is an error that lists the names there are (not an empty result)."""
    known = index.repos()
    unknown = [name for name in wanted if name not in known]
    if unknown:
        names = ", ".join(known) or "none: this index holds a single repository"
        raise click.BadParameter(f"no repository {', '.join(unknown)} in this index (repositories: {names})",
                                 param_hint="--repo")


def _print_hits(hits: list[Any]) -> None:
    from rich.markup import escape

    from codeassist.cli.output import make_console, print_code

    console = make_console()
    for n, hit in enumerate(hits, start=1):
        symbol = f"  {escape(hit.symbol)}" if hit.symbol else ""
        where = f"{hit.repo}:{hit.path}" if hit.repo else hit.path
        console.print(f"[bold cyan]{n}. {escape(where)}:{hit.start_line}-{hit.end_line}[/]{symbol}"
                      f"  [dim]{hit.kind} · {hit.score:.4f}[/]")
        print_code(console, hit.text, hit.language, hit.start_line)


@cli.command("languages")
@click.option("--all", "show_all", is_flag=True, help="Also list languages indexed as plain-text windows.")
@json_option("Print a JSON list of {name, extensions, ast}.")
def languages_command(show_all: bool, as_json: bool) -> None:
    """Languages chunked by syntax tree, and their file extensions (--all: every known language)."""
    from codeassist.indexer.languages import supported_languages

    langs = [lang for lang in supported_languages() if lang.ast or show_all]
    if as_json:
        click.echo(json.dumps([{"name": lang.name, "extensions": list(lang.extensions), "ast": lang.ast}
                               for lang in langs], indent=2))
        return
    for lang in langs:
        click.echo(f"{lang.name:<12} {' '.join(lang.extensions)}")
