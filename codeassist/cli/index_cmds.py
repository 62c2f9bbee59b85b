"""`codeassist index | status | search | languages`: build, inspect and query the local index."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli


def _settings(root: Path | None, overrides: dict[str, Any] | None = None) -> Any:
    from codeassist.settings import load_settings

    return load_settings(root, overrides or {})


def _index_dir(settings: Any, flag: str | None) -> str | None:
    return flag or settings.index.index_dir


def _query_embedder(settings: Any) -> Any:
    """The embedder for queries when the user configured a remote one; None = the index's own (local)."""
    if settings.embeddings.provider != "openai":
        return None
    return _make_embedder(settings)


def _make_embedder(settings: Any) -> Any:
    from codeassist.embedding import configured_embedder

    return configured_embedder(settings.embeddings)


def _echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Text file listing repositories to index into one index (one path per line, # comments).")
@click.option("--index-dir", type=click.Path(file_okay=False), help="Where the index lives (default: user cache dir).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Where the work runs: this machine (default) or a Ray cluster ([index] engine).")
@click.option("--ray-address", default=None,
              help="Ray cluster for --engine ray: auto, host:6379 or ray://host:10001 (default: a local one).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary and no progress.")
@click.option("--no-embed", is_flag=True, help="Skip the dense (embedding) stage: lexical search only.")
@click.option("--rebuild", is_flag=True, help="Throw the existing index away and build it again.")
def index_command(paths: tuple[Path, ...], manifest: Path | None, index_dir: str | None, engine: str | None,
                  ray_address: str | None, as_json: bool, no_embed: bool, rebuild: bool) -> None:
    """Index the repository at PATH (default: the current directory).

    Several PATHs (or --manifest) build one index of several repositories; each hit then names its
    repository (search --repo NAME). Re-running only re-reads changed files; Ctrl-C keeps everything
    done so far.
    """
    from codeassist.indexer.errors import RootNotFound
    from codeassist.indexer.pipeline import index_repositories, index_repository

    roots = list(paths)
    if manifest is not None:
        from codeassist.indexer.repos import read_manifest

        roots += read_manifest(manifest)
    multi = len(roots) > 1 or manifest is not None
    roots = roots or [Path(".")]
    for root in roots:
        if not root.is_dir():
            raise RootNotFound(str(root))
    settings = _settings(roots[0].resolve() if not multi else None)
    engine_name = engine or settings.index.engine
    if engine_name not in ("local", "ray"):
        raise click.BadParameter(f"unknown engine {engine_name!r}; use local or ray", param_hint="[index] engine")
    embedder = None
    embed = not no_embed
    if embed:
        from codeassist.errors import CodeassistError

        try:
            embedder = _make_embedder(settings)
        except CodeassistError as err:
            embed = False
            click.echo(f"Warning: dense search disabled for this run: {err}", err=True)
    runner = _make_engine(engine_name, ray_address or settings.index.ray_address, settings)
    try:
        with _progress(enabled=not as_json) as tick:
            options = dict(embed=embed, embedder=embedder, progress=tick, rebuild=rebuild, engine=runner)
            if multi:
                report = index_repositories(roots, _index_dir(settings, index_dir),
                                            settings.index.to_index_config(), **options)
            else:
                report = index_repository(roots[0], _index_dir(settings, index_dir),
                                          settings.index.to_index_config(), **options)
    finally:
        runner.close()
    if as_json:
        _echo_json(report.to_json())
        return
    _print_report(report)


def _make_engine(name: str, address: str, settings: Any) -> Any:
    from codeassist.indexer.pipeline import make_engine

    factory = None
    if name == "ray":
        import functools

        from codeassist.embedding import configured_embedder

        if settings.embeddings.provider == "openai":
            # Ray workers build their own copy; the redactor travels with it.
            factory = functools.partial(configured_embedder, settings.embeddings)
    return make_engine(name, ray_address=address or None, embedder_factory=factory)


def _print_report(report: Any) -> None:
    skipped = ", ".join(f"{reason} {count}" for reason, count in report.skipped.items()) or "none"
    where = report.root or ", ".join(f"{name} ({root})" for name, root in report.repos.items())
    click.echo(
        f"Indexed {where}\n"
        f"  files: {report.files_indexed} indexed, {report.files_unchanged} unchanged, "
        f"{report.files_removed} removed ({report.files_total} in the index)\n"
        f"  chunks: {report.chunks} ({report.chunks_written} written)\n"
        f"  skipped: {skipped}"
    )
    if report.fallbacks:
        click.echo(f"  parsed as plain text (parser gave up): {', '.join(report.fallbacks[:5])}")
    for problem in getattr(report, "rule_problems", [])[:10]:
        click.echo(f"  ignore rule skipped: {problem}", err=True)
    for path in getattr(report, "skipped_examples", {}).get("bad_name", []):
        click.echo(f"  file name is not UTF-8, skipped: {path}", err=True)
    if report.embedding_model:
        click.echo(f"  embedded: {report.embedded} of {report.chunks} chunks with {report.embedding_model} "
                   f"({report.newly_embedded} new)")
    if report.embed_error:
        click.echo(f"  dense stage stopped: {report.embed_error}", err=True)
    click.echo(f"  index: {report.index_dir}\n  took {report.seconds:.2f}s on the {report.engine} engine"
               f" (peak memory {report.peak_rss_mb:,.0f} MiB)")


class _progress:
    """A rich progress bar on stderr fed by the pipeline's progress(stage, done, total) callback."""

    LABELS = {"discover": "Discovering files", "chunk": "Chunking", "embed": "Embedding"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        self.started: dict[str, float] = {}
        return self.tick

    def tick(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(self.LABELS.get(stage, stage), total=total or None, rate="")
            self.started[stage] = time.monotonic()
        elapsed = max(time.monotonic() - self.started[stage], 1e-6)
        unit = "files/s" if stage == "chunk" else "chunks/s"
        rate = f"{done / elapsed:,.0f} {unit}" if stage != "discover" and done else ""
        self.bar.update(self.tasks[stage], completed=done, total=total or None, rate=rate)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@cli.command("status")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--index-dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True)
def status_command(path: Path, index_dir: str | None, as_json: bool) -> None:
    """Where the index of PATH is, what it holds and whether it is stale."""
    from codeassist.indexer import open_index

    settings = _settings(path.resolve() if path.is_dir() else None)
    with open_index(path, _index_dir(settings, index_dir)) as index:
        info = index.status()
        info["stale_files"] = index.stale_files(settings.index.to_index_config())
    from codeassist.log_stats import last_served
    from codeassist.promptlog import PromptLog

    info["models"] = last_served(PromptLog.from_settings(settings))  # which endpoint served the last requests
    if as_json:
        _echo_json(info)
        return
    updated = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["last_update"])) if info["last_update"] else "never"
    langs = ", ".join(f"{name} {count}" for name, count in info["languages"].items()) or "none"
    click.echo(f"root: {info['root']}\nindex: {info['index_dir']}\nfiles: {info['files']}\n"
               f"chunks: {info['chunks']} (embedded: {info['embedded']:,} of {info['chunks']:,})\n"
               f"languages: {langs}\nlast update: {updated}\n"
               f"stale: {info['stale_files']} file(s) changed since (run: codeassist index)")
    for purpose, last in sorted(info["models"].items()):
        served = last["servedBy"] or "no endpoint (all failed)"
        skipped = f"; skipped {last['skipped']}" if last["skipped"] else ""
        click.echo(f"last {purpose} request ({last['ts']}): served by {served}{skipped}")


