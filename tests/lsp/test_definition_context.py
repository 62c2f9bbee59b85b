"""Definition-aware completion context over the real server: the FIM prompt the fake model server
receives holds the definition of what the user is calling (issue 12), in Python, TypeScript and Go."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lsp.conftest import end_of, inline_params, open_document, options, start
from tests.lsp.definition_fixtures import GO, PYTHON, TYPESCRIPT, write_repo

# The first model call imports the HTTP client; on a loaded machine that can pass the default deadline,
# and a missed deadline means no request to assert on.
SLOW_MACHINE_DEADLINE_MS = 20000
pytestmark = pytest.mark.asyncio

CASES = {
    # name: (files, file with the cursor, language, text typed after the file's end, header expected)
    "python-start-of-line": (PYTHON, "app/jobs.py", "python", "", "def make_s3_client(region: str"),
    "python-after-paren": (PYTHON, "app/jobs.py", "python", "make_s3_client(", "def make_s3_client(region: str"),
    "typescript-start-of-line": (TYPESCRIPT, "src/cart.ts", "typescript", "",
                                 "export function formatPrice(cents: number"),
    "typescript-after-paren": (TYPESCRIPT, "src/cart.ts", "typescript", "formatPrice(",
                               "export function formatPrice(cents: number"),
    "go-package-member-after-paren": (GO, "cart/cart.go", "go", "money.Format(", "func Format(cents int64"),
    "go-same-package-after-paren": (GO, "cart/cart.go", "go", "sumLines(", "func sumLines(lines []Line)"),
}


async def completion_prompt(client, fake_openai, root: Path, rel: str, language: str, typed: str) -> str:
    await start(client, root, options(fake_openai.base_url, deadline_ms=SLOW_MACHINE_DEADLINE_MS))
    text = (root / rel).read_text() + typed
    uri = open_document(client, root / rel, text, language)
    await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    [sent] = fake_openai.requests_of("completions")
    return sent.json["prompt"]


@pytest.mark.parametrize("case", list(CASES))
async def test_prompt_holds_the_definition_of_the_imported_callee(client, fake_openai, tmp_path, case):
    files, rel, language, typed, header = CASES[case]
    root = write_repo(tmp_path / "repo", files)
    prompt = await completion_prompt(client, fake_openai, root, rel, language, typed)
    assert header in prompt


async def test_member_access_brings_the_annotated_type(client, fake_openai, tmp_path):
    files = dict(PYTHON)
    files["app/jobs.py"] = files["app/jobs.py"].replace("def publish(report):\n    uploader = ",
                                                        "def publish(report, store: S3Client):\n    store.")
    root = write_repo(tmp_path / "repo", files)
    prompt = await completion_prompt(client, fake_openai, root, "app/jobs.py", "python", "")
    assert "class S3Client:" in prompt
    assert "def upload_object(self, bucket: str, key: str, body: bytes) -> str:" in prompt


async def test_unresolvable_and_star_imports_still_complete(client, fake_openai, tmp_path):
    files = dict(PYTHON)
    files["app/jobs.py"] = ("from nowhere.missing import ghost\nfrom pkg.settings import *\nimport app.jobs\n\n"
                            "def publish(report):\n    uploader = ghost(")
    root = write_repo(tmp_path / "repo", files)
    prompt = await completion_prompt(client, fake_openai, root, "app/jobs.py", "python", "")
    assert prompt.rstrip().endswith("<|fim_middle|>")
    assert "uploader = ghost(" in prompt
