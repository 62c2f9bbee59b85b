"""Context assembly without the server: retrieval excludes the cursor's own chunk and what the prompt
already shows, open documents contribute their most similar window, snippets are deduped and budgeted;
the offline fallback continues the most similar indexed window."""

from __future__ import annotations

from codeassist.indexer.model import Hit
from codeassist.lsp.completion import (
    SNIPPET_BUDGET_CHARS,
    CompletionOptions,
    CompletionRequest,
    assemble_context,
)
from codeassist.lsp.cursor_context import extract_cursor_context
from codeassist.lsp.fallback import fallback_completion
from codeassist.lsp.neighbors import NeighborIndex, jaccard, token_set, windows_of

RESTOCK = ("def restock_warehouse(stock, sku, amount):\n    current_level = stock.get(sku, 0)\n"
           "    stock[sku] = current_level + amount\n    return stock[sku]")


class RecordingSearcher:
    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.calls: list[dict] = []

    def search(self, query, k=10, **kwargs):
        self.calls.append({"query": query, "k": k, **kwargs})
        return list(self.hits)


def hit(path: str, start: int, text: str) -> Hit:
    return Hit(path, start, start + text.count("\n"), "", "function", "python", 1.0, text)


def test_retrieval_query_and_exclusions():
    text = "import os\n\n\ndef receive(stock, sku, amount):\n    # add delivered units to the stock\n    "
    searcher = RecordingSearcher([hit("shop/inventory.py", 4, RESTOCK), hit("shop/orders.py", 4, "x = 1")])
    request = CompletionRequest("file:///r/shop/orders.py", "shop/orders.py", text, 5, 4, "python")
    assembled = assemble_context(request, options=CompletionOptions(model="qwen2.5-coder"), searcher=searcher)
    [call] = searcher.calls
    # Comments as intent, compacted to telling words (keywords and short words dropped).
    assert call["query"] == "add delivered units stock receive sku amount"
    assert call["mode"] == "lexical"
    assert ("shop/orders.py", 1, 6) in assembled.exclude  # everything the prompt already shows
    assert ("shop/orders.py", 4, 5) in assembled.exclude  # the cursor's own function (its lines so far)
    assert [s.path for s in assembled.snippets] == ["shop/inventory.py"]  # the cursor's own chunk left out
    assert "# Reference code from shop/inventory.py (lines 4-7)" in assembled.prompt.prompt
    assert assembled.prompt.prompt.startswith("<|fim_prefix|>")


def test_compact_query_keeps_the_rarest_words_within_a_postings_budget():
    from codeassist.lsp.term_stats import compact_query, rarest_terms

    class Stats:
        def document_frequencies(self, terms):
            return {"openai": 80_000, "client": 3000, "calendar": 80, "hours": 191, "nothing": 0}

    # openai alone is in more chunks than the budget allows; client still fits after the two rare words
    assert compact_query("client = openai.client()\nhours = calendar.hours", term_stats=Stats()) == \
        "hours calendar client"
    assert rarest_terms(["a", "b", "c"], {"a": 5, "b": 1, "c": 3}, keep=2) == ["b", "c"]
    assert rarest_terms(["a", "b"], {}, keep=1) == ["a"]


def test_open_documents_add_their_most_similar_window_and_duplicates_are_dropped():
    other = "\n".join(["# filler"] * 30 + ["def restock(stock, sku, amount):", "    stock[sku] += amount"])
    text = "def refill(stock, sku, amount):\n    "
    request = CompletionRequest("file:///r/a.py", "a.py", text, 1, 4, "python")
    searcher = RecordingSearcher([hit("shop/inventory.py", 4, RESTOCK), hit("shop/inventory.py", 5, "x")])
    assembled = assemble_context(request, options=CompletionOptions(model="qwen"), searcher=searcher,
                                 neighbors=NeighborIndex(),
                                 open_documents=[("file:///r/b.py", "b.py", 1, other),
                                                 ("file:///r/a.py", "a.py", 1, text)])
    sources = [(s.source, s.path) for s in assembled.snippets]
    assert sources == [("open", "b.py"), ("index", "shop/inventory.py")]  # best (index) nearest the cursor
    assert assembled.snippets[0].start_line == 21  # the window holding `def restock`


def test_snippets_are_budgeted():
    big = "\n".join(f"value_{i} = compute_{i}(stock)" for i in range(200))
    searcher = RecordingSearcher([hit(f"m{i}.py", 1, big) for i in range(5)])
    request = CompletionRequest("file:///r/a.py", "a.py", "stock = load()\nvalue = ", 1, 8, "python")
    assembled = assemble_context(request, options=CompletionOptions(model="qwen"), searcher=searcher)
    assert 1 <= len(assembled.snippets) <= 3
    assert sum(len(s.text) for s in assembled.snippets) <= SNIPPET_BUDGET_CHARS


def test_jaccard_windows():
    assert jaccard(token_set("a b c"), token_set("a b d")) == 0.5
    wins = windows_of("\n".join(str(i) for i in range(45)))
    assert [(w.start_line, w.end_line) for w in wins] == [(1, 20), (11, 30), (21, 40), (31, 45)]


def test_fallback_continues_the_most_similar_window():
    searcher = RecordingSearcher([hit("shop/inventory.py", 4, RESTOCK)])
    text = "def refill(stock, sku, amount):\n    current_level = stock.get(sku, 0)\n    "
    ctx = extract_cursor_context(text, 2, 4, language="python")
    assert fallback_completion(ctx, searcher) == "stock[sku] = current_level + amount"
    assert searcher.calls[0]["mode"] == "lexical"
    mid = extract_cursor_context(text + "stock[sku] = ", 2, 17, language="python")
    assert fallback_completion(mid, searcher) == "current_level + amount"


def test_fallback_reads_past_the_end_of_the_chunk_and_stops_at_the_block_end():
    head = "def restock_warehouse(stock, sku, amount):\n    current_level = stock.get(sku, 0)"
    file_text = RESTOCK + "\n\n\ndef other():\n    pass\n"
    searcher = RecordingSearcher([hit("shop/inventory.py", 1, head)])
    text = "def refill(stock, sku, amount):\n    current_level = stock.get(sku, 0)\n    "
    ctx = extract_cursor_context(text, 2, 4, language="python")
    assert fallback_completion(ctx, searcher, read_file=lambda path: file_text) == \
        "stock[sku] = current_level + amount"
    after_return = extract_cursor_context("def f(stock, sku):\n    return stock[sku]\n", 2, 0, language="python")
    assert fallback_completion(after_return, RecordingSearcher([hit("shop/inventory.py", 1, RESTOCK)])) == ""


def test_fallback_without_index_or_match_is_empty():
    ctx = extract_cursor_context("zzz = ", 0, 6, language="python")
    assert fallback_completion(ctx, None) == ""
    assert fallback_completion(ctx, RecordingSearcher([hit("a.py", 1, "unrelated = 1")])) == ""


def test_term_stats_read_document_frequencies_from_a_real_index(tmp_path):
    import shutil

    from codeassist.indexer.pipeline import index_repository
    from codeassist.lsp.term_stats import TermStats
    from tests.lsp.conftest import FIXTURES

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repo", repo)
    index_repository(repo, tmp_path / "index", embed=False)
    from codeassist.indexer import open_index

    with open_index(repo, tmp_path / "index") as index:
        frequencies = TermStats(index).document_frequencies(["sku", "warehouse", "zeppelin"])
    assert frequencies["zeppelin"] == 0
    assert frequencies["sku"] >= 2 and 1 <= frequencies["warehouse"] <= frequencies["sku"]
