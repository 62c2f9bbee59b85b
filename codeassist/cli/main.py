"""The root click group and the single place where domain errors become clean CLI messages.

Command-line values are checked here too, for every command at once (`_check_values`): a text value
that is not UTF-8 (the shell passed bytes the locale cannot decode) and a path no file system can hold
(a name past NAME_MAX, a path past PATH_MAX, ``~user`` without a home) are usage errors naming the
option, instead of a traceback from wherever the value is first used.
"""

from __future__ import annotations

import os
import sys
from typing import Any

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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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


class _Checked(click.ParamType):
    """`inner` (click.STRING or a click.Path) that first refuses values no command can use."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner = inner
        self.name = inner.name
        self.envvar_list_splitter = inner.envvar_list_splitter

    def __getattr__(self, name: str) -> Any:  # metavar, completion, ... as the wrapped type has them
        return getattr(self.inner, name)

    def get_metavar(self, *args: Any, **kwargs: Any) -> str | None:
        return self.inner.get_metavar(*args, **kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            if isinstance(self.inner, click.Path):
                from codeassist.indexer.user_paths import unusable_path_reason

                if (reason := unusable_path_reason(value)) is not None:
                    shown = value if len(value) <= 80 else f"{value[:60]}... ({len(value):,} characters)"
                    self.fail(f"{shown!r} cannot be a path: {reason}.", param, ctx)
            else:
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as err:
                    byte = os.fsencode(value[err.start:err.end])[0]
                    self.fail(f"not UTF-8 text (byte 0x{byte:02x} at character {err.start + 1}); pass it in "
                              "UTF-8 (check the terminal's or the script's encoding).", param, ctx)
        return self.inner.convert(value, param, ctx)


def _check_values(command: click.Command) -> None:
    for param in command.params:
        if param.type is click.STRING or isinstance(param.type, click.Path):
            param.type = _Checked(param.type)
    for sub in getattr(command, "commands", {}).values():
        _check_values(sub)


_register()
_check_values(cli)


def main() -> None:
    cli(prog_name="codeassist")


if __name__ == "__main__":
    sys.exit(main())
