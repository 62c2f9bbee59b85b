/** Palette commands: each fills in the active editor's document and selection, then asks the server. */

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import type { ChatPanel } from "./chat/panel";
import { CMD_REINDEX, CMD_SUGGESTION_ACCEPTED, CMD_TOGGLE, CMD_WRITE_DOCSTRING } from "./protocol";
import type { StatusItem } from "./status";

/** The palette commands package.json contributes. */
export const PALETTE_COMMANDS = [
  "codeassist.ask",
  "codeassist.explainSelection",
  "codeassist.writeDocstring",
  "codeassist.reindex",
  "codeassist.toggle",
  "codeassist.editWithInstruction",
];

export function registerCommands(client: LanguageClient, chat: ChatPanel, status: StatusItem): vscode.Disposable[] {
  const c2p = client.code2ProtocolConverter;
  const execute = <T>(command: string, args: unknown[] = []): Promise<T> =>
    client.sendRequest<T>(ExecuteCommandRequest.method, { command, arguments: args });
  const report = (error: unknown): void => {
    void vscode.window.showErrorMessage(`codeassist: ${error instanceof Error ? error.message : String(error)}`);
  };
  // Only files on disk: the server refuses anything outside the workspace folder.
  const fileEditor = (): vscode.TextEditor | undefined => {
    const editor = vscode.window.activeTextEditor;
    return editor?.document.uri.scheme === "file" ? editor : undefined;
  };
  const withEditor = (run: (editor: vscode.TextEditor) => Promise<unknown>) => async (): Promise<void> => {
    const editor = fileEditor();
    if (!editor) {
      void vscode.window.showInformationMessage("codeassist: open a file of the workspace first.");
      return;
    }
    await run(editor).catch(report);
  };

  return [
    // The inline item's command: VS Code runs it when the user accepts a suggestion; the server counts the
    // acceptance in its local metrics (`codeassist stats`). Never worth an error message.
    vscode.commands.registerCommand(CMD_SUGGESTION_ACCEPTED, async (args: unknown) => {
      await execute(CMD_SUGGESTION_ACCEPTED, [args]).catch(() => undefined);
    }),
    vscode.commands.registerCommand("codeassist.ask", async () => {
      const question = await vscode.window.showInputBox({ prompt: "Ask about this repository" });
      if (!question) {
        return;
      }
      const editor = fileEditor();
      const context = editor
        ? {
            textDocument: { uri: c2p.asUri(editor.document.uri) },
            ...(editor.selection.isEmpty ? {} : { range: c2p.asRange(editor.selection) }),
          }
        : {};
      await chat.ask(question, context).catch(report);
    }),
    vscode.commands.registerCommand(
      "codeassist.explainSelection",
      withEditor((editor) => {
        const selection = editor.selection.isEmpty
          ? editor.document.lineAt(editor.selection.active.line).range
          : editor.selection;
        const label = `${vscode.workspace.asRelativePath(editor.document.uri)}:${selection.start.line + 1}-${selection.end.line + 1}`;
        return chat.explain(c2p.asUri(editor.document.uri), c2p.asRange(selection), label);
      }),
    ),
    vscode.commands.registerCommand(
      "codeassist.writeDocstring",
      withEditor((editor) => {
        // The server answers with workspace/applyEdit, which the client applies.
        const target = editor.selection.isEmpty
          ? { position: c2p.asPosition(editor.selection.active) }
          : { range: c2p.asRange(editor.selection) };
        return execute(CMD_WRITE_DOCSTRING, [{ textDocument: { uri: c2p.asUri(editor.document.uri) }, ...target }]);
      }),
    ),
    vscode.commands.registerCommand("codeassist.reindex", async () => {
      await execute(CMD_REINDEX).then(
        () => vscode.window.showInformationMessage("codeassist: re-indexing the workspace."),
        report,
      );
    }),
    vscode.commands.registerCommand("codeassist.toggle", async () => {
      try {
        // The server answers {enabled} (and also sends codeassist/statusChanged).
        const result = await execute<{ enabled?: unknown } | null>(CMD_TOGGLE);
        if (typeof result?.enabled === "boolean") {
          status.setEnabled(result.enabled);
        } else {
          await status.refresh();
        }
      } catch (error) {
        report(error);
      }
    }),
  ];
}
