/** Palette commands: each fills in the active editor's document and selection, then asks the server. */

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { type AskContext, askContext } from "./chat/askContext";
import type { ChatPanel } from "./chat/panel";
import { CMD_REINDEX, CMD_SUGGESTION_ACCEPTED, CMD_WRITE_DOCSTRING } from "./protocol";
import { API_KEY_SECRET, type ConfigTarget, nextToggle } from "./settings";
import type { StatusItem } from "./status";

/** The palette commands package.json contributes. */
export const PALETTE_COMMANDS = [
  "codeassist.ask",
  "codeassist.explainSelection",
  "codeassist.writeDocstring",
  "codeassist.reindex",
  "codeassist.toggle",
  "codeassist.setApiKey",
  "codeassist.editWithInstruction",
];

const TARGETS: Record<ConfigTarget, vscode.ConfigurationTarget> = {
  global: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
};

/** The active editor's file and selection, for a question (see chat/askContext.ts). */
export function currentAskContext(client: LanguageClient): AskContext {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return {};
  }
  const c2p = client.code2ProtocolConverter;
  return askContext({
    uri: c2p.asUri(editor.document.uri),
    scheme: editor.document.uri.scheme,
    selection: editor.selection.isEmpty ? undefined : c2p.asRange(editor.selection),
  });
}

/** Flip `codeassist.enable` where it takes effect; the settings listener tells the server. */
export async function toggleInlineCompletion(status?: StatusItem): Promise<void> {
  const config = vscode.workspace.getConfiguration("codeassist");
  const { value, target } = nextToggle(config.inspect<boolean>("enable"));
  await config.update("enable", value, TARGETS[target]);
  status?.setEnabled(value);
}

export function registerCommands(
  client: LanguageClient,
  chat: ChatPanel,
  status: StatusItem,
  secrets: vscode.SecretStorage,
): vscode.Disposable[] {
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
      const context = currentAskContext(client);
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
    vscode.commands.registerCommand("codeassist.toggle", () => toggleInlineCompletion(status).catch(report)),
    vscode.commands.registerCommand("codeassist.setApiKey", async () => {
      const key = await vscode.window.showInputBox({
        prompt: "API key for the model endpoints (kept in VS Code's secret storage; empty to remove it)",
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) {
        return;
      }
      // The secrets listener in extension.ts sends the new key to the server.
      await (key.trim() ? secrets.store(API_KEY_SECRET, key.trim()) : secrets.delete(API_KEY_SECRET));
      void vscode.window.showInformationMessage(
        key.trim() ? "codeassist: API key saved in secret storage." : "codeassist: API key removed.",
      );
    }),
  ];
}
