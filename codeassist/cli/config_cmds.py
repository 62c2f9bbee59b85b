"""`codeassist config show`, `codeassist doctor` and `codeassist log`: what is configured, whether it
works, and what was sent to models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli


def _load(root: Path) -> Any:
    from codeassist.settings import load_settings

    resolved = root.expanduser().resolve()
    return load_settings(resolved if resolved.is_dir() else None)


@cli.group("config")
def config_group() -> None:
    """Inspect the settings (see README: Configuration for every key)."""


@config_group.command("show")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def config_show(root: Path, as_json: bool) -> None:
    """Print the effective settings, API keys masked, and the files and variables they came from."""
    settings = _load(root)
    data = settings.redacted_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"# sources (lowest precedence first): defaults, {', '.join(data['sources']) or '(none)'}")
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        click.echo(f"\n[{section}]")
        for key, value in values.items():
            click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")


def _check(name: str, status: str, detail: str, fix: str = "", required: bool = True) -> dict[str, Any]:
    return {"name": name, "status": status, "detail": detail, "fix": fix, "required": required}


def _chain_checks(settings: Any, section: str, required: bool) -> list[dict[str, Any]]:
    """The section's own endpoint, then each of its fallbacks (never required: the chain moves on)."""
    from codeassist.llm_chain import chain_settings

    checks = [_endpoint_check(settings, section, required)]
    section_settings = getattr(settings, section)
    for position, (endpoint, _) in enumerate(chain_settings(section_settings)[1:], start=1):
        checks.append(_endpoint_check(settings, section, False, endpoint=endpoint,
                                      name=f"{section} fallback {position}"))
    return checks


def _endpoint_check(settings: Any, section: str, required: bool, *, endpoint: Any = None,
                    name: str = "") -> dict[str, Any]:
    from codeassist.errors import LLMError
    from codeassist.llm import LLMClient

    endpoint = endpoint or getattr(settings, section)
    name = name or f"{section} endpoint"
    env = f"CODEASSIST_{section.upper()}_MODEL"
    if not endpoint.model:
        what = {"chat": "ask/chat show retrieved code only", "completion": "completion uses the local "
                "repo-pattern completer", "embeddings": "no remote embeddings"}[section]
        return _check(name, "warn", f"not configured ({what})",
                      f"set {env} and OPENAI_BASE_URL, or [{section}] model in .codeassist.toml", False)
    client = LLMClient(endpoint, purpose=section)
    try:
        models = client.list_models(timeout=min(endpoint.timeout, 5.0))
    except LLMError as err:
        return _check(name, "fail", f"{endpoint.base_url}: GET /models failed", str(err), required)
    if endpoint.model not in models:
        shown = ", ".join(models[:10]) or "none"
        return _check(name, "warn", f"{endpoint.base_url} answers, but does not list model '{endpoint.model}' "
                      f"(listed: {shown})", f"check {env}; some servers load models on demand", required)
    return _check(name, "ok", f"{endpoint.base_url} serves '{endpoint.model}'", "", required)


def _weights_check(settings: Any) -> dict[str, Any]:
    if settings.embeddings.provider != "local":
        return _endpoint_check(settings, "embeddings", True)
    try:
        from codeassist.indexer.model_weights import model_status
    except ImportError:
        return _check("embedding model", "warn", "cannot check (model_weights unavailable)", "", False)
    status = model_status(settings.embeddings.model_path or None)
    if status["found"]:
        return _check("embedding model", "ok", f"all-MiniLM-L6-v2 from {status['source']}: {status['path']}")
    return _check("embedding model", "fail", status["detail"],
                  "codeassist model install (or set CODEASSIST_EMBED_MODEL to the model folder); "
                  "lexical search works without it", False)


