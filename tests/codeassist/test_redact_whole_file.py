"""Whole-file redaction (issue 16, item 10): a chunk, range or prefix cut from a file is redacted as the
whole file shows it, so a cut from inside a key block, a cursor inside a token, or a value only the rest
of the line explains never leaves the machine. One test per leaking kind, through every cut shape."""

from __future__ import annotations

import pytest

from codeassist.redact import redact
from codeassist.redact_file import EmbeddingRedactor, SourceFiles, redact_excerpt, redact_lines, redact_slice
from codeassist.redact_rules import key_block_spans
from tests.codeassist.redact_cases import CASES, Case, write_repo

BY_KIND = pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)


def _lines(text: str) -> list[str]:
    return text.split("\n")


@BY_KIND
def test_whole_file_is_redacted_and_keeps_its_lines(case: Case) -> None:
    result = redact(case.text)
    assert case.leaked(result.text) == []
    assert result.text.count("\n") == case.text.count("\n")
    assert result.findings, "the planted secret is reported"


@BY_KIND
def test_every_line_range_is_the_same_lines_of_the_redacted_file(case: Case) -> None:
    whole = _lines(redact(case.text).text)
    count = len(_lines(case.text))
    for start in range(1, count + 1):
        for end in range(start, min(count, start + 30) + 1):
            cut = redact_lines(case.text, start, end)
            assert case.leaked(cut) == [], (start, end)
            # Line for line the redacted file's; a cut starting inside a key block names it on its first line.
            for got, want in zip(_lines(cut), whole[start - 1:end], strict=True):
                assert got in (want, "[REDACTED:private-key]" + want), (start, end)


@BY_KIND
def test_a_cursor_anywhere_on_the_secret_line_leaks_no_piece_of_it(case: Case) -> None:
    offset = sum(len(line) + 1 for line in _lines(case.text)[:case.inside])
    line = _lines(case.text)[case.inside]
    for column in range(len(line) + 1):
        cursor = offset + column
        prefix = redact_slice(case.text, max(0, cursor - 400), cursor)
        suffix = redact_slice(case.text, cursor, cursor + 400)
        for value in case.values:
            pieces = {value[i:i + 8] for i in range(0, len(value) - 7)}
            assert not any(p in prefix or p in suffix for p in pieces), column
        assert prefix.count("\n") == case.text[max(0, cursor - 400):cursor].count("\n")
        assert suffix.count("\n") == case.text[cursor:cursor + 400].count("\n")


@pytest.mark.parametrize("case", [c for c in CASES if "key" in c.kind and len(c.values) > 1], ids=lambda c: c.kind)
def test_a_cut_from_inside_a_key_block_is_redacted_even_without_the_file(case: Case) -> None:
    lines = _lines(case.text)
    for start in range(len(lines)):
        for end in range(start + 1, len(lines) + 1):
            cut = "\n".join(lines[start:end])
            assert case.leaked(redact(cut).text) == [], (start, end)


def test_a_key_block_is_recognised_from_either_end() -> None:
    body = ["MIIEowIBAAKCAQEA7Zq3XvM2kQp9Lw8Rt5Ny", "Uu4Jd0Fh6Gs1Ka9Pb2Vc7Xe3Wm8Yn5Lr0Tq4Zo", "Qx2=="]
    whole = "x = 1\n-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END EC PRIVATE KEY-----\ny = 2\n"
    only_end = "\n".join(body[1:]) + "\n-----END EC PRIVATE KEY-----\ny = 2\n"
    only_begin = "x = 1\n-----BEGIN EC PRIVATE KEY-----\n" + body[0]
    assert [whole[s:e].count("\n") for s, e in key_block_spans(whole)] == [4]
    assert redact(only_end).text == "[REDACTED:private-key]\n\n\ny = 2\n"
    assert redact(only_begin).text == "x = 1\n[REDACTED:private-key]\n"


def test_source_files_prefer_the_open_buffer_and_fall_back_to_disk(tmp_path) -> None:
    root = write_repo(tmp_path / "repo")
    case = next(c for c in CASES if c.kind == "rsa_key_longer_than_a_chunk")
    lines = _lines(case.text)
    chunk = "\n".join(lines[43:47])  # the second chunk: key lines and END, no BEGIN
    files = SourceFiles(root)
    assert case.leaked(files.redact(chunk, case.path, 44)) == []
    assert files.redact(chunk, case.path, 44).count("\n") == chunk.count("\n")
    # An unsaved editor buffer is tried before the file on disk.
    buffer = case.text.replace("def verify_0", "def verify_first")
    edited = SourceFiles(root, open_text=lambda path: buffer if path == case.path else None)
    assert edited.candidates(case.path) == [buffer, case.text]


def test_an_excerpt_that_is_no_longer_in_the_file_is_redacted_alone() -> None:
    case = next(c for c in CASES if c.kind == "env_line_neutral_name")
    stale = _lines(case.text)[case.inside] + "\nexec worker"
    assert case.leaked(redact_excerpt(stale, ["print('the file changed')\n"], 4)) == []


def test_embedding_text_is_redacted_with_its_file(tmp_path) -> None:
    root = write_repo(tmp_path / "repo")
    case = next(c for c in CASES if c.kind == "rsa_key_longer_than_a_chunk")
    second_chunk = "\n".join(_lines(case.text)[43:47])
    sent = EmbeddingRedactor(root)(f"{case.path} (module)\n{second_chunk}")
    assert sent.startswith(f"{case.path} (module)\n[REDACTED:private-key]")
    assert case.leaked(sent) == []


@pytest.mark.parametrize("line", [
    'integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"',
    "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
    'checksum = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"',
    "COMMIT_SHA=4f9d2c1b8e7a6f5d4c3b2a1908f7e6d5c4b3a291",
    'ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"',
    "func TestContextRenderRedirectWith201(t *testing.T) {",
    "\t\tcompCmd = ShellCompNoDescRequestCmd",
    "-----BEGIN CERTIFICATE-----\nMIIC9DCCAdygAwIBAgIQUNSK+OxWHYYFxHVJV0IlpDANBgkqhkiG9w0BAQsFADAS\n-----END CERTIFICATE-----",
    'request_id = "123e4567-e89b-12d3-a456-426614174000"',
])
def test_digests_ids_identifiers_and_certificates_are_not_secrets(line: str) -> None:
    assert redact(line).text == line
