"""The `codeassist chat` session: the conversation state, slash commands and the two input sources.

Input is an iterator of questions, so the same session runs interactively (prompt_toolkit: history
with the arrow keys kept in the user data dir, Esc+Enter or a trailing backslash for multi-line input)
and from piped stdin (one question per line, a trailing backslash continues it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from codeassist.cli.ask_cmds import CONFIGURE_HINT, print_fallback, print_sources, stream_answer
from codeassist.errors import CodeassistError

HELP = "Commands: /sources  /reset  /help  /exit   (multi-line: Esc+Enter or end a line with \\)"


class ChatSession:
    def __init__(self, settings: Any, index: Any, console: Any, extra_context: str | None = None) -> None:
        self.settings = settings
        self.extra_context = extra_context
        self.index = index
        self.console = console
        self.history: list[dict[str, str]] = []
        self.sources: list[Any] = []
        # The snippets earlier answers were grounded on: follow-ups keep them under the same numbers.
        self.cited: list[Any] = []
        self.failed = False

    def run(self, questions: Iterable[str], *, echo: bool = False) -> None:
        if not self.settings.chat.model:
            self.console.print(CONFIGURE_HINT, style="yellow", markup=False)
        for raw in questions:
            line = raw.strip()
            if not line:
                continue
            if echo:
                self.console.print(f"\n> {line}", style="bold cyan", markup=False)
            if line.startswith("/") and " " not in line:
                if not self.command(line):
                    return
                continue
            self.ask(line)

    def command(self, line: str) -> bool:
        """Run a slash command; False means leave the session."""
        name = line.lower()
        if name in ("/exit", "/quit"):
            return False
        if name == "/reset":
            self.history.clear()
            self.sources = []
            self.cited = []
            self.console.print("Conversation reset.", markup=False)
        elif name == "/sources":
            if self.sources:
                print_sources(self.console, self.sources)
            else:
                self.console.print("No sources yet: ask a question first.", markup=False)
        elif name == "/help":
            self.console.print(HELP, markup=False)
        else:
            self.console.print(f"Unknown command {line}. {HELP}", markup=False)
        return True

    def ask(self, question: str) -> None:
        from codeassist.answer import answer_question

        if not self.settings.chat.model:
            self.sources = print_fallback(self.console, question, self.settings, self.index, as_json=False)
            return
        history = list(self.history)

        def run(on_delta: Any, cancel: threading.Event) -> Any:
            return answer_question(question, searcher=self.index, settings=self.settings, history=history,
                                   extra_context=self.extra_context, on_delta=on_delta, cancel=cancel,
                                   cited=list(self.cited))

        try:
            answer = stream_answer(self.console, run, live=self.console.is_terminal)
        except CodeassistError as err:
            self.failed = True
            self.console.print(f"Error: {err}", style="red", markup=False)
            return
        self.sources = answer.sources
        print_sources(self.console, answer.sources)
        if answer.cancelled:
            return  # a cancelled exchange is not part of the conversation
        self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
        if answer.context is not None:
            self.cited = list(answer.context.snippets)


def piped_questions(stream: TextIO) -> Iterator[str]:
    pending: list[str] = []
    for line in stream:
        line = line.rstrip("\r\n")
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield "\n".join(pending)
        pending = []
    if pending:
        yield "\n".join(pending)


def open_tty() -> TextIO | None:
    """The controlling terminal, when stdin is taken by a pipe but a user is sitting at a terminal."""
    try:
        return open("/dev/tty", encoding="utf-8")  # closed with the process: it lives as long as the session
    except OSError:
        return None


def prompt_questions(console: Any, tty: TextIO | None = None, *, pt_input: Any = None,
                     pt_output: Any = None) -> Iterator[str]:
    """Interactive input with prompt_toolkit; Ctrl-C clears the line, Ctrl-D leaves.

    `tty`: read from this terminal instead of stdin; `pt_input` / `pt_output`: prompt_toolkit
    input/output objects (tests pass a pipe input and a dummy output)."""
    from pathlib import Path

    import platformdirs
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    data_dir = Path(platformdirs.user_data_dir("codeassist"))
    data_dir.mkdir(parents=True, exist_ok=True)
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        event.current_buffer.insert_text("\n")

    extra: dict[str, Any] = {}
    if tty is not None:
        from prompt_toolkit.input import create_input

        extra["input"] = create_input(stdin=tty)
    if pt_input is not None:
        extra["input"] = pt_input
    if pt_output is not None:
        extra["output"] = pt_output
    session: PromptSession[str] = PromptSession(history=FileHistory(str(data_dir / "chat_history")),
                                                key_bindings=bindings, **extra)
    console.print(HELP, style="dim", markup=False)
    while True:
        pending: list[str] = []
        try:
            while True:
                line = session.prompt("… " if pending else "> ")
                if line.endswith("\\"):
                    pending.append(line[:-1])
                    continue
                pending.append(line)
                break
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        yield "\n".join(pending)