def _index_check(root: Path, settings: Any) -> dict[str, Any]:
    from codeassist.errors import CodeassistError
    from codeassist.indexer import open_index

    try:
        with open_index(root, settings.index.index_dir or None) as index:
            info = index.status() if hasattr(index, "status") else {}
    except CodeassistError as err:
        return _check("index", "fail", f"{root}: no usable index", str(err))
    detail = (f"{info.get('files', '?')} files, {info.get('chunks', '?')} chunks, "
              f"{info.get('embedded', '?')} embedded ({info.get('embedding_model') or 'no embeddings'})")
    if info.get("chunks") and not info.get("embedded"):
        return _check("index", "warn", detail, "run: codeassist index (dense search needs embeddings)", False)
    return _check("index", "ok", detail)


def _last_served_checks(settings: Any) -> list[dict[str, Any]]:
    """From the prompt log: which endpoint served each role's last request, and why others were skipped."""
    from codeassist.log_stats import last_served
    from codeassist.promptlog import PromptLog

    checks = []
    for purpose, last in sorted(last_served(PromptLog.from_settings(settings)).items()):
        skipped = f"; skipped {last['skipped']}" if last["skipped"] else ""
        if last["servedBy"]:
            checks.append(_check(f"last {purpose} request", "ok" if not skipped else "warn",
                                 f"{last['ts']}: served by {last['servedBy']}{skipped}", "", False))
        else:
            checks.append(_check(f"last {purpose} request", "warn", f"{last['ts']}: every endpoint failed{skipped}",
                                 "check the endpoints above", False))
    return checks


@cli.command("doctor")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def doctor_command(root: Path, as_json: bool) -> None:
    """Check the embedding model, every configured endpoint and the index; say what to fix."""
    root = root.expanduser().resolve()
    settings = _load(root)
    checks = [
        _weights_check(settings),
        *_chain_checks(settings, "chat", True),
        *_chain_checks(settings, "completion", True),
        _index_check(root, settings),
    ]
    if settings.embeddings.provider == "openai":
        checks[0]["name"] = "embeddings endpoint"
    checks += _last_served_checks(settings)
    ok = not any(c["status"] == "fail" and c["required"] for c in checks)
    if as_json:
        click.echo(json.dumps({"ok": ok, "checks": checks}, indent=2))
    else:
        marks = {"ok": "✓", "warn": "!", "fail": "✗"}
        for check in checks:
            click.echo(f"{marks[check['status']]} {check['name']}: {check['detail']}")
            if check["fix"] and check["status"] != "ok":
                click.echo(f"    fix: {check['fix']}")
        click.echo("All required checks passed." if ok else "Some required checks failed (see fix: above).")
    if not ok:
        raise SystemExit(1)


@cli.command("log")
@click.option("-n", "n", type=click.IntRange(min=1), default=10, show_default=True, help="How many requests.")
@click.option("--json", "as_json", is_flag=True, help="Full rows, including the redacted request and response.")
def log_command(n: int, as_json: bool) -> None:
    """Show the most recent model requests from the prompt log, newest first."""
    from codeassist.promptlog import PromptLog

    log = PromptLog()
    rows = log.recent(n)
    if not _load(Path(".")).log and not as_json:
        click.echo("Note: logging is off (log = false); these are older requests.", err=True)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"The prompt log is empty ({log.path}). Requests appear here after ask/chat/completion; "
                   "log = false in the config turns logging off.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "time", "purpose", "endpoint (chain #)", "model", "template", "ms", "tokens in/out",
                  "status", "skipped before it")
    for row in rows:
        template = f"{row['template']}@{row['template_version']}" if row["template"] else ""
        tokens = f"{row['prompt_tokens'] or '?'}/{row['completion_tokens'] or '?'}"
        status = row["status"] + (f": {row['error'][:60]}" if row["error"] else "")
        position = row.get("chain_position")
        endpoint = (row["endpoint"] or "(none answered)") + (f" (#{position})" if position is not None else "")
        table.add_row(str(row["id"]), row["ts"], row["purpose"], endpoint, row["model"], template,
                      str(row["latency_ms"] or ""), tokens, status, (row.get("skipped") or "")[:80])
    Console(width=160).print(table)