@cli.command("languages")
@click.option("--json", "as_json", is_flag=True)
def languages_command(as_json: bool) -> None:
    """Languages chunked by syntax tree, and their file extensions."""
    from codeassist.indexer.languages import supported_languages

    langs = [lang for lang in supported_languages() if lang.ast]
    if as_json:
        _echo_json([{"name": lang.name, "extensions": list(lang.extensions)} for lang in langs])
        return
    for lang in langs:
        click.echo(f"{lang.name:<12} {' '.join(lang.extensions)}")


@cli.command("search")
@click.argument("query")
@click.option("--root", default=".", type=click.Path(file_okay=False, path_type=Path), help="Repository root.")
@click.option("--index-dir", type=click.Path(file_okay=False))
@click.option("-k", "k", default=10, show_default=True, help="Number of hits.")
@click.option("--lang", multiple=True, help="Only this language (repeatable).")
@click.option("--path", "path_glob", multiple=True, help="Only paths matching this glob (repeatable).")
@click.option("--kind", multiple=True, help="Only this chunk kind: function, method, class, module, section, window.")
@click.option("--repo", multiple=True, help="Only this repository of a multi-repository index (repeatable).")
@click.option("--exclude", multiple=True, help="Leave out paths matching this glob (repeatable).")
@click.option("--include-tests", is_flag=True, help="Rank test and fixture files like source (default: below it).")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as a JSON list.")
def search_command(query: str, root: Path, index_dir: str | None, k: int, lang: tuple[str, ...],
                   path_glob: tuple[str, ...], kind: tuple[str, ...], repo: tuple[str, ...],
                   exclude: tuple[str, ...], include_tests: bool, mode: str, as_json: bool) -> None:
    """Search the index of ROOT for QUERY (a question or a code fragment)."""
    from codeassist.indexer import open_index

    settings = _settings(root.resolve() if root.is_dir() else None)
    with open_index(root, _index_dir(settings, index_dir), embedder=_query_embedder(settings)) as index:
        _check_repos(index, repo)
        hits = index.search(query, k=k, lang=list(lang) or None, path=list(path_glob) or None,
                            kind=list(kind) or None, mode=mode, repo=list(repo) or None,
                            exclude=list(exclude) or None, include_tests=include_tests)
    if hits.coverage.reason and mode != "lexical":
        click.echo(f"Note: {hits.coverage.reason}; results are partly or wholly lexical.", err=True)
    if as_json:
        _echo_json([hit.to_json() for hit in hits])
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
    from rich.console import Console
    from rich.syntax import Syntax

    console = Console(highlight=False)
    for n, hit in enumerate(hits, start=1):
        symbol = f"  {hit.symbol}" if hit.symbol else ""
        where = f"{hit.repo}:{hit.path}" if hit.repo else hit.path
        console.print(f"[bold cyan]{n}. {where}:{hit.start_line}-{hit.end_line}[/]{symbol}"
                      f"  [dim]{hit.kind} · {hit.score:.4f}[/]")
        lexer = hit.language if hit.language not in ("", "text") else "text"
        console.print(Syntax(hit.text.rstrip("\n"), lexer, line_numbers=True, start_line=hit.start_line,
                             word_wrap=False, theme="ansi_dark"))
