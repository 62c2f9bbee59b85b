"""File-level intent (issue 12 item 8): the header comment / module docstring stays at the top of a
prefix cut deep in a long file (licence blocks skipped) and joins the comment above the cursor as the
retrieval query's intent."""

from __future__ import annotations

import pytest

from codeassist.lsp.cursor_context import PREFIX_CHARS, extract_cursor_context, file_header

BODY = {
    "python": "\n".join(f"def entry_{i}(row):\n    return row[{i}]\n" for i in range(300)),
    "go": "\n".join(f"func entry{i}(row []int) int {{\n\treturn row[{i}]\n}}\n" for i in range(300)),
    "typescript": "\n".join(f"export function entry{i}(row: number[]): number {{\n  return row[{i}];\n}}\n"
                            for i in range(300)),
}
HEADERS = {
    "python": ('#!/usr/bin/env python\n# Copyright 2024 Example Corp. Licensed under the MIT license.\n\n'
               '"""Ledger postings for warehouse invoices."""\n', '"""Ledger postings for warehouse invoices."""'),
    "go": ("// Copyright 2024 Example Corp. All rights reserved.\n// Use of this source code is governed by a MIT\n"
           "// license that can be found in the LICENSE file.\n\n// Package ledger posts warehouse invoices.\n"
           "package ledger\n", "// Package ledger posts warehouse invoices."),
    "typescript": ("/**\n * Ledger postings for warehouse invoices.\n */\n", "/**\n * Ledger postings for warehouse invoices.\n */"),
}
COMMENT = {"python": "    # sum the open postings", "go": "\t// sum the open postings",
           "typescript": "  // sum the open postings"}


@pytest.mark.parametrize("language", list(BODY))
def test_header_stays_at_the_top_of_a_cut_prefix_and_joins_the_intent(language):
    head, expected = HEADERS[language]
    text = head + BODY[language] + "\n" + COMMENT[language] + "\n" + COMMENT[language][:-len(COMMENT[language].lstrip())]
    lines = text.split("\n")
    ctx = extract_cursor_context(text, len(lines) - 1, len(lines[-1]), language=language)
    assert file_header(lines, language) == expected
    assert ctx.prefix.startswith(expected + "\n")
    assert "entry_0(" not in ctx.prefix and "entry0(" not in ctx.prefix
    assert len(ctx.prefix) <= PREFIX_CHARS
    assert "Ledger postings for warehouse invoices" in ctx.query or "posts warehouse invoices" in ctx.query
    assert "sum the open postings" in ctx.query
    assert "Copyright" not in ctx.prefix


def test_a_short_file_is_not_given_its_header_twice():
    text = '"""Ledger postings."""\n\ndef post(x):\n    '
    ctx = extract_cursor_context(text, 3, 4, language="python")
    assert ctx.prefix == text and ctx.header == ""
