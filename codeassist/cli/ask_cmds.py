"""`codeassist ask` and `codeassist chat`: questions about the repository, answered with citations.

Both retrieve from the index, stream the model's answer rendered as Markdown (rich re-renders it
live on a terminal; with --no-stream it is rendered once at the end; when the output is not a terminal
the raw Markdown is printed, so `> answer.md` gets Markdown) and finish with the Sources list ``[n] path:start-end symbol``. With no chat model configured they
show the most relevant code with its citations and one line on how to configure a model (exit 0).
When every endpoint of the chat chain fails, `ask` does the same with one line on what failed (exit 0;
exit 1 with ``--strict``). An answer cut by the size cap or the deadline ends with a line saying so.

Piped stdin is extra context (``git diff | codeassist ask "review this"``). `chat` takes it as context
for the whole session when it can still read questions from the terminal (/dev/tty); with no terminal
at all it reads its questions from stdin instead (one per line, a trailing backslash continues a
question), which makes it scriptable. Interactive input is prompt_toolkit (see `codeassist.cli.chat_repl`).
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from pathlib import Path
from typing import Any

import click

from codeassist.cli.main import cli

CONFIGURE_HINT = (
    "No chat model configured, so here is the most relevant code. To get answers, set "
    "CODEASSIST_CHAT_MODEL (plus OPENAI_BASE_URL / OPENAI_API_KEY) or add [chat] model = \"...\" to "
    ".codeassist.toml; see README: Configuration."
)


def root_options(func: Any) -> Any:
    func = click.option("--model", default=None, help="Chat model for this run (overrides the settings).")(func)
    func = click.option("-k", "k", type=click.IntRange(min=1), default=None,
                        help="Snippets to retrieve (default: [search] k).")(func)
    func = click.option("--index-dir", type=click.Path(file_okay=False), default=None,
                        help="Where the index lives (default: user cache dir).")(func)
    return click.option("--root", default=".", show_default=True,
                        type=click.Path(file_okay=False, path_type=Path), help="Repository root.")(func)


def open_session(root: Path, index_dir: str | None, k: int | None, model: str | None) -> tuple[Any, Any]:
    """(settings, index) for a repository root; IndexNotFound / ConfigError carry their own fix."""
    from codeassist.indexer import open_index
    from codeassist.settings import load_settings

    resolved = root.expanduser().resolve()
    overrides = {"index": {"index_dir": index_dir}, "search": {"k": k}, "chat": {"model": model}}
    settings = load_settings(resolved if resolved.is_dir() else None, overrides)
    return settings, open_index(resolved, settings.index.index_dir or None)


def piped_stdin() -> str | None:
    stream = sys.stdin
    if stream.isatty():
        return None
    return stream.read() or None


def make_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def print_sources(console: Any, sources: list[Any]) -> None:
    if not sources:
        return
    console.print("\nSources:", style="bold")
    for number, source in enumerate(sources, start=1):
        console.print(f"  [{number}] {source.label()}", markup=False)


def print_fallback(console: Any, question: str, settings: Any, index: Any, *, as_json: bool,
                   note: str = CONFIGURE_HINT) -> list[Any]:
    """No model (or no model answering): the most relevant code with its citations, and `note` (how to
    configure a model, or what failed). Returns the sources shown."""
    from codeassist.answer import retrieve

    context = retrieve(question, searcher=index, settings=settings)
    if as_json:
        payload = {"answer": None, "sources": [s.to_json() for s in context.sources], "model": None,
                   "usage": None, "snippets": [{**s.source.to_json(), "text": s.text} for s in context.snippets],
                   "hint": note}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return context.sources
    from rich.syntax import Syntax

    console.print(note, style="yellow", markup=False)
    if not context.snippets:
        console.print("No code in the index matched the question.", markup=False)
    for number, snip in enumerate(context.snippets, start=1):
        console.print(f"\n[{number}] {snip.source.label()}", style="bold", markup=False)
        console.print(Syntax(snip.text, snip.language or "text", line_numbers=True, start_line=snip.start_line,
                             word_wrap=True, theme="ansi_dark"))
    return context.sources


def stream_answer(console: Any, run: Any, *, live: bool) -> Any:
    """Run `run(on_delta, cancel)` in a worker thread and render its deltas; Ctrl-C cancels it.

    Returns the Answer (cancelled=True after Ctrl-C); re-raises the worker's exception.
    """
    from rich.markdown import Markdown

    deltas: queue.Queue[str] = queue.Queue()
    cancel = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["answer"] = run(deltas.put, cancel)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            outcome["error"] = err

    worker = threading.Thread(target=work, name="codeassist-answer", daemon=True)
    text = ""
    live_view = None
    if live:
        from rich.live import Live

        live_view = Live(Markdown(""), console=console, refresh_per_second=10, vertical_overflow="visible")
        live_view.start()
    worker.start()
    try:
        while worker.is_alive() or not deltas.empty():
            try:
                text += deltas.get(timeout=0.05)
            except queue.Empty:
                continue
            if live_view is not None:
                live_view.update(Markdown(text))
    except KeyboardInterrupt:
        cancel.set()
        worker.join(timeout=5)
    finally:
        if live_view is not None:
            live_view.update(Markdown(text))
            live_view.stop()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    answer = outcome.get("answer")
    if not live and answer is not None and answer.answer:
        if console.is_terminal:
            console.print(Markdown(answer.answer))
        else:  # a pipe or a file gets the Markdown itself: `codeassist ask ... > answer.md`
            click.echo(answer.answer)
    if answer is not None and answer.cancelled:
        console.print("(answer cancelled)", style="dim", markup=False)
    if answer is not None and answer.cut_note:
        console.print(answer.cut_note, style="yellow", markup=False)
    return answer


def warn_template_problems() -> None:
    """One stderr line per broken prompt override (the built-in template was used)."""
    from codeassist.prompting import template_problems

    for problem in template_problems():
        click.echo(f"Warning: {problem}", err=True)


def failure_note(err: Exception) -> str:
    """The one line `ask` prints above the retrieved code when no endpoint answered."""
    return f"No answer from the chat model, so here is the most relevant code. {err}"


class RepoScoped:
    """An index whose searches are limited to some repositories of a multi-repository index."""

    def __init__(self, index: Any, repos: list[str]) -> None:
        self._index = index
        self._repos = repos

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self._index.search(*args, repo=self._repos, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


@cli.command("ask")
@click.argument("question")
@root_options
@click.option("--json", "as_json", is_flag=True, help='Print {"answer", "sources", "model", "usage"}.')
@click.option("--no-stream", is_flag=True, help="Print the answer once it is complete.")
@click.option("--repo", multiple=True, help="Only this repository of a multi-repository index (repeatable).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when no chat endpoint answers (default: show the relevant code, exit 0).")
def ask_command(question: str, root: Path, index_dir: str | None, k: int | None, model: str | None,
                as_json: bool, no_stream: bool, repo: tuple[str, ...], strict: bool) -> None:
    """Answer QUESTION about the repository, citing the code it used.

    Piped stdin is extra context:  git diff | codeassist ask "review this"
    """
    from codeassist.errors import LLMError

    extra = piped_stdin()
    settings, opened = open_session(root, index_dir, k, model)
    console = make_console()
    with opened:
        index = RepoScoped(opened, list(repo)) if repo else opened
        if not settings.chat.model:
            print_fallback(console, question, settings, index, as_json=as_json)
            return
        try:
            answer = _ask(console, question, index, settings, extra, as_json=as_json, no_stream=no_stream)
            warn_template_problems()
        except LLMError as err:
            if strict:
                raise
            print_fallback(console, question, settings, index, as_json=as_json, note=failure_note(err))
            return
        if answer is not None and answer.cancelled:
            sys.exit(130)


def _ask(console: Any, question: str, index: Any, settings: Any, extra: str | None, *, as_json: bool,
         no_stream: bool) -> Any:
    """Answer and print it (JSON, or streamed Markdown then the sources). LLMError when nothing answered."""
    from codeassist.answer import answer_question

    if as_json:
        answer = answer_question(question, searcher=index, settings=settings, extra_context=extra)
        click.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return answer

    def run(on_delta: Any, cancel: threading.Event) -> Any:
        return answer_question(question, searcher=index, settings=settings, extra_context=extra,
                               on_delta=on_delta, cancel=cancel)

    answer = stream_answer(console, run, live=console.is_terminal and not no_stream)
    print_sources(console, answer.sources)
    return answer


@cli.command("chat")
@root_options
def chat_command(root: Path, index_dir: str | None, k: int | None, model: str | None) -> None:
    """Talk about the repository. Each follow-up re-retrieves with the conversation in mind.

    \b
    Commands: /sources (what the last answer cited), /reset (forget the conversation), /exit.
    Multi-line input: end a line with a backslash, or press Esc then Enter for a new line.
    Ctrl-C cancels the current answer; Ctrl-D or /exit leaves.
    Piped stdin is context for the session when a terminal is available
    (git diff | codeassist chat); otherwise each stdin line is a question (scripts, tests).
    """
    from codeassist.cli.chat_repl import ChatSession, open_tty, piped_questions, prompt_questions

    settings, index = open_session(root, index_dir, k, model)
    console = make_console()
    # Importing openai takes a second or two; do it while the user types the first question.
    threading.Thread(target=lambda: __import__("codeassist.answer"), daemon=True).start()
    extra, tty = None, None
    if sys.stdin.isatty():
        questions = prompt_questions(console)
    elif sys.stdout.isatty() and (tty := open_tty()) is not None:
        # `git diff | codeassist chat`: stdin is context for the whole session, questions come from the tty.
        extra = sys.stdin.read() or None
        questions = prompt_questions(console, tty)
    else:
        questions = piped_questions(sys.stdin)
    with index:
        session = ChatSession(settings, index, console, extra_context=extra)
        session.run(questions, echo=not sys.stdin.isatty() and tty is None)
    if session.failed:
        sys.exit(1)
