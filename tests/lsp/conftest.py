"""The real server over stdio (pytest-lsp), a copy of the fixture repository, and helpers to start a
session pointed at the fake OpenAI server and wait until the workspace index is searchable."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from codeassist.lsp import protocol
from codeassist.lsp.chat import to_plain

FIXTURES = Path(__file__).parent / "fixtures"
QWEN = "qwen2.5-coder:1.5b"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repo", target)
    return target


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "codeassist.lsp.server"]))
async def client(lsp_client: LanguageClient):
    lsp_client.deltas = []
    lsp_client.statuses = []
    lsp_client.applied_edits = []

    @lsp_client.feature(protocol.ANSWER_DELTA)
    def on_delta(params: Any) -> None:
        lsp_client.deltas.append(params)

    @lsp_client.feature(protocol.STATUS_CHANGED)
    def on_status(params: Any) -> None:
        lsp_client.statuses.append(params)

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied_edits.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    yield
    await lsp_client.shutdown_session()


def options(base_url: str | None, *, model: str = QWEN, chat_model: str = "fake-chat", debounce_ms: int = 10,
            deadline_ms: int = 3000, **lsp: Any) -> dict:
    opts: dict[str, Any] = {"lsp": {"embed": False, **lsp}}
    if base_url:
        opts["completion"] = {"baseUrl": base_url, "model": model, "debounceMs": debounce_ms,
                              "deadlineMs": deadline_ms, "apiKey": "test-key"}
        opts["chat"] = {"baseUrl": base_url, "model": chat_model, "apiKey": "test-key"}
    else:
        opts["completion"] = {"debounceMs": debounce_ms, "deadlineMs": deadline_ms}
    return opts


async def start(client: LanguageClient, root: Path, init_options: dict, *, wait_index: bool = True,
                inline: bool = True) -> types.InitializeResult:
    text_document = types.TextDocumentClientCapabilities(
        inline_completion=types.InlineCompletionClientCapabilities() if inline else None,
        code_action=types.CodeActionClientCapabilities(
            resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])),
    )
    capabilities = types.ClientCapabilities(
        text_document=text_document,
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(apply_edit=True),
    )
    result = await client.initialize_session(types.InitializeParams(
        capabilities=capabilities, root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=init_options,
    ))
    if wait_index:
        await wait_for_index(client)
    return result


async def request(client: LanguageClient, method: str, params: Any, msg_id: str | None = None) -> Any:
    """A custom request; the result as plain JSON data (pygls gives namedtuples)."""
    return to_plain(await client.protocol.send_request_async(method, params, msg_id=msg_id))


async def status(client: LanguageClient) -> dict:
    return await request(client, protocol.STATUS, {})


async def wait_for_index(client: LanguageClient, timeout: float = 30.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            current = await status(client)
            if current["indexState"] in ("lexical", "ready") and current["chunks"] > 0:
                return current
            await asyncio.sleep(0.05)


def open_document(client: LanguageClient, path: Path, text: str | None = None, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=path.read_text() if text is None else text)))
    return uri


def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )


def end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1])
