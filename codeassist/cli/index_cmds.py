"""`codeassist index | status`: build the local index and say what it holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli
from codeassist.cli.options import INDEX_DIR_HELP, ROOT_HELP, index_dir_option, json_option, locate


def _settings(root: Path | None, overrides: dict[str, Any] | None = None) -> Any:
    from codeassist.settings import load_settings

    return load_settings(root, overrides or {})


def _index_dir(settings: Any, flag: str | None) -> str | None:
    return flag or settings.index.index_dir


def query_embedder(settings: Any) -> Any:
    """The embedder for queries when the user configured a remote one; None = the index's own (local)."""
    if settings.embeddings.provider != "openai":
        return None
    return _make_embedder(settings)


def _make_embedder(settings: Any, roots: list[Path] | None = None) -> Any:
    from codeassist.embedding import configured_embedder

    # The roots let the remote embedder's redactor see each chunk's whole file.
    return configured_embedder(settings.embeddings, {str(i): r.resolve() for i, r in enumerate(roots or [])})


def _echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--root", "root_opts", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Repository to index, the same as PATH (repeatable).")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Text file listing repositories to index into one index (one path per line, # comments).")
@index_dir_option
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Where the work runs: this machine (default) or a Ray cluster ([index] engine).")
@click.option("--ray-address", default=None,
              help="Ray cluster for --engine ray: auto, host:6379 or ray://host:10001 (default: a local one).")
@json_option("Print one JSON summary and no progress.")
@click.option("--no-embed", is_flag=True, help="Skip the dense (embedding) stage: lexical search only.")
@click.option("--rebuild", is_flag=True, help="Throw the existing index away and build it again.")
def index_command(paths: tuple[Path, ...], root_opts: tuple[Path, ...], manifest: Path | None,
                  index_dir: str | None, engine: str | None, ray_address: str | None, as_json: bool,
                  no_embed: bool, rebuild: bool) -> None:
    """Index the repository at PATH or --root (default: the current directory).

    Several PATHs (or --manifest) build one index of several repositories; each hit then names its
    repository (search --repo NAME). Re-running only re-reads changed files; Ctrl-C keeps everything
    done so far.
    """
    from codeassist.indexer.errors import RootNotFound
    from codeassist.indexer.pipeline import index_repositories, index_repository

    roots = list(paths) + list(root_opts)
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
            embedder = _make_embedder(settings, roots)
        except CodeassistError as err:
            embed = False
            click.echo(f"Warning: dense search disabled for this run: {err}", err=True)
    from codeassist.cli.progress import CharCountingEmbedder, IndexProgress

    counting = None
    if embedder is not None and engine_name == "local":
        embedder = counting = CharCountingEmbedder(embedder)  # sizes the work for the ETA
    runner = _make_engine(engine_name, ray_address or settings.index.ray_address, settings)
    try:
        with IndexProgress(enabled=not as_json, embedder=counting) as tick:
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


def skipped_summary(skipped: dict[str, int]) -> str:
    """``"3 skipped: binary 2, secret 1"`` (or ``"0 skipped"``) from reason -> count."""
    reasons = ", ".join(f"{reason} {count}" for reason, count in skipped.items())
    return f"{sum(skipped.values())} skipped" + (f": {reasons}" if reasons else "")


def _print_report(report: Any) -> None:
    skipped = ", ".join(f"{reason} {count}" for reason, count in report.skipped.items()) or "none"
    where = report.root or ", ".join(f"{name} ({root})" for name, root in report.repos.items())
    if report.files_total == 0 and report.chunks == 0:
        click.echo(f"Nothing to index in {where} ({skipped_summary(report.skipped)}); the index is empty.\n"
                   f"  index: {report.index_dir}")
        return
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
    if report.embeddings_pruned:
        click.echo(f"  embedding cache: {report.embeddings_pruned} vectors unused for longest were dropped")
    if report.embed_error:
        click.echo(f"  dense stage stopped: {report.embed_error}", err=True)
    click.echo(f"  index: {report.index_dir}\n  took {report.seconds:.2f}s on the {report.engine} engine"
               f" (peak memory {report.peak_rss_mb:,.0f} MiB)")




@cli.command("status")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--root", "root_opt", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=ROOT_HELP + " The same as PATH.")
@click.option("--index-dir", type=click.Path(file_okay=False), default=None, help=INDEX_DIR_HELP)
@json_option("Print the status as one JSON object.")
def status_command(path: Path | None, root_opt: Path | None, index_dir: str | None, as_json: bool) -> None:
    """Where the index of PATH (or --root) is, what it holds and whether it is stale.

    Run it anywhere inside an indexed repository: the nearest indexed folder above is used.
    """
    from codeassist.indexer import open_index

    where = locate(path or root_opt, index_dir)
    with open_index(where.root, where.index_dir) as index:
        info = index.status()
        info["stale_files"] = index.stale_files(where.settings.index.to_index_config())
    from codeassist.log_stats import last_served
    from codeassist.promptlog import PromptLog

    info["models"] = last_served(PromptLog.from_settings(where.settings))  # which endpoint served the last requests
    if as_json:
        _echo_json(info)
        return
    updated = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["last_update"])) if info["last_update"] else "never"
    langs = ", ".join(f"{name} {count}" for name, count in info["languages"].items()) or "none"
    stale = info["stale_files"]
    if stale:
        stale_line = f"stale: {stale} file(s) changed since (run: codeassist index {info['root']})"
    else:
        stale_line = "stale: none (up to date)"
    if info["files"] == 0 and not stale:
        stale_line = (f"empty: nothing under {info['root']} could be indexed "
                      f"(codeassist index {info['root']} says what was skipped and why)")
    click.echo(f"root: {info['root']}\nindex: {info['index_dir']}\nfiles: {info['files']}\n"
               f"chunks: {info['chunks']} (embedded: {info['embedded']:,} of {info['chunks']:,})\n"
               f"languages: {langs}\nlast update: {updated}\n{stale_line}")
    for purpose, last in sorted(info["models"].items()):
        served = last["servedBy"] or "no endpoint (all failed)"
        skipped = f"; skipped {last['skipped']}" if last["skipped"] else ""
        click.echo(f"last {purpose} request ({last['ts']}): served by {served}{skipped}")
