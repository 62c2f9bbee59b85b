"""Recent edits in other files reach the completion prompt (as Copilot/Continue do), and the file's
header comment survives when the prefix is cut deep in a long file."""

from __future__ import annotations

import pytest
from lsprotocol import types

from codeassist.lsp.recent_edits import RecentEdits
from tests.lsp.conftest import end_of, inline_params, open_document, options, start

# The first model call imports the HTTP client; on a loaded machine that can pass the default deadline,
# and a missed deadline means no request to assert on.
SLOW_MACHINE_DEADLINE_MS = 20000
OTHER = "\n".join(f"def weather_{i}(sky):\n    return sky.cloud_cover * {i}\n" for i in range(40)) + "\n"
CURRENT = "def total(cart):\n    amount = 0\n    for line in cart:\n        amount += "


def change(uri: str, version: int, line: int, text: str) -> types.DidChangeTextDocumentParams:
    at = types.Position(line=line, character=0)
    return types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)])


@pytest.mark.asyncio
async def test_an_edit_in_another_open_file_is_in_the_prompt(client, repo, fake_openai):
    await start(client, repo, options(fake_openai.base_url, deadline_ms=SLOW_MACHINE_DEADLINE_MS))
    other = open_document(client, repo / "notes.py", OTHER)
    client.text_document_did_change(change(other, 2, 30, "def loyalty_discount(member_level):\n"
                                                         "    return member_level * 0.05\n"))
    current = open_document(client, repo / "shop" / "total.py", CURRENT)
    await client.text_document_inline_completion_async(inline_params(current, *end_of(CURRENT)))
    [sent] = fake_openai.requests_of("completions")
    assert "def loyalty_discount(member_level):" in sent.json["prompt"]
    assert "weather_0" not in sent.json["prompt"]  # the edit, not the whole file


@pytest.mark.asyncio
async def test_header_comment_survives_a_cut_prefix(client, repo, fake_openai):
    body = "\n".join(f"def entry_{i}(row):\n    return row[{i}] + {i}\n" for i in range(400))
    text = '"""Billing ledger: posts warehouse invoices to the general ledger."""\n\nimport decimal\n\n' + body + \
        "\n\ndef post(invoice):\n    "
    await start(client, repo, options(fake_openai.base_url, deadline_ms=SLOW_MACHINE_DEADLINE_MS))
    uri = open_document(client, repo / "shop" / "ledger.py", text)
    await client.text_document_inline_completion_async(inline_params(uri, *end_of(text)))
    [sent] = fake_openai.requests_of("completions")
    prompt = sent.json["prompt"]
    assert "# Path: shop/ledger.py\n\"\"\"Billing ledger: posts warehouse invoices" in prompt
    assert "entry_0(" not in prompt  # the prefix was cut: the header is kept, not the lines after it
    assert "def post(invoice):\n    " in prompt


def test_edited_ranges_move_with_lines_inserted_above_them():
    ticks = iter(range(100, 200))
    edits = RecentEdits(clock=lambda: float(next(ticks)))
    uri = "file:///r/b.py"
    text = [f"line {i}" for i in range(30)]
    text[20] = "changed here"
    edits.record(uri, change(uri, 2, 20, "").content_changes)  # an edit on line 20
    edits.record(uri, change(uri, 3, 2, "new 1\nnew 2\n").content_changes)  # two lines inserted above
    text[2:2] = ["new 1", "new 2"]
    [newest, older] = edits.snippets("file:///r/a.py", [(uri, "b.py", 3, "\n".join(text))])
    assert "new 1" in newest.text
    assert "changed here" in older.text and older.start_line <= 23 <= older.end_line


def test_old_edits_and_the_current_file_are_left_out():
    now = [0.0]
    edits = RecentEdits(max_age=60, clock=lambda: now[0])
    edits.record("file:///r/b.py", change("file:///r/b.py", 2, 1, "x = 1\n").content_changes)
    docs = [("file:///r/b.py", "b.py", 2, "a\nx = 1\nb\n")]
    assert edits.snippets("file:///r/b.py", docs) == []
    now[0] = 61.0
    assert edits.snippets("file:///r/a.py", docs) == []
