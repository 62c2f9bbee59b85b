"""`codeassist mcp`: serve the index to coding agents over the Model Context Protocol (stdio)."""

from __future__ import annotations

from pathlib import Path

import click

from codeassist.cli.main import cli


@cli.command("mcp")
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Repository root the tools serve (every path argument is confined to it).")
@click.option("--index-dir", type=click.Path(file_okay=False), default=None,
              help="Where the index lives (default: user cache dir).")
@click.option("--build", is_flag=True, help="Create the index on first use when it does not exist yet.")
@click.option("--no-embed", is_flag=True, help="Refresh the index lexically only (no embedding work).")
def mcp_command(root: Path, index_dir: str | None, build: bool, no_embed: bool) -> None:
    """Run an MCP server over stdio with tools search_code, find_definition, find_references,
    file_outline, read_code, index_status and reindex. Start it from an agent's MCP configuration
    (see README: Coding agents (MCP))."""
    from codeassist.mcp_server import serve

    serve(str(root), index_dir=index_dir, build=build, embed=not no_embed)
