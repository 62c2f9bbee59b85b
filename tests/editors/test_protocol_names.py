"""The custom method, command and action names agree across the server and both editor clients."""

from __future__ import annotations

import re
from pathlib import Path

from codeassist.lsp import protocol

ROOT = Path(__file__).resolve().parents[2]
TS_PROTOCOL = ROOT / "editors" / "vscode" / "src" / "protocol.ts"
LUA_PROTOCOL = ROOT / "editors" / "nvim" / "lua" / "codeassist" / "protocol.lua"


def python_names() -> dict[str, str]:
    return {name: value for name, value in vars(protocol).items() if name.isupper() and isinstance(value, str)}


def ts_names() -> dict[str, str]:
    text = TS_PROTOCOL.read_text(encoding="utf-8")
    return dict(re.findall(r'^export const ([A-Z][A-Z0-9_]*) = "([^"]*)";', text, flags=re.M))


def lua_names() -> dict[str, str]:
    text = LUA_PROTOCOL.read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*([A-Z][A-Z0-9_]*) = "([^"]*)",', text, flags=re.M))


def test_server_defines_the_names_the_clients_use() -> None:
    names = python_names()
    assert names["ASK"] == "codeassist/ask"
    assert names["ANSWER_DELTA"] == "codeassist/answerDelta"
    assert set(protocol.COMMANDS) == {v for k, v in names.items() if k.startswith("CMD_")}


def test_typescript_copy_matches_the_server() -> None:
    assert ts_names() == python_names()


def test_lua_copy_matches_the_server() -> None:
    assert lua_names() == python_names()


def test_command_lists_match() -> None:
    ts = TS_PROTOCOL.read_text(encoding="utf-8")
    ts_commands = re.search(r"export const COMMANDS = \[([^\]]*)\]", ts)
    assert ts_commands is not None
    ts_list = [python_names()[name.strip()] for name in ts_commands.group(1).split(",") if name.strip()]
    lua = LUA_PROTOCOL.read_text(encoding="utf-8")
    lua_commands = re.search(r"M\.COMMANDS = \{([^}]*)\}", lua)
    assert lua_commands is not None
    lua_list = [python_names()[name.strip().removeprefix("M.")] for name in lua_commands.group(1).split(",") if name.strip()]
    assert ts_list == list(protocol.COMMANDS)
    assert lua_list == list(protocol.COMMANDS)
