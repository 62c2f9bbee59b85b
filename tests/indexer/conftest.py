"""Fixtures for indexer tests: a small multi-language repository on disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app/http.py", '''
        # Parse one HTTP header line into a (name, value) pair.
        def parseHTTPHeader(line):
            """Split on the first colon."""
            name, _, value = line.partition(":")
            return name.strip().lower(), value.strip()


        class RetryPolicy:
            """How often to retry a failed request."""

            attempts = 3

            def backoff(self, attempt):
                return min(30, 2 ** attempt)
        ''')
    write(root, "app/db.go", '''
        package db

        // Open connects to the database with a connection pool.
        func Open(dsn string) (*Pool, error) {
            return newPool(dsn, 10)
        }
        ''')
    write(root, "README.md", "# Demo\n\nA tiny repository for tests.\n")
    return root


