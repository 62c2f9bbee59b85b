"""`codeassist mcp` driven by the official SDK's stdio client: the real server process, the real index."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from codeassist.agent_tools import MAX_CHARS

pytestmark = pytest.mark.slow

TOOLS = {"search_code", "find_definition", "find_references", "file_outline", "read_code", "index_status",
         "reindex"}
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYz9"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    files = {
        "pkg/__init__.py": "",
        "pkg/settings.py": '''
            """Settings and clients for the shop."""
            import boto3


            def make_s3_client(region: str = "eu-west-1"):
                """Build the S3 client used for uploads."""
                return boto3.client("s3", region_name=region)


            AWS_SECRET_ACCESS_KEY = "AWS_VALUE"
            '''.replace("AWS_VALUE", AWS_SECRET),
        "pkg/orders.py": '''
            from pkg.settings import make_s3_client as s3


            class OrderStore:
                """Orders kept in a bucket."""

                def save(self, order):
                    client = s3()
                    client.put_object(Bucket="orders", Key=order.id, Body=order.json())

                def load(self, order_id):
                    return s3().get_object(Bucket="orders", Key=order_id)
            ''',
        "pkg/uploads.py": '''
            from pkg.settings import make_s3_client


            def upload(name, body):
                return make_s3_client().put_object(Bucket="uploads", Key=name, Body=body)
            ''',
        "tools/make_s3_client.py": '''
            def make_s3_client():
                """A different one, in a script nobody imports."""
                return None
            ''',
        ".env": f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (tmp_path / "outside.txt").write_text("not yours\n")
    (root / "link_out.txt").symlink_to(tmp_path / "outside.txt")
    return root


def _server(repo: Path, index_dir: Path, *extra: str) -> Any:
    from mcp.client.stdio import StdioServerParameters

    env = {k: v for k, v in os.environ.items() if k.startswith("XDG_")}
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "codeassist", "mcp", "--root", str(repo), "--index-dir",
                                       str(index_dir), "--no-embed", *extra],
                                 env=env, cwd=str(repo))


def session_run(repo: Path, index_dir: Path, body: Any, *extra: str) -> Any:
    """Start `codeassist mcp`, initialise a ClientSession, run `await body(session)`, return its result."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import stdio_client

    async def main() -> Any:
        with open(os.devnull, "w") as errlog:
            async with stdio_client(_server(repo, index_dir, *extra), errlog=errlog) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await body(session)

    return anyio.run(main)


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "text", None))


