"""`codeassist edit PATH[:START-END] "instruction"`: a reviewed change from the chat model, as a diff.

Prints a unified diff (`git apply`-able). `--apply` writes it atomically (a temporary file in the same
folder, then a rename; the file's mode bits kept) and only when the file has not changed since it was
read, so an edit made meanwhile in an editor is never overwritten. `--json` gives the diff, the new text
of the region and the sources the prompt used.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli
from codeassist.errors import CodeassistError

_TARGET = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?$")


class EditTargetError(CodeassistError):
    exit_code = 2


def parse_target(target: str) -> tuple[str, int | None, int | None]:
    """PATH, PATH:LINE or PATH:START-END -> (path, start, end); lines are 1-based and inclusive."""
    match = _TARGET.match(target)
    if not match or not match.group("path"):
        raise EditTargetError(f"{target!r}: give PATH, PATH:LINE or PATH:START-END (e.g. src/app.py:10-24).")
    start = int(match.group("start")) if match.group("start") else None
    end = int(match.group("end")) if match.group("end") else start
    if start is not None and (start < 1 or end < start):
        raise EditTargetError(f"{target!r}: lines are 1-based and START must not be after END.")
    return match.group("path"), start, end


def _read(path: Path) -> tuple[bytes, os.stat_result]:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise EditTargetError(f"{path} is not a regular file.")
        return path.read_bytes(), st
    except FileNotFoundError:
        raise EditTargetError(f"{path} does not exist.") from None
    except PermissionError:
        raise EditTargetError(f"{path} cannot be read (permission denied).") from None


def write_atomically(path: Path, data: bytes, expected: bytes, mode: int) -> None:
    """Replace `path` with `data` unless its bytes differ from `expected` (changed since it was read)."""
    current, _ = _read(path)
    if current != expected:
        raise CodeassistError(f"{path} changed since it was read; nothing was written. Run the edit again.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".codeassist-edit", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cli.command("edit")
@click.argument("target")
@click.argument("instruction")
@click.option("--root", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Repository root (default: the git root or indexed folder above the file).")
@click.option("--index-dir", type=click.Path(file_okay=False), default=None,
              help="Where the index lives (default: user cache dir).")
@click.option("--model", default=None, help="Chat model for this run (overrides the settings).")
@click.option("--apply", "apply_", is_flag=True, help="Write the change to the file (atomically).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff, the new text and the sources as JSON.")
@click.help_option("-h", "--help")
def edit_command(target: str, instruction: str, root: Path | None, index_dir: str | None, model: str | None,
                 apply_: bool, as_json: bool) -> None:
    """Rewrite lines of a file as INSTRUCTION says, and print the change as a unified diff.

    TARGET is PATH, PATH:LINE or PATH:START-END (1-based, inclusive); a bare PATH edits the whole file.
    """
    from codeassist.edit import EditRejected, EditRequest, propose_edit
    from codeassist.edit_text import region_for_lines
    from codeassist.indexer.languages import language_for_path
    from codeassist.settings import load_settings

    rel_or_abs, start, end = parse_target(target)
    if not instruction.strip():
        raise EditTargetError("The instruction is empty; say what to change, e.g. \"add type hints\".")
    path = Path(rel_or_abs).expanduser().resolve()
    data, st = _read(path)
    # The mode bits count even for root (who may write anything): a read-only file is meant to stay as it is.
    if apply_ and (not os.access(path, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)):
        raise CodeassistError(f"{path} is read-only; make it writable (chmod u+w) or run without --apply.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EditTargetError(f"{path} is not UTF-8 text; codeassist edits text files only.") from None
    repo_root = _repo_root(path, root)
    settings = load_settings(repo_root, {"index": {"index_dir": index_dir}, "chat": {"model": model}})
    if not settings.chat.model:  # before any work: there is nothing to do without a model
        from codeassist.errors import LLMNotConfigured

        raise LLMNotConfigured("chat")
    region = region_for_lines(text, start or 1, end or text.count("\n") + 1)
    rel = path.relative_to(repo_root).as_posix() if path.is_relative_to(repo_root) else path.name
    request = EditRequest(rel, text, region, instruction, language_for_path(rel))
    searcher = _open_index(repo_root, settings)
    try:
        proposal = propose_edit(request, searcher=searcher, settings=settings)
    except EditRejected as err:
        if as_json:
            click.echo(json.dumps({"path": rel, "applied": False, "reason": err.reason, "proposed": err.proposed},
                                  indent=2, ensure_ascii=False))
        else:
            click.echo(f"Not applied: {err.reason}\nThe model proposed:\n{err.proposed}", err=True)
        sys.exit(1)
    finally:
        if searcher is not None:
            searcher.close()
    applied = False
    if apply_ and proposal.diff:
        write_atomically(path, proposal.new_text.encode("utf-8"), data, st.st_mode)
        applied = True
    if as_json:
        click.echo(json.dumps({**proposal.to_json(), "applied": applied}, indent=2, ensure_ascii=False))
        return
    if not proposal.diff:
        click.echo("The model left the selection unchanged.", err=True)
        return
    click.echo(proposal.diff, nl=False)
    if applied:
        click.echo(f"Applied to {rel}.", err=True)


def _repo_root(path: Path, root: Path | None) -> Path:
    if root is not None:
        return root.expanduser().resolve()
    for parent in path.parents:
        if (parent / ".git").exists() or (parent / ".codeassist.toml").exists():
            return parent
    return path.parent


def _open_index(root: Path, settings: Any) -> Any:
    """The repository's index for retrieval and definitions, or None (the edit then has the file only)."""
    from codeassist.indexer import open_index

    try:
        return open_index(root, settings.index.index_dir or None)
    except CodeassistError as err:
        click.echo(f"Note: editing without repository context ({err})", err=True)
        return None
