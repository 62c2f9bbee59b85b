"""Context builder: dedupe overlapping hits, cap per file, fit the token budget, label each snippet."""

from __future__ import annotations

from codeassist.context import MIN_PARTIAL_TOKENS, build_context, count_tokens, dedupe
from tests.codeassist.conftest import hit


def lines(start: int, end: int, tag: str = "line") -> str:
    return "\n".join(f"{tag}_{n} = {n}" for n in range(start, end + 1))


def test_count_tokens_approximation() -> None:
    assert count_tokens("") == 0
    assert count_tokens("def foo(bar):") == 6  # def, foo, (, bar, ), :
    assert count_tokens("a_very_long_identifier") == 6  # 22 characters -> ceil(22 / 4)
    assert count_tokens("x\ny\n") == 4  # newlines count
    # Within the right range of real tokenizers on code: ~3-4 characters per token.
    code = "def retry(func, attempts=3):\n    for attempt in range(attempts):\n        return func()\n"
    assert len(code) / 4.5 < count_tokens(code) < len(code) / 2


def test_overlapping_hits_of_one_file_merge_into_their_union() -> None:
    hits = [hit("a.py", 10, 20, lines(10, 20), "f", score=0.9),
            hit("a.py", 15, 30, lines(15, 30), "g", score=0.5),
            hit("b.py", 10, 20, lines(10, 20, "b"), "h", score=0.7)]
    snippets = dedupe(hits)
    assert [(s.path, s.start_line, s.end_line, s.symbol) for s in snippets] == [("a.py", 10, 30, "f"),
                                                                              ("b.py", 10, 20, "h")]
    assert snippets[0].text == lines(10, 30)
    assert snippets[0].score == 0.9


def test_adjacent_and_contained_ranges_merge_and_bridging_hits_fold_together() -> None:
    hits = [hit("a.py", 1, 5, lines(1, 5)), hit("a.py", 20, 25, lines(20, 25)),
            hit("a.py", 2, 3, lines(2, 3)),  # contained
            hit("a.py", 6, 19, lines(6, 19))]  # touches both: one snippet 1-25
    snippets = dedupe(hits)
    assert [(s.start_line, s.end_line) for s in snippets] == [(1, 25)]
    assert snippets[0].text == lines(1, 25)


def test_order_is_best_score_first() -> None:
    hits = [hit("a.py", 1, 2, "a", score=0.2), hit("b.py", 1, 2, "b", score=0.9), hit("c.py", 1, 2, "c", score=0.5)]
    context = build_context(hits, budget_tokens=10_000)
    assert [s.path for s in context.sources] == ["b.py", "c.py", "a.py"]


def test_labels_number_path_lines_symbol_and_fence() -> None:
    context = build_context([hit("src/x.py", 3, 4, "def f():\n    pass", "Parser.parse"),
                             hit("web/y.ts", 1, 1, "let a = 1;", "", language="typescript")], budget_tokens=1000)
    assert context.text.startswith(
        "[1] src/x.py:3-4 Parser.parse:\n```python\ndef f():\n    pass\n```")
    assert "[2] web/y.ts:1-1:\n```ts\nlet a = 1;\n```" in context.text
    assert context.sources[0].label() == "src/x.py:3-4 Parser.parse"
    assert context.sources[0].to_json() == {"path": "src/x.py", "start_line": 3, "end_line": 4,
                                            "symbol": "Parser.parse"}


def test_max_per_file_caps_snippets_of_one_file() -> None:
    hits = [hit("a.py", n * 10, n * 10 + 2, lines(n * 10, n * 10 + 2), score=1 - n / 10) for n in range(1, 5)]
    hits.append(hit("b.py", 1, 2, lines(1, 2), score=0.1))
    context = build_context(hits, budget_tokens=10_000, max_per_file=2)
    assert [(s.path, s.start_line) for s in context.sources] == [("a.py", 10), ("a.py", 20), ("b.py", 1)]


def test_budget_is_respected_and_the_last_snippet_is_cut_at_a_line() -> None:
    hits = [hit(f"f{n}.py", 1, 200, lines(1, 200), score=1 - n / 100) for n in range(5)]
    one = count_tokens(build_context(hits[:1], budget_tokens=100_000).text)
    budget = int(one * 1.5)
    context = build_context(hits, budget_tokens=budget)
    assert context.tokens <= budget
    assert count_tokens(context.text) <= budget
    assert [s.path for s in context.sources] == ["f0.py", "f1.py"]
    cut = context.snippets[1]
    assert cut.start_line == 1 and 1 < cut.end_line < 200
    assert cut.text == lines(1, cut.end_line)
    assert f"[2] f1.py:1-{cut.end_line}" in context.text
    assert context.dropped == 3


def test_no_partial_snippet_when_too_little_budget_remains() -> None:
    small = hit("a.py", 1, 1, "x = 1")
    big = hit("b.py", 1, 400, lines(1, 400))
    budget = count_tokens(build_context([small], budget_tokens=1000).text) + MIN_PARTIAL_TOKENS - 20
    context = build_context([small, big], budget_tokens=budget)
    assert [s.path for s in context.sources] == ["a.py"]


def test_empty_hits_give_an_empty_context() -> None:
    context = build_context([], budget_tokens=100)
    assert (context.text, context.sources, context.tokens) == ("", [], 0)
