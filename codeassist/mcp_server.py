"""`codeassist mcp`: the index served to coding agents over the Model Context Protocol (stdio), built on
the official `mcp` SDK (`MCPServer`). The only module that imports `mcp`; the tools themselves are
`codeassist.agent_tools.AgentTools`.

Each tool answers with a short text rendering (for agents that read only text) and the same result as
structured JSON. Bad arguments (a path outside the root, an empty query, a missing index) come back as a
tool error (`isError: true`) whose text says how to fix the call; the server carries on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

from codeassist import __version__
from codeassist.agent_tools import AgentTools, ToolResult
from codeassist.errors import CodeassistError

SERVER_NAME = "codeassist"
INSTRUCTIONS = (
    "Code search and navigation over a local index of this repository. Start with search_code for "
    "questions ('where are retries configured'), find_definition / find_references for names, "
    "file_outline to see a file's structure and read_code to read exact lines. Paths are relative to "
    "the repository root."
)


def build_server(tools: AgentTools) -> MCPServer:
    """The MCPServer with the seven tools registered. Work runs in a thread (SQLite, FAISS and the local
    embedding model block), so one slow call never stalls the protocol."""
    app = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")

    async def run(call: Callable[[], ToolResult]) -> CallToolResult:
        try:
            result = await asyncio.to_thread(call)
        except CodeassistError as err:
            raise ToolError(str(err)) from None
        return CallToolResult(content=[TextContent(type="text", text=result.text)],
                              structured_content=json.loads(json.dumps(result.data, default=str)))

    @app.tool()
    async def search_code(query: str, k: int = 10, lang: str | None = None, path: str | None = None,
                          kind: str | None = None) -> CallToolResult:
        """Search the repository's code by meaning and by words (hybrid BM25 + embeddings), best first.
        query: a question or a code fragment. k: hits (1-50). lang: e.g. python, typescript, go.
        path: a glob such as 'src/**'. kind: function, method, class, module, text."""
        return await run(lambda: tools.search_code(query, k, lang, path, kind))

    @app.tool()
    async def find_definition(name: str, from_path: str | None = None) -> CallToolResult:
        """Where a function, class, method or variable is defined (signature, doc and code).
        name: bare ('make_client') or qualified ('Client.send'). from_path: the file that uses the name;
        its imports then decide which definition is meant."""
        return await run(lambda: tools.find_definition(name, from_path))

    @app.tool()
    async def find_references(name: str) -> CallToolResult:
        """Where an identifier is used: path, line, the enclosing symbol and the line's text."""
        return await run(lambda: tools.find_references(name))

    @app.tool()
    async def file_outline(path: str) -> CallToolResult:
        """The definitions of one file in line order (kind, qualified name, line range, signature)."""
        return await run(lambda: tools.file_outline(path))

    @app.tool()
    async def read_code(path: str, start_line: int = 1, end_line: int | None = None) -> CallToolResult:
        """Read lines start_line..end_line (1-based, inclusive) of a file in the repository; the range
        is clamped to the file and to 500 lines per call."""
        return await run(lambda: tools.read_code(path, start_line, end_line))

    @app.tool()
    async def index_status() -> CallToolResult:
        """How much of the repository is indexed: files, chunks, embedded chunks, languages, refreshes."""
        return await run(tools.index_status)

    @app.tool()
    async def reindex(paths: list[str] | None = None) -> CallToolResult:
        """Bring the index up to date now (only the given relative paths when paths is set). Builds the
        index when it does not exist yet."""
        return await run(lambda: tools.reindex(paths))

    return app


def serve(root: str, *, index_dir: str | None = None, build: bool = False, embed: bool = True) -> None:
    """Run the MCP server over stdio until the client closes it. Raises CodeassistError for a bad root."""
    logging.getLogger("mcp").setLevel(logging.WARNING)
    tools = AgentTools(root, index_dir=index_dir, build=build, embed=embed)
    try:
        build_server(tools).run("stdio")
    finally:
        tools.close()
