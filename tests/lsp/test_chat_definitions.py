"""Chat side of issue 12: ask and explain expand their best hits / the selection with the definitions
of the symbols they use (one hop), asserted on the request the fake model server received."""

from __future__ import annotations

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from tests.lsp.conftest import options, request, start
from tests.lsp.definition_fixtures import PYTHON, write_repo

pytestmark = pytest.mark.asyncio

DEFINITION = 'def make_s3_client(region: str, *, retries: int = 3) -> "S3Client":'


async def test_explain_brings_the_definitions_the_selection_calls(client, fake_openai, tmp_path):
    root = write_repo(tmp_path / "repo", PYTHON)
    await start(client, root, options(fake_openai.base_url))
    uri = (root / "app" / "report_1.py").as_uri()
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=protocol.CMD_EXPLAIN, arguments=[{"textDocument": {"uri": uri}, "range": {
            "start": {"line": 3, "character": 0}, "end": {"line": 8, "character": 0}}}]))
    sent = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert "def publish_report_1_0(report, store: S3Client):" in sent  # the selection
    assert DEFINITION in sent and "return S3Client(region, retries)" in sent  # what it calls
    assert "class S3Client:" in sent  # what it names as a type


async def test_ask_expands_the_best_hits_with_their_definitions(client, fake_openai, tmp_path):
    root = write_repo(tmp_path / "repo", PYTHON)
    await start(client, root, options(fake_openai.base_url))
    await request(client, protocol.ASK, {"question": "how does publish_report upload a report with the uploader?",
                                         "conversationId": "d1"})
    sent = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert "def publish_report_" in sent
    assert DEFINITION in sent
