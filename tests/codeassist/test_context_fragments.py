"""Fragments of a split definition in ask/chat context: labelled with their definition's signature,
merged back when adjacent, dropped when a lone line."""

from __future__ import annotations

import dataclasses

from codeassist.context import build_context
from codeassist.indexer.chunking import chunk_source
from codeassist.indexer.config import IndexConfig
from tests.codeassist.conftest import hit

SIGNATURE = "def make_response(self, rv: ResponseReturnValue) -> Response:"


def fragment(start: int, end: int, score: float = 1.0):
    text = "\n".join(f"    step_{n}()" for n in range(start, end + 1))
    return dataclasses.replace(hit("app.py", start, end, text, "Flask.make_response", score=score), header=SIGNATURE)


def test_a_fragment_is_labelled_with_its_definitions_signature() -> None:
    context = build_context([fragment(40, 60)], budget_tokens=10_000)
    assert f"app.py:40-60 Flask.make_response — in: {SIGNATURE}" in context.text


def test_adjacent_fragments_of_one_definition_merge_into_one_snippet() -> None:
    head = hit("app.py", 10, 39, "\n".join(["    " + SIGNATURE] + [f"    step_{n}()" for n in range(11, 40)]),
               "Flask.make_response", score=0.5)
    context = build_context([fragment(40, 60, score=0.9), head], budget_tokens=10_000)
    assert [(s.start_line, s.end_line) for s in context.snippets] == [(10, 60)]
    assert "— in:" not in context.text  # the merged snippet holds the signature itself
    assert context.snippets[0].text.splitlines()[30] == "    step_40()"


def test_one_line_fragments_are_dropped() -> None:
    context = build_context([fragment(70, 70), hit("b.py", 1, 3, "a\nb\nc", "other")], budget_tokens=10_000)
    assert [s.path for s in context.snippets] == ["b.py"]


def test_chunker_gives_fragments_the_signature_and_no_one_line_pieces() -> None:
    body = "\n".join(f"        value_{n} = compute(value_{n - 1}, {n})" for n in range(1, 120))
    source = f"class App:\n    def run(self, host: str,\n            port: int) -> None:\n{body}\n".encode()
    chunks = chunk_source(source, "python", IndexConfig(max_chunk_chars=1500)).chunks
    pieces = [c for c in chunks if c.symbol == "App.run"]
    assert len(pieces) > 1 and pieces[0].header == ""
    assert {c.header for c in pieces[1:]} == {"def run(self, host: str, port: int) -> None:"}
    assert all(c.end_line > c.start_line for c in pieces)
