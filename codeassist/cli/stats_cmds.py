"""`codeassist stats`: local metrics from the prompt log (suggestions shown and accepted, latency per
endpoint, fallback rates, tokens). Computed on this machine from its own log; never sent anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import click

from codeassist.cli.main import cli


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@cli.command("stats")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N days (default: all kept).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def stats_command(days: int | None, as_json: bool) -> None:
    """Suggestion acceptance, latency p50/p95 per endpoint, fallback rates and tokens, from the local log."""
    from codeassist.log_stats import compute_stats
    from codeassist.promptlog import PromptLog
    from codeassist.settings import load_settings

    log = PromptLog()
    stats = compute_stats(log, days=days)
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    if not load_settings(Path.cwd()).log:
        click.echo("Note: logging is off (log = false): nothing new is recorded.", err=True)
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    s = stats["suggestions"]
    rate = "-" if s["acceptance_rate"] is None else f"{s['acceptance_rate']:.0%}"
    console.print(f"Suggestions: {s['shown']} shown, {s['accepted']} accepted ({rate}), {s['partial']} partially "
                  f"accepted, {s['dismissed']} dismissed", markup=False)
    for source, counts in sorted(s["by_source"].items()):
        console.print(f"  {source}: {counts['shown']} shown, {counts['accepted']} accepted", markup=False)
    if stats["chains"]:
        console.print("\nFallback chains:", markup=False)
        for purpose, c in sorted(stats["chains"].items()):
            console.print(f"  {purpose}: {c['requests']} requests, {c['first']} by the first endpoint, "
                          f"{c['fallback']} by a fallback, {c['none']} by none (fallback rate "
                          f"{c['fallback_rate']:.0%})", markup=False)
    if not stats["endpoints"]:
        console.print(f"\nNo model requests in the log yet ({log.path}).", markup=False)
        return
    table = Table("role", "endpoint", "model", "requests", "errors", "p50 ms", "p95 ms", "first token p50",
                  "tokens in/out")
    for e in stats["endpoints"]:
        table.add_row(e["purpose"], e["endpoint"], e["model"], str(e["requests"]), str(e["errors"]),
                      _ms(e["latency_p50_ms"]), _ms(e["latency_p95_ms"]), _ms(e["first_token_p50_ms"]),
                      f"{e['tokens_in']}/{e['tokens_out']}")
    console.print(table)