def test_tools_are_listed_with_their_arguments(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> Any:
        return (await session.list_tools()).tools

    tools = {tool.name: tool for tool in session_run(repo, tmp_path / "idx", body, "--build")}
    assert set(tools) == TOOLS
    assert set(tools["search_code"].input_schema["properties"]) == {"query", "k", "lang", "path", "kind"}
    assert tools["read_code"].input_schema["required"] == ["path"]


def test_missing_index_is_a_tool_error_that_says_how_to_create_it(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> Any:
        return await session.call_tool("search_code", {"query": "s3 client"})

    result = session_run(repo, tmp_path / "idx", body)
    assert result.is_error
    assert "codeassist index" in text_of(result) and "reindex" in text_of(result)


def test_search_and_status_match_the_index(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> dict[str, Any]:
        return {"search": await session.call_tool("search_code", {"query": "build the S3 client used for uploads",
                                                                  "k": 3}),
                "status": await session.call_tool("index_status", {})}

    results = session_run(repo, tmp_path / "idx", body, "--build")
    assert not any(r.is_error for r in results.values()), {k: text_of(r) for k, r in results.items()}
    hits = results["search"].structured_content["hits"]
    assert hits[0]["path"] == "pkg/settings.py" and hits[0]["symbol"] == "make_s3_client"
    assert "def make_s3_client(" in hits[0]["text"]
    assert "pkg/settings.py:" in text_of(results["search"])
    status = results["status"].structured_content
    assert status["files"] >= 4 and status["chunks"] > 0


def test_definition_references_and_outline_come_from_the_symbol_graph(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> dict[str, Any]:
        calls = {
            "search": ("search_code", {"query": "build the S3 client used for uploads", "k": 3}),
            "definition": ("find_definition", {"name": "make_s3_client", "from_path": "pkg/orders.py"}),
            "references": ("find_references", {"name": "make_s3_client"}),
            "outline": ("file_outline", {"path": "pkg/orders.py"}),
            "status": ("index_status", {}),
        }
        return {key: await session.call_tool(name, args) for key, (name, args) in calls.items()}

    results = session_run(repo, tmp_path / "idx", body, "--build")
    assert not any(r.is_error for r in results.values()), {k: text_of(r) for k, r in results.items()}

    hits = results["search"].structured_content["hits"]
    assert hits[0]["path"] == "pkg/settings.py" and hits[0]["symbol"] == "make_s3_client"
    assert "def make_s3_client(" in hits[0]["text"]
    assert "pkg/settings.py:" in text_of(results["search"])

    # Resolved through `from pkg.settings import make_s3_client as s3`: the imported one comes first.
    first = results["definition"].structured_content["definitions"][0]
    assert (first["path"], first["start_line"]) == ("pkg/settings.py", 5)
    assert "def make_s3_client(region" in first["text"]

    refs = results["references"].structured_content["references"]
    assert {"path": "pkg/uploads.py", "line": 5, "symbol": "upload",
            "text": 'return make_s3_client().put_object(Bucket="uploads", Key=name, Body=body)'} in refs

    outline = [(d["kind"], d["symbol"]) for d in results["outline"].structured_content["definitions"]]
    assert ("class", "OrderStore") in outline and ("method", "OrderStore.save") in outline

    status = results["status"].structured_content
    assert status["files"] >= 4 and status["chunks"] > 0


def test_read_code_clamps_the_range_and_redacts_secrets(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> list[Any]:
        return [await session.call_tool("read_code", {"path": "pkg/settings.py", "start_line": 0,
                                                      "end_line": 10_000}),
                await session.call_tool("read_code", {"path": "pkg/settings.py", "start_line": 5,
                                                      "end_line": 6})]

    whole, part = session_run(repo, tmp_path / "idx", body, "--build")
    lines = (repo / "pkg/settings.py").read_text().splitlines()
    data = whole.structured_content
    assert (data["start_line"], data["end_line"], data["total_lines"]) == (1, len(lines), len(lines))
    assert data["text"].splitlines()[:8] == lines[:8]
    assert AWS_SECRET not in data["text"] and AWS_SECRET not in text_of(whole)
    assert "AWS_SECRET_ACCESS_KEY" in data["text"]  # the line stays; only its value is redacted
    assert part.structured_content["text"].splitlines() == lines[4:6]


@pytest.mark.parametrize("path, reason", [
    ("../outside.txt", "'..' is not allowed"),
    ("pkg/../../outside.txt", "'..' is not allowed"),
    ("/etc/passwd", "outside the repository root"),
    ("link_out.txt", "outside the repository root"),
    (".env", "looks like a secrets file"),
    ("nope/missing.py", "does not exist"),
])
def test_path_arguments_outside_the_root_or_to_secrets_are_refused(repo: Path, tmp_path: Path, path: str,
                                                                    reason: str) -> None:
    async def body(session: Any) -> list[Any]:
        return [await session.call_tool("read_code", {"path": path}),
                await session.call_tool("file_outline", {"path": path}),
                await session.call_tool("find_definition", {"name": "make_s3_client", "from_path": path})]

    for result in session_run(repo, tmp_path / "idx", body, "--build"):
        assert result.is_error
        assert reason in text_of(result)
        assert "not yours" not in text_of(result) and AWS_SECRET not in text_of(result)


def test_search_answers_while_a_reindex_runs(repo: Path, tmp_path: Path) -> None:
    for i in range(300):
        (repo / "gen" / f"m{i // 30}").mkdir(parents=True, exist_ok=True)
        (repo / "gen" / f"m{i // 30}" / f"f{i}.py").write_text(
            "".join(f"def helper_{i}_{j}(x):\n    return x * {j}\n\n\n" for j in range(20)))

    async def body(session: Any) -> dict[str, Any]:
        await session.call_tool("index_status", {})
        for path in (repo / "gen").rglob("*.py"):  # every file changed: the reindex has real work
            path.write_text(path.read_text() + "\n# touched\n")
        times: dict[str, Any] = {}

        async def reindex() -> None:
            times["reindex"] = await session.call_tool("reindex", {})
            times["reindex_done"] = time.monotonic()

        async def search() -> None:
            await anyio.sleep(0.3)
            times["search"] = await session.call_tool("search_code", {"query": "make_s3_client"})
            times["search_done"] = time.monotonic()

        async with anyio.create_task_group() as group:
            group.start_soon(reindex)
            group.start_soon(search)
        return times

    times = session_run(repo, tmp_path / "idx", body, "--build")
    assert not times["search"].is_error and not times["reindex"].is_error
    assert times["search"].structured_content["hits"][0]["symbol"] == "make_s3_client"
    assert times["reindex"].structured_content["files_indexed"] == 300
    assert times["search_done"] < times["reindex_done"]  # it did not wait for the writer


def test_reindex_of_given_paths_makes_new_code_searchable_and_rejects_escapes(repo: Path, tmp_path: Path) -> None:
    async def body(session: Any) -> list[Any]:
        first = await session.call_tool("search_code", {"query": "refund_order_payment"})
        (repo / "pkg" / "refunds.py").write_text("def refund_order_payment(order):\n    return order.total\n")
        escaped = await session.call_tool("reindex", {"paths": ["../outside.txt"]})
        done = await session.call_tool("reindex", {"paths": ["pkg/refunds.py"]})
        after = await session.call_tool("search_code", {"query": "refund_order_payment"})
        return [first, escaped, done, after]

    first, escaped, done, after = session_run(repo, tmp_path / "idx", body, "--build")
    assert all(h["symbol"] != "refund_order_payment" for h in first.structured_content["hits"])
    assert escaped.is_error and "without '..'" in text_of(escaped)
    assert done.structured_content["files_indexed"] == 1
    assert after.structured_content["hits"][0]["path"] == "pkg/refunds.py"


def test_output_per_call_is_bounded(repo: Path, tmp_path: Path) -> None:
    big = "".join(f"def handler_{i}(request):\n" + "    value = request.payload  # payload handling\n" * 30 + "\n"
                  for i in range(200))
    (repo / "pkg" / "handlers.py").write_text(big)

    async def body(session: Any) -> list[Any]:
        return [await session.call_tool("search_code", {"query": "payload handling request", "k": 50}),
                await session.call_tool("read_code", {"path": "pkg/handlers.py"}),
                await session.call_tool("search_code", {"query": "payload", "k": 0})]

    search, read, bad_k = session_run(repo, tmp_path / "idx", body, "--build")
    assert sum(len(h["text"]) for h in search.structured_content["hits"]) <= MAX_CHARS
    assert len(text_of(search)) <= MAX_CHARS + 4000  # the headers around the snippets
    data = read.structured_content
    assert data["end_line"] - data["start_line"] + 1 <= 500 and data["total_lines"] > 500
    assert f"read on from line {data['end_line'] + 1}" in text_of(read)
    assert bad_k.is_error and "k must be between 1 and 50" in text_of(bad_k)


def test_changed_files_are_picked_up_by_the_background_refresh(repo: Path, tmp_path: Path) -> None:
    from codeassist.agent_tools import AgentTools

    tools = AgentTools(repo, index_dir=str(tmp_path / "idx"), build=True, embed=False, refresh_seconds=0.0)
    try:
        before = tools.search_code("ship_parcel_overnight").data["hits"]
        assert all(h["symbol"] != "ship_parcel_overnight" for h in before)
        (repo / "pkg" / "shipping.py").write_text("def ship_parcel_overnight(parcel):\n    return parcel\n")
        tools.search_code("anything")  # a call starts the refresh in the background
        tools._refreshing.result(timeout=60)
        hits = tools.search_code("ship_parcel_overnight").data["hits"]
        assert hits[0]["path"] == "pkg/shipping.py"
    finally:
        tools.close()
