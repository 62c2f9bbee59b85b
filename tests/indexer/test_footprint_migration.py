"""Issue 13's disk footprint: an index written by schema 6 (chunk text as plain TEXT, references keyed by
the identifier's text, an index of chunks by hash) opens with the new code migrated in place: every chunk
text, definition and reference is still there, search and the symbol graph answer as before, nothing is
re-embedded or re-extracted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codeassist.indexer import open_index
from codeassist.indexer.chunk_text import pack_text, unpack_text
from codeassist.indexer.pipeline import index_repository
from codeassist.indexer.store_schema import MIGRATIONS
from tests.indexer.conftest import write
from tests.indexer.hash_embedder import HashEmbedder

SCHEMA_6_REFS = """
    CREATE TABLE symbol_refs(
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        chunk_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        line INTEGER NOT NULL,
        PRIMARY KEY(file_id, chunk_id, name)
    ) WITHOUT ROWID
"""


def make_repo(root: Path) -> Path:
    write(root, "shop/cart.py", '''
        from shop.prices import unit_price


        class Cart:
            """A shopping cart: items and their quantities."""

            def total(self, items):
                """The price of every item times its quantity."""
                return sum(unit_price(name) * qty for name, qty in items)
        ''')
    write(root, "shop/prices.py", '''
        PRICES = {"apple": 3, "pear": 4}


        def unit_price(name):
            """The price of one unit of a product."""
            return PRICES[name]
        ''')
    write(root, "server/main.go", '''
        package main

        // serveCart answers the cart endpoint with the cart total.
        func serveCart(w Writer) {
            writeTotal(w, cartTotal())
        }
        ''')
    return root


def downgrade_to_schema_6(db_path: Path) -> None:
    """Rewrite a current index the way schema 6 stored it."""
    db = sqlite3.connect(db_path)
    db.create_function("chunk_text", 1, unpack_text)
    with db:
        db.execute("UPDATE chunks SET text = chunk_text(text)")
        db.execute("CREATE INDEX chunks_by_hash ON chunks(text_hash)")
        rows = db.execute("SELECT r.file_id, r.chunk_id, n.name, r.line FROM symbol_refs r"
                          " JOIN symbol_names n ON n.id = r.name_id").fetchall()
        db.execute("DROP TABLE symbol_refs")
        db.execute("DROP TABLE symbol_names")
        db.execute(SCHEMA_6_REFS)
        db.execute("CREATE INDEX symbol_refs_by_name ON symbol_refs(name)")
        db.execute("CREATE INDEX symbol_refs_by_chunk ON symbol_refs(chunk_id)")
        db.executemany("INSERT INTO symbol_refs VALUES (?, ?, ?, ?)", rows)
        db.execute("ALTER TABLE embeddings DROP COLUMN orphaned_at")  # migration 8
        db.execute("PRAGMA user_version = 6")
    db.execute("VACUUM")
    db.close()


def graph_answers(index) -> tuple:
    hits = index.search("price of one unit", k=3, mode="lexical")
    cart = next(h for h in index.search("Cart total", k=5, mode="lexical") if h.symbol == "Cart.total")
    return (
        [(h.path, h.symbol, h.text) for h in hits],
        [(d.path, d.symbol, d.signature, d.doc) for d in index.definitions("unit_price")],
        [(r.path, r.line, r.symbol) for r in index.references("unit_price")],
        [(r.path, r.line, r.symbol) for r in index.references("writeTotal")],
        index.chunk_references(cart.chunk_id),
        [(d.name, d.start_line) for d in index.outline("shop/cart.py")],
    )


def test_a_schema_6_index_is_migrated_in_place_and_answers_as_before(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    index_dir = tmp_path / "idx"
    embedder = HashEmbedder()
    index_repository(root, index_dir, embedder=embedder)
    with open_index(root, index_dir, embedder=HashEmbedder()) as index:
        expected = graph_answers(index)
        dense = [(h.path, h.symbol) for h in index.search("price of one unit", k=3, mode="dense")]
        chunks = {c.id: c.text for path in ("shop/cart.py", "shop/prices.py", "server/main.go")
                  for c in index._store.chunks_of_file(path)}
    assert expected[1] and expected[2] and expected[3] and "unit_price" in expected[4]

    downgrade_to_schema_6(index_dir / "index.db")
    old = sqlite3.connect(index_dir / "index.db")
    assert {cid: text for cid, text in old.execute("SELECT id, text FROM chunks")} == chunks  # plain TEXT
    old.close()

    reindexer = HashEmbedder()
    report = index_repository(root, index_dir, embedder=reindexer)
    assert reindexer.embedded == [] and report.newly_embedded == 0 and report.files_indexed == 0
    db = sqlite3.connect(index_dir / "index.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    stored = dict(db.execute("SELECT id, text FROM chunks").fetchall())
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'index'")}
    db.close()
    assert {cid: unpack_text(value) for cid, value in stored.items()} == chunks
    assert any(isinstance(value, bytes) for value in stored.values())  # long texts are stored deflated
    assert "chunks_by_hash" not in names and "symbol_refs_by_chunk" not in names
    with open_index(root, index_dir, embedder=HashEmbedder()) as index:
        assert graph_answers(index) == expected
        assert [(h.path, h.symbol) for h in index.search("price of one unit", k=3, mode="dense")] == dense


def test_chunk_text_round_trips_through_its_stored_form() -> None:
    texts = ["", "x", "def f():\n    return 1\n" * 40, "caf\u00e9 \u65e5\u672c \U0001f600 \ud800 lone surrogate",
             "".join(chr(32 + (i * 7919) % 90) for i in range(300))]
    for text in texts:
        stored = pack_text(text)
        assert unpack_text(stored) == text
        assert len(stored.encode("utf-8", "surrogatepass") if isinstance(stored, str) else stored) <= len(
            text.encode("utf-8", "surrogatepass"))
    assert isinstance(pack_text("def f():\n    return 1\n" * 40), bytes)
