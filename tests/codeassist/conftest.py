"""Fixtures for the codeassist tests: settings pointed at the fake server, fake searchers, indexed repos."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from codeassist.indexer.model import Hit
from codeassist.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"


def endpoint_env(base_url: str, **extra: str) -> dict[str, str]:
    """Environment for a chat model on the fake server, fast failures (no retries, short timeout)."""
    env = {"OPENAI_BASE_URL": base_url, "CODEASSIST_CHAT_MODEL": "fake-chat",
           "CODEASSIST_CHAT_MAX_RETRIES": "0", "CODEASSIST_CHAT_TIMEOUT": "5"}
    env.update(extra)
    return env


@pytest.fixture
def chat_settings(fake_openai: Any) -> Settings:
    return load_settings(None, env=endpoint_env(fake_openai.base_url))


def hit(path: str, start: int, end: int, text: str, symbol: str = "", score: float = 1.0,
        language: str = "python") -> Hit:
    return Hit(path, start, end, symbol, "function", language, score, text)


@dataclass
class FakeSearcher:
    """Anything with .search(query, k=...) -> hits will do; this one records the queries."""

    hits: list[Hit]
    queries: list[str] = field(default_factory=list)

    def search(self, query: str, k: int = 10, **filters: Any) -> list[Hit]:
        self.queries.append(query)
        return list(self.hits[:k])


def file_hits(root: Path) -> list[Hit]:
    """Every file of a fixture repo as one whole-file hit (so all of its text reaches the prompt)."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        hits.append(hit(path.relative_to(root).as_posix(), 1, len(text.splitlines()), text, score=0.5))
    return hits


@pytest.fixture
def sample_searcher() -> FakeSearcher:
    return FakeSearcher(file_hits(FIXTURES / "sample_repo"))


def index_copy(fixture: str, tmp_path: Path) -> tuple[Path, Path]:
    """Copy a fixture repo to tmp and index it lexically (no embedding model needed)."""
    from codeassist.indexer.pipeline import index_repository

    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root)
    index_dir = tmp_path / "index"
    index_repository(root, index_dir, embed=False)
    return root, index_dir


@pytest.fixture
def sample_index(tmp_path: Path) -> tuple[Path, Path]:
    return index_copy("sample_repo", tmp_path)
