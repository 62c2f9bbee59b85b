"""Shared fixtures: an isolated user environment for every test, and the fake OpenAI server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

# Variables that would let a test reach a real endpoint or read the developer's own config.
_LEAKY_ENV = [name for name in os.environ if name.startswith(("CODEASSIST_", "OPENAI_"))]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config, cache and data dirs at a temp folder so no test touches the real home."""
    home = tmp_path_factory.mktemp("home")
    for var in _LEAKY_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    return home


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_circuit_breakers() -> Iterator[None]:
    """Breakers are per process; a port reused by a later test's fake server must not inherit them."""
    from codeassist.circuit_breaker import reset_breakers

    reset_breakers()
    yield
    reset_breakers()
