"""Ranking a user notices: stemmed words match, source before tests, an exact symbol stays on top,
bad queries give results or nothing (never an error)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from codeassist.indexer import open_index
from codeassist.indexer.lexical import query_terms
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.ranking import RankingOptions, file_role, fuse, query_shape
from tests.indexer.conftest import write
from tests.indexer.hash_embedder import HashEmbedder


@pytest.fixture
def ranked_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "src/client.py", '''
        class Client:
            def send_request(self, url):
                return self.transport.handle(url)

            def retry(self, request, attempts=3):
                for _ in range(attempts):
                    if self.send_request(request.url):
                        return True
                return False
        ''')
    write(root, "tests/test_client.py", '''
        def test_send_request_sends_request():
            # send request, send request again: the request is sent
            client = Client()
            assert client.send_request("send request") == client.send_request("request")
        ''')
    write(root, "docs/usage.md", "# Sending a request\n\nCall send_request to send a request.\n")
    # Many chunks that talk about parsing headers, and one function that *is* parse_header.
    for n in range(12):
        write(root, f"src/headers_{n}.py", f'''
            def handle_{n}(raw):
                # parse the header, parse it again: header parsing for header values
                header = parse(raw) or parse(raw.header)
                return header
            ''')
    write(root, "src/wire.py", '''
        def parse_header(line):
            name, _, value = line.partition(":")
            return name, value
        ''')
    return root


@pytest.fixture(params=["lexical", "hybrid"])
def index(request, ranked_repo: Path, tmp_path: Path):
    embed = request.param == "hybrid"
    embedder = HashEmbedder() if embed else None
    index_repository(ranked_repo, tmp_path / "idx", embed=embed, embedder=embedder)
    with open_index(ranked_repo, tmp_path / "idx", embedder=embedder) as opened:
        opened.mode = request.param
        yield opened


def search(index, query: str, **kwargs):
    return index.search(query, k=10, mode=index.mode, **kwargs)


@pytest.mark.parametrize(("word", "other"), [("retries", "retry"), ("sending", "send"), ("requests", "request")])
def test_stemming_matches_other_forms_of_a_word(word: str, other: str) -> None:
    assert query_terms(word) == query_terms(other)


def test_a_plural_query_finds_the_singular_symbol(index) -> None:
    hits = search(index, "retries")
    assert hits and hits[0].symbol == "Client.retry"


def test_tests_and_docs_rank_below_source_unless_asked(index) -> None:
    # The test and the doc say "send request" more often than the source does.
    def rank_of_test(hits) -> int:
        return [h.path for h in hits].index("tests/test_client.py")

    hits = search(index, "send request")
    assert hits[0].path == "src/client.py"
    asked = search(index, "send request", include_tests=True)
    named = search(index, "tests that send a request")
    assert rank_of_test(asked) < rank_of_test(hits) and rank_of_test(named) < rank_of_test(hits)
    if index.mode == "lexical":  # (the test embedder's vectors are noise: only BM25 is predictable)
        assert asked[0].path == named[0].path == "tests/test_client.py"


def test_exclude_globs_leave_files_out(index) -> None:
    paths = {h.path for h in search(index, "send request", exclude=["tests/**", "*.md"])}
    assert paths and not any(p.startswith("tests/") or p.endswith(".md") for p in paths)


@pytest.mark.parametrize("query", ["parse_header", "parseHeader", "wire.parse_header", "parse_header()"])
def test_an_exact_symbol_is_never_pushed_out_of_the_top_3(index, query: str) -> None:
    top = [h.symbol for h in search(index, query)[:3]]
    assert "parse_header" in top


@pytest.mark.parametrize("query", [
    "the and of is", "?!.,;:()[]{}", "x" * 10_000, "how do I parse a header " * 500, "Ünïcödé 请求 ヘッダー",
    "$scope.apply", "#runHooks", "std::vector", "a$b#c::d", "'\"", "NEAR(a b)", "header*", "-", "AND OR NOT",
])
def test_odd_queries_give_results_or_nothing_never_an_error(index, query: str) -> None:
    hits = search(index, query)
    assert isinstance(hits, list) and len(hits) <= 10


@pytest.mark.parametrize(("path", "role"), [
    ("src/app.py", "source"), ("tests/test_app.py", "test"), ("pkg/app_test.go", "test"),
    ("web/app.spec.ts", "test"), ("testdata/in.go", "test"), ("docs/guide.rst", "docs"), ("README.md", "docs"),
    ("examples/hello.py", "example"), ("api/v1/user.pb.go", "generated"), ("types/index.d.ts", "declaration"),
])
def test_file_roles(path: str, role: str) -> None:
    assert file_role(path) == role


def test_identifier_queries_are_told_from_questions() -> None:
    assert query_shape("Client.send").identifier_like and query_shape("Client.send").names == {"send"}
    assert not query_shape("how are retries configured").identifier_like
    assert query_shape("tests for the parser").wanted_roles == {"test"}


def test_source_deep_in_the_lexical_list_still_beats_a_crowd_of_tests(tmp_path: Path) -> None:
    """80 tests say the query's words more often than the one source function that does it: BM25 puts
    the source below all of them. The candidate lists are deep enough (`RankingOptions.candidates`)
    for the source to be fused and ranked at all, and then the file-role prior puts it first."""
    root = tmp_path / "repo"
    for n in range(80):
        write(root, f"tests/test_case_{n}.py", f'''
            def test_case_{n}():
                # parse the config file, then parse the config file again
                assert run({n})
            ''')
    write(root, "src/options.py", '''
        def read_options(path):
            # parse the config file
            return load(path)
        ''')
    index_repository(root, tmp_path / "idx", embed=False)
    with open_index(root, tmp_path / "idx") as index:
        hits = index.search("parse the config file", k=10, mode="lexical")
        assert hits[0].symbol == "read_options"
        index.ranking = replace(index.ranking, candidates=50)  # the depth before issue 13's second round
        assert "read_options" not in [h.symbol for h in index.search("parse the config file", k=10, mode="lexical")]


def test_query_words_embeds_the_query_as_the_chunks_are_embedded(ranked_repo: Path, tmp_path: Path) -> None:
    """`RankingOptions.query_words`: the dense query is the word view of the query (identifiers split),
    the form chunks are embedded in; off by default (see RankingOptions)."""
    embedder = HashEmbedder()
    index_repository(ranked_repo, tmp_path / "idx", embedder=embedder)
    with open_index(ranked_repo, tmp_path / "idx", embedder=embedder) as index:
        index.search("where is parseHTTPHeader called", k=5, mode="dense")
        assert embedder.embedded[-1] == "where is parseHTTPHeader called"
        index.ranking = replace(index.ranking, query_words=True)
        index.search("where is parseHTTPHeader called", k=5, mode="dense")
        assert embedder.embedded[-1] == "where is parse HTTP Header called"


def test_a_hit_standing_far_above_its_list_beats_one_barely_first_in_the_other() -> None:
    """Distribution-based normalisation: the dense list's first hit is far above the other candidates, the
    lexical list's first hit is barely ahead of a crowd. Scaling each list to its best (the default) puts
    both at 1 and the heavier lexical weight decides; with the distribution scale the standout wins."""
    lexical = [(1, 5.2)] + [(100 + i, 5.1 - i * 2.1 / 59) for i in range(60)]
    dense = [(2, 0.80)] + [(300 + i, 0.45 - i * 0.15 / 59) for i in range(60)]
    shape = query_shape("how are retries configured")
    scores, _ = fuse(lexical, dense, shape, RankingOptions(normalisation="distribution"))
    assert max(scores, key=scores.get) == 2
    before, _ = fuse(lexical, dense, shape, RankingOptions(normalisation="ratio-minmax"))
    assert max(before, key=before.get) == 1
