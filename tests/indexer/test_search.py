"""Searching an index through the Python API: ranking, code-aware tokens, filters, bad queries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from codeassist.indexer import open_index
from codeassist.indexer.errors import CodeassistError
from codeassist.indexer.model import Hit
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.search import dedupe_and_cap, reciprocal_rank_fusion
from tests.indexer.conftest import write


@pytest.fixture
def index(repo: Path, tmp_path: Path):
    write(repo, "web/client.ts", '''
        // Fetch a user profile from the REST API with retries.
        export async function fetchUserProfile(id: string): Promise<Profile> {
          return withRetries(() => http.get(`/users/${id}`));
        }
        ''')
    index_repository(repo, tmp_path / "idx", embed=False)
    with open_index(repo, tmp_path / "idx") as opened:
        yield opened


def test_camel_case_symbol_matches_plain_words(index) -> None:
    hits = index.search("parse http header", k=3)
    assert hits[0].path == "app/http.py" and hits[0].symbol == "parseHTTPHeader"
    assert hits[0].start_line == 2  # the leading comment belongs to the function
    assert "Split on the first colon" in hits[0].text


def test_snake_and_camel_queries_find_the_same_code(index) -> None:
    assert index.search("fetch_user_profile", k=1)[0].symbol == "fetchUserProfile"
    assert index.search("fetchUserProfile", k=1)[0].path == "web/client.ts"


def test_symbol_match_ranks_above_body_match(index) -> None:
    # "backoff" is the method's name; "attempts" only appears in a body.
    hits = index.search("backoff", k=5)
    assert hits[0].symbol == "RetryPolicy.backoff"


def test_hits_carry_everything_a_client_shows(index) -> None:
    hit = index.search("database connection pool", k=1)[0]
    assert (hit.path, hit.language, hit.kind, hit.symbol) == ("app/db.go", "go", "function", "Open")
    assert hit.start_line < hit.end_line and hit.score > 0 and "newPool" in hit.text
    assert hit.sources == ["lexical"]
    assert set(hit.to_json()) >= {"path", "start_line", "end_line", "symbol", "kind", "language", "score", "text"}


def test_filters_by_language_path_and_kind(index) -> None:
    assert {h.language for h in index.search("retries request", k=10, lang="typescript")} == {"typescript"}
    assert {h.path for h in index.search("retries request", k=10, path="app/**")} <= {"app/http.py", "app/db.go"}
    assert all(h.kind == "method" for h in index.search("backoff attempt", k=10, kind="method"))
    assert index.search("retries", k=10, path="nothing/matches/**") == []


def test_lexical_only_search_reports_missing_dense_coverage(index) -> None:
    hits = index.search("retry", k=5)
    assert hits.coverage.dense is False
    assert "no embeddings" in hits.coverage.reason


@pytest.mark.parametrize(
    "query",
    ['"', '*', "NEAR", "AND OR NOT", '"unbalanced', "(((", "a:b", "^", "NEAR(a b, 3)", "-", "{}", "\\"],
)
def test_fts_operator_queries_never_error(index, query: str) -> None:
    hits = index.search(query, k=5)
    assert isinstance(hits, list)  # no sqlite3.OperationalError leaks out


def test_empty_huge_and_non_ascii_queries(index) -> None:
    assert index.search("", k=5) == []
    assert index.search("   \n\t", k=5) == []
    big = ("parse header line colon " * 5000)[:100_000]
    assert index.search(big, k=3)[0].symbol == "parseHTTPHeader"
    assert isinstance(index.search("разбор заголовка ヘッダー 🚀", k=3), list)


def test_k_edge_cases(index) -> None:
    assert index.search("retry", k=0) == []
    assert index.search("retry", k=-5) == []
    many = index.search("retry request header pool profile", k=10**9)
    assert 0 < len(many) <= 1000


def test_unknown_mode_is_a_clear_error(index) -> None:
    with pytest.raises(CodeassistError, match="Unknown search mode"):
        index.search("x", mode="fuzzy")


def test_search_while_the_index_is_being_written(repo: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_repository(repo, idx, embed=False)
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            for i in range(40):
                write(repo, f"gen/mod{i}.py", f"def generated_{i}():\n    return {i}\n")
                index_repository(repo, idx, embed=False)
        except BaseException as err:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(err)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    with open_index(repo, idx) as index:
        searches = 0
        while not stop.is_set():
            assert index.search("parse http header", k=1)[0].symbol == "parseHTTPHeader"
            searches += 1
            time.sleep(0.002)
        thread.join()
        assert not errors and searches > 0
        assert index.search("generated_39", k=1)[0].path == "gen/mod39.py"  # sees the newest data


def test_rrf_fuses_and_dedupe_keeps_best_of_overlaps() -> None:
    fused = reciprocal_rank_fusion({"lexical": [1, 2, 3], "dense": [3, 4]})
    assert [i for i, _, _ in fused][:2] == [3, 1]  # found by both lists beats the top of one
    assert fused[0][2] == ["lexical", "dense"]

    def hit(path: str, start: int, end: int) -> Hit:
        return Hit(path, start, end, "", "function", "python", 1.0, "")

    kept = dedupe_and_cap([hit("a", 1, 10), hit("a", 5, 12), hit("a", 20, 30), hit("a", 40, 50), hit("b", 1, 2)],
                          k=10, max_per_file=2)
    assert [(h.path, h.start_line) for h in kept] == [("a", 1), ("a", 20), ("b", 1)]
