"""Secret redaction: every planted secret is replaced, line numbers stay, ordinary code is untouched,
and nothing secret reaches the model server in any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeassist.redact import redact, shannon_entropy
from tests.codeassist.conftest import FIXTURES

SECRETS_REPO = FIXTURES / "secrets_repo"

# Every secret planted in the fixture repo, with the kind the redactor should report for it.
PLANTED = {
    "Pg-Fake-Passw0rd-111": "url-credentials",
    "Redis-Fake-Pass-222": "url-credentials",
    "AKIAIOSFODNN7EXAMPLE": "aws-access-key",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "secret-assignment",
    "sk_live_FAKE4eC39HqLyjWDarjtT1zdp7dc": "stripe-key",
    "q8Zr2LmX9vT4bN7cK1pW6yH3": "high-entropy",
    "py-client-secret-fake-777": "secret-assignment",
    "ghp_FAKEa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6": "github-token",
    "gho_FAKEz9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4": "github-token",
    "github_pat_11FAKE0000000_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV0123456": "github-token",
    "glpat-FAKE1234567890abcdEF": "gitlab-token",
    "sk-proj-FAKEabcdefghijklmnopqrstuvwxyz0123456789": "api-key",
    "sk-ant-api03-FAKEabcdefghijklmnopqrstuvwxyz0123456789-AAAA": "api-key",
    "AIzaSyFAKE0123456789abcdefghijklmnopqrs": "google-api-key",
    "MIIEowIBAAKCAQEAfakefakefakeFAKEFAKEFAKE0123456789abcdefghijklmno": "private-key",
    "pqrstuvwxyzFAKEKEYMATERIALfakefakefake0123456789ABCDEFGHIJKLMNOPQ": "private-key",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXVzZXIifQ.FAKEsignatureFAKEsignature0123": "jwt",
    "yaml-Fake-Passw0rd-333": "secret-assignment",
    "https://hooks.slack.com/services/T00FAKE00/B00FAKE00/FAKEfakeFAKEfakeFAKEfake": "slack-webhook",
    "xoxb-123456789012-1234567890123-FAKEfakeFAKEfakeFAKEfake": "slack-token",
    "json-fake-api-key-444": "secret-assignment",
    "Mongo-Fake-Pass-555": "url-credentials",
    "toml-fake-secret-666": "secret-assignment",
    "Sh-Fake-Passw0rd-888": "secret-assignment",
    "sh-fake-token-999": "secret-assignment",
    "ts-fake-token-value-1010": "secret-assignment",
    "Md-Fake-Passw0rd-1212": "url-credentials",
    "md-fake-pass-1313": "secret-assignment",
}


def fixture_files() -> list[Path]:
    return sorted(p for p in SECRETS_REPO.rglob("*") if p.is_file())


def test_every_planted_secret_is_in_the_fixture_repo() -> None:
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in fixture_files())
    for secret in PLANTED:
        assert secret in corpus, secret


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.relative_to(SECRETS_REPO).as_posix())
def test_fixture_file_is_redacted_and_keeps_its_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = redact(text)
    planted_here = {s: kind for s, kind in PLANTED.items() if s in text}
    assert planted_here
    for secret, kind in planted_here.items():
        assert secret not in result.text
        line = text[: text.index(secret)].count("\n") + 1
        if kind == "private-key":
            line = text[: text.index("-----BEGIN")].count("\n") + 1
        assert (kind, line) in result.findings
    assert result.text.count("\n") == text.count("\n")
    assert len(result.text.splitlines()) == len(text.splitlines())


def test_redaction_keeps_surrounding_text() -> None:
    text = 'url = "postgres://billing_app:Pg-Fake-Passw0rd-111@db:5432/app"\nexport API_TOKEN=abc123xyz\n'
    assert redact(text).text == ('url = "postgres://billing_app:[REDACTED:password]@db:5432/app"\n'
                                 "export API_TOKEN=[REDACTED:secret]\n")


def test_private_key_block_keeps_line_numbers_of_what_follows() -> None:
    text = (SECRETS_REPO / "app" / "signing.py").read_text(encoding="utf-8")
    result = redact(text)
    before, after = text.splitlines(), result.text.splitlines()
    assert before.index("def load_key() -> str:") == after.index("def load_key() -> str:")
    assert "-----END RSA PRIVATE KEY-----" not in result.text


@pytest.mark.parametrize(
    "line",
    [
        'password = "Tr0ub4dor&3"',
        "password: correct-horse-battery-42",
        '"secret": "s3cr3t-value"',
        "DB_PASSWD=plainword",
        "passwd = hunter2isnotsafe",
        "connect(host, password='p4ssw0rd!')",
        "api-key: abcd-1234-efgh",
        "auth_token := \"Zm9vYmFyYmF6\"",
        'PRIVATE_KEY = "not-a-pem-but-secret"',
    ],
)
def test_assignment_styles_are_redacted(line: str) -> None:
    result = redact(line)
    assert "[REDACTED:secret]" in result.text, result.text
    assert result.findings == [("secret-assignment", 1)]


@pytest.mark.parametrize(
    "line",
    [
        "password: str",
        "def login(password: str, token=None):",
        "token = get_token()",
        "token = self.token",
        "max_tokens = 128",
        'token = os.environ["TOKEN"]',
        "secret = hashlib.sha256(data).hexdigest()",
        "password = ${DB_PASSWORD}",
        'password = ""',
        "token: Token",
        'const { token } = await response.json();',
        'sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
        'build_id = "123e4567-e89b-12d3-a456-426614174000"',
        'module = "codeassist/indexer/store_migrations_v2.py"',
        "if token == 'x':",
        "task-runner --sk-mode",
    ],
)
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact(line).text == line


@pytest.mark.parametrize("name", ["service.py", "client.ts"])
def test_a_normal_source_file_is_unchanged(name: str) -> None:
    text = (FIXTURES / "clean" / name).read_text(encoding="utf-8")
    result = redact(text)
    assert result.findings == []
    assert result.text == text


def test_codeassist_own_source_is_unchanged() -> None:
    package = Path(__file__).resolve().parents[2] / "codeassist"
    for path in ["settings.py", "context.py", "answer.py", "llm.py", "promptlog.py", "prompting.py"]:
        text = (package / path).read_text(encoding="utf-8")
        assert redact(text).text == text, path


def test_high_entropy_needs_entropy_length_and_mixed_characters() -> None:
    assert shannon_entropy("aaaa") == 0.0
    assert redact('salt = "q8Zr2LmX9vT4bN7cK1pW6yH3"').findings == [("high-entropy", 1)]
    assert redact('name = "aaaaaaaaaaaaaaaaaaaaaaaaa1"').findings == []  # long but low entropy
    assert redact('label = "ThisIsAVeryLongClassName"').findings == []  # no digits: an identifier
    assert redact('salt = "q8Zr2LmX9v"').findings == []  # too short


def test_a_megabyte_of_keyword_dense_code_is_left_unchanged() -> None:
    # Throughput is measured by bench/secrets.py (MB/s against the reference redactor), not asserted here.
    text = (FIXTURES / "clean" / "service.py").read_text(encoding="utf-8")
    big = text * (1_000_000 // len(text))  # keyword-dense: a worst case for the assignment rule
    result = redact(big)
    assert result.text == big
    assert result.findings == []
