"""The language server's side of "edit with an instruction": params in, a validated `WorkspaceEdit` out.

`codeassist.edit` arguments ``[{textDocument: {uri}, range?, instruction?, diagnostics?, apply?}]``:
the range (the selection; the enclosing symbol when it is empty or missing), the instruction (for a fix,
the diagnostics suffice), diagnostics as LSP `Diagnostic` objects (from any language server). The model's
answer replaces exactly that range, as one `TextEdit` on the document version the request was made for,
so the editor's undo reverts it in one step and an edit made meanwhile makes the client refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from codeassist.edit import DEFAULT_FIX, DiagnosticNote, EditProposal
from codeassist.edit_text import Region, region_for_lines, region_for_offsets
from codeassist.errors import CodeassistError
from codeassist.lsp import protocol
from codeassist.lsp.chat import valid_range


class EditParamsError(CodeassistError):
    """Params the client can fix; becomes an InvalidParams error."""


@dataclass(slots=True)
class EditParams:
    uri: str
    range: dict | None
    instruction: str
    diagnostics: list[DiagnosticNote] = field(default_factory=list)
    apply: bool = True


def parse_edit_params(data: Any) -> EditParams:
    if not isinstance(data, dict):
        raise EditParamsError("codeassist.edit takes one object: {textDocument: {uri}, range?, instruction?, "
                              "diagnostics?, apply?}.")
    uri = (data.get("textDocument") or {}).get("uri") if isinstance(data.get("textDocument"), dict) else None
    if not isinstance(uri, str) or not uri:
        raise EditParamsError("codeassist.edit needs textDocument.uri.")
    rng = data.get("range")
    if rng is not None and not _valid_range(rng):
        raise EditParamsError("codeassist.edit: range must be {start: {line, character}, end: {line, character}} "
                              "with integers from 0 to 2**31-1.")
    diagnostics = [_note(d) for d in data.get("diagnostics") or [] if isinstance(d, dict) and d.get("message")]
    instruction = data.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        if not diagnostics:
            raise EditParamsError("codeassist.edit needs an instruction (what to change), or diagnostics to fix.")
        instruction = DEFAULT_FIX
    return EditParams(uri, rng, instruction.strip(), diagnostics, data.get("apply", True) is not False)


def _valid_range(rng: Any) -> bool:
    return valid_range(rng)  # integers in 0 .. 2**31-1, as every LSP position


def _note(diagnostic: dict) -> DiagnosticNote:
    severity = {1: "error", 2: "warning", 3: "information", 4: "hint"}.get(diagnostic.get("severity") or 0, "")
    line = ((diagnostic.get("range") or {}).get("start") or {}).get("line")
    return DiagnosticNote(str(diagnostic["message"]), line + 1 if isinstance(line, int) else 0,
                          str(diagnostic.get("code") or ""), str(diagnostic.get("source") or ""), severity)


def region_of(document: Any, rng: dict | None, span_of_symbol: Any) -> Region:
    """The text region to edit: the client range converted from its units (UTF-16 by default) to string
    offsets; an empty or missing range stands for the symbol (or line) under the cursor."""
    text = document.source
    if rng is None or rng["start"] == rng["end"]:
        line = rng["start"]["line"] if rng else 0
        start_line, end_line = span_of_symbol(text, line)
        return region_for_lines(text, start_line + 1, end_line + 1)
    start = document.offset_at_position(types.Position(**rng["start"]))
    end = document.offset_at_position(types.Position(**rng["end"]))
    return region_for_offsets(text, start, end)


def lsp_range(document: Any, region: Region) -> types.Range:
    return types.Range(start=document.client_position_at_offset(region.start),
                       end=document.client_position_at_offset(region.end))


def workspace_edit(uri: str, version: int | None, rng: types.Range, new_text: str) -> types.WorkspaceEdit:
    """One TextEdit; pinned to the document version when the document is open (the client refuses it if
    the document changed since)."""
    edit = types.TextEdit(range=rng, new_text=new_text)
    if version is None:
        return types.WorkspaceEdit(changes={uri: [edit]})
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=[edit])])


def summary(proposal: EditProposal) -> str:
    added = sum(1 for line in proposal.diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in proposal.diff.splitlines() if line.startswith("-") and not line.startswith("---"))
    if not proposal.diff:
        return f"codeassist: no change to {proposal.path}:{proposal.region.start_line}-{proposal.region.end_line}"
    return (f"codeassist: edited {proposal.path}:{proposal.region.start_line}-{proposal.region.end_line} "
            f"(+{added} -{removed})")


def edit_code_actions(uri: str, rng: types.Range, diagnostics: list[types.Diagnostic], *,
                      client_prompts: bool) -> list[types.CodeAction]:
    """"Edit with instruction…" (when the client can ask for the instruction) and "Fix with codeassist"
    (when diagnostics overlap the range: their messages and codes go into the prompt)."""
    out = []
    target = {"textDocument": {"uri": uri}, "range": _range_json(rng)}
    if client_prompts:
        out.append(types.CodeAction(
            title=protocol.ACTION_EDIT, kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(title=protocol.ACTION_EDIT, command=protocol.CLIENT_CMD_EDIT_PROMPT,
                                  arguments=[target])))
    overlapping = [d for d in diagnostics if _overlaps(d.range, rng)]
    if overlapping:
        fix_range = _union([rng, *(d.range for d in overlapping)])
        args = {"textDocument": {"uri": uri}, "range": _range_json(_whole_lines(fix_range)),
                "instruction": DEFAULT_FIX, "diagnostics": [_diagnostic_json(d) for d in overlapping]}
        out.append(types.CodeAction(
            title=protocol.ACTION_FIX, kind=types.CodeActionKind.QuickFix, diagnostics=overlapping,
            command=types.Command(title=protocol.ACTION_FIX, command=protocol.CMD_EDIT, arguments=[args])))
    return out


def _range_json(rng: types.Range) -> dict:
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def _diagnostic_json(d: types.Diagnostic) -> dict:
    return {"message": d.message, "range": _range_json(d.range), "code": d.code, "source": d.source,
            "severity": int(d.severity) if d.severity else None}


def _key(p: types.Position) -> tuple[int, int]:
    return (p.line, p.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return _key(a.start) <= _key(b.end) and _key(b.start) <= _key(a.end)


def _union(ranges: list[types.Range]) -> types.Range:
    return types.Range(start=min((r.start for r in ranges), key=_key), end=max((r.end for r in ranges), key=_key))


def _whole_lines(rng: types.Range) -> types.Range:
    """A fix rewrites whole lines: the diagnostics' lines from their first column to the next line's start."""
    end_line = rng.end.line + (0 if rng.end.character == 0 and rng.end.line > rng.start.line else 1)
    return types.Range(start=types.Position(line=rng.start.line, character=0),
                       end=types.Position(line=end_line, character=0))
