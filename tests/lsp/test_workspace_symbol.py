"""workspace/symbol over stdio against the real server: answered from the index's symbol graph,
fuzzy and camelCase-aware, with the definition's file, lines, kind and owner."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.lsp.conftest import options, start

pytestmark = pytest.mark.asyncio


async def test_workspace_symbol_finds_definitions_fuzzily(client, repo):
    result = await start(client, repo, options(None))
    assert result.capabilities.workspace_symbol_provider
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="fetchOrd"))
    assert [(s.name, s.kind, s.location.uri, s.location.range.start.line) for s in found][:1] == [
        ("fetchOrder", types.SymbolKind.Function, (repo / "web/client.ts").as_uri(), 5)]
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="pwt"))  # price_with_tax
    assert [s.name for s in found][:1] == ["price_with_tax"]
    assert found[0].location.range == types.Range(start=types.Position(line=10, character=0),
                                                  end=types.Position(line=13, character=0))


async def test_workspace_symbol_names_the_owner_and_gives_nothing_for_no_match(client, repo):
    await start(client, repo, options(None))
    (tax,) = [s for s in await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="TAX_RATE"))
              if s.name == "TAX_RATE"]
    assert tax.kind == types.SymbolKind.Constant and tax.container_name is None
    assert await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="zzqqxx")) == []


async def test_workspace_symbol_before_any_index_is_empty_not_an_error(client, repo):
    await start(client, repo, options(None, indexOnStart=False), wait_index=False)
    assert await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="fetch")) == []


async def test_workspace_symbol_methods_carry_their_class(client, repo):
    await start(client, repo, options(None))
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="total"))
    assert [(s.name, s.kind, s.container_name) for s in found if s.location.uri.endswith("cart.py")] == [
        ("total", types.SymbolKind.Method, "Cart")]
