"""Pure parts of the code actions: the workspace boundary and docstring formatting/placement."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from codeassist.lsp import protocol
from codeassist.lsp.actions import (
    OutsideWorkspace,
    apply_text_edits,
    clean_docstring,
    code_actions,
    docstring_edit,
    format_docstring,
    resolve_workspace_path,
)


@pytest.mark.parametrize("uri", [
    "file:///etc/passwd", "file://{root}/../x.py", "file://{root}/a/%2E%2E/%2e%2e/x.py", "file://{root}/a/..%2Fb",
    "https://example.com{root}/a.py", "file://evil-host{root}/a.py", "", "untitled:Untitled-1",
])
def test_uris_outside_the_workspace_are_refused(tmp_path: Path, uri: str):
    with pytest.raises(OutsideWorkspace, match="outside the workspace"):
        resolve_workspace_path(uri.format(root=tmp_path), tmp_path)


def test_symlink_escaping_the_workspace_is_refused(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(OutsideWorkspace):
        resolve_workspace_path((root / "link" / "x.py").as_uri(), root)
    assert resolve_workspace_path((root / "a b.py").as_uri(), root) == root / "a b.py"


def test_clean_docstring_strips_what_models_add():
    assert clean_docstring('```python\n"""Do it.\n\nReally."""\n```') == "Do it.\n\nReally."
    assert clean_docstring("/**\n * Adds.\n * @param a x\n */") == "Adds.\n@param a x"
    assert clean_docstring("/// Returns one.") == "Returns one."


@pytest.mark.parametrize(("language", "expected"), [
    ("python", '    """Adds two numbers."""\n'),
    ("typescript", "    /**\n     * Adds two numbers.\n     */\n"),
    ("rust", "    /// Adds two numbers.\n"),
    ("go", "    // Adds two numbers.\n"),
])
def test_format_docstring_per_language(language, expected):
    assert format_docstring("Adds two numbers.", language, "    ") == expected


def test_python_docstring_goes_inside_the_body_even_for_a_one_line_file_end():
    text = "def f(a):\n    return a"
    edit = docstring_edit(text, 1, "python", "Identity.")
    assert apply_text_edits(text, [edit]) == 'def f(a):\n    """Identity."""\n    return a'


def test_brace_docstring_goes_above_decorators():
    text = "class A {\n  @Input()\n  name(): string {\n    return 'a';\n  }\n}\n"
    edit = docstring_edit(text, 3, "typescript", "The name.")
    assert apply_text_edits(text, [edit]).startswith("class A {\n  /**\n   * The name.\n   */\n  @Input()\n")


def test_code_actions_defer_the_edit_to_resolve():
    here = types.Range(start=types.Position(line=1, character=0), end=types.Position(line=2, character=0))
    explain, docstring, similar = code_actions("file:///r/a.py", here, can_resolve=True)
    assert explain.command.command == protocol.CMD_EXPLAIN
    assert docstring.edit is None and docstring.data["action"] == protocol.CMD_WRITE_DOCSTRING
    assert similar.command.command == protocol.CMD_FIND_SIMILAR
    _, no_resolve, _ = code_actions("file:///r/a.py", here, can_resolve=False)
    assert no_resolve.command.command == protocol.CMD_WRITE_DOCSTRING


def test_declaration_span_is_the_whole_function_under_the_cursor():
    from codeassist.lsp.actions import declaration_span

    text = "import os\n\n\ndef load(path):\n    if os.path.exists(path):\n        return 1\n    return 0\n\n\nX = 1\n"
    assert declaration_span(text, 5, 5, "python") == (3, 6)
    assert declaration_span(text, 9, 9, "python") == (9, 9)  # no declaration: the lines themselves
    # Without a grammar (regex path) the same rule: only a declaration whose block holds the line.
    assert declaration_span(text, 5, 5, "nim") == (3, 6)
    assert declaration_span(text, 9, 9, "nim") == (9, 9)
