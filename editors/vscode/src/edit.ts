/**
 * "Edit with instruction…": ask for an instruction, get the server's validated proposal (preview only),
 * show it as a diff, and apply it on Accept as one WorkspaceEdit (one undo step). The same command serves
 * the palette/keybinding (active editor and selection) and the server's code action (its target).
 */

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { applyEdit, buildEditParams, refusalMessage } from "./editPreview";
import { CLIENT_CMD_EDIT_PROMPT, CMD_EDIT, type EditResult, type LspRange } from "./protocol";

const PROPOSAL_SCHEME = "codeassist-proposal";

class Proposals implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  readonly onDidChangeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.onDidChangeEmitter.event;

  put(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.onDidChangeEmitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }
}

interface Target {
  textDocument?: { uri: string };
  range?: LspRange;
}

export function registerEdit(client: LanguageClient): vscode.Disposable[] {
  const proposals = new Proposals();
  const c2p = client.code2ProtocolConverter;
  const p2c = client.protocol2CodeConverter;
  let counter = 0;

  const run = async (target?: Target): Promise<void> => {
    const editor = vscode.window.activeTextEditor;
    const document = target?.textDocument
      ? await vscode.workspace.openTextDocument(p2c.asUri(target.textDocument.uri))
      : editor?.document;
    if (!document || document.uri.scheme !== "file") {
      void vscode.window.showInformationMessage("codeassist: open a file of the workspace first.");
      return;
    }
    const selection = target?.range ?? (editor ? c2p.asRange(editor.selection) : undefined);
    if (!selection) {
      return;
    }
    const instruction = await vscode.window.showInputBox({
      prompt: "codeassist: how should this code change?",
      placeHolder: "e.g. add type hints, handle the empty list, use async I/O",
    });
    if (!instruction?.trim()) {
      return;
    }
    const version = document.version;
    const params = buildEditParams(c2p.asUri(document.uri), selection, instruction);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "codeassist: editing…", cancellable: true },
      (_progress, token) =>
        client.sendRequest<EditResult>(ExecuteCommandRequest.method, { command: CMD_EDIT, arguments: [params] }, token),
    );
    const refusal = refusalMessage(result);
    if (refusal !== null || !result.range || result.newText === undefined) {
      const choice = await vscode.window.showWarningMessage(refusal ?? "codeassist: nothing to apply.",
        ...(result?.proposed ? ["Show proposed code"] : []));
      if (choice && result?.proposed) {
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: result.proposed }));
      }
      return;
    }
    const right = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: document.uri.path, query: String(++counter) });
    proposals.put(right, applyEdit(document.getText(), result.range, result.newText));
    const title = `${vscode.workspace.asRelativePath(document.uri)} ↔ codeassist: ${instruction.trim().slice(0, 40)}`;
    await vscode.commands.executeCommand("vscode.diff", document.uri, right, title);
    const choice = await vscode.window.showInformationMessage(result.summary ?? "codeassist: proposed edit",
      "Accept", "Reject");
    if (choice !== "Accept") {
      return;
    }
    if (document.version !== version) {
      void vscode.window.showWarningMessage("codeassist: the file changed while the edit was written; not applied.");
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, p2c.asRange(result.range), result.newText);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage("codeassist: VS Code did not apply the edit.");
    }
  };

  return [
    vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, proposals),
    vscode.commands.registerCommand(CLIENT_CMD_EDIT_PROMPT, (target?: Target) =>
      run(target).catch((error: unknown) =>
        vscode.window.showErrorMessage(`codeassist: ${error instanceof Error ? error.message : String(error)}`),
      ),
    ),
  ];
}
