"""The root click group and the single place where domain errors become clean CLI messages."""

from __future__ import annotations

import sys

import click

from codeassist import __version__
from codeassist.errors import CodeassistError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CodeassistError as err:
            click.echo(f"Error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="codeassist")
def cli() -> None:
    """codeassist: index, search and ask questions about a repository, offline by default."""


def _register() -> None:
    # Every `*_cmds` module of this package is imported for its side effect of adding commands to `cli`
    # (a new command group is a new module; nothing to list here). Each keeps its heavy imports local.
    import importlib
    import pkgutil

    import codeassist.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.endswith("_cmds"):
            importlib.import_module(f"codeassist.cli.{info.name}")


_register()


def main() -> None:
    cli(prog_name="codeassist")


if __name__ == "__main__":
    sys.exit(main())
