/** Entry point: start `codeassist-lsp` with the `codeassist.*` settings, wire the chat view and commands. */

import * as vscode from "vscode";
import { DidChangeConfigurationNotification, type LanguageClient } from "vscode-languageclient/node";
import { CHAT_VIEW_ID, ChatPanel } from "./chat/panel";
import { CLIENT_ID, createClient, showServerNotFound } from "./client";
import { PALETTE_COMMANDS, registerCommands } from "./commands";
import { registerEdit } from "./edit";
import { buildInitializationOptions, resolveServerCommand } from "./settings";
import { StatusItem } from "./status";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("codeassist");
  context.subscriptions.push(output);
  client = createClient(output);
  if (!client) {
    // No server: the commands still answer, with the fix.
    const { command } = resolveServerCommand(vscode.workspace.getConfiguration(CLIENT_ID));
    for (const id of PALETTE_COMMANDS) {
      context.subscriptions.push(vscode.commands.registerCommand(id, () => showServerNotFound(command)));
    }
    return;
  }
  const status = new StatusItem(client);
  const chat = new ChatPanel(client, context.extensionUri);
  context.subscriptions.push(
    status,
    chat,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    ...registerCommands(client, chat, status),
    ...registerEdit(client),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!client || !event.affectsConfiguration(CLIENT_ID)) {
        return;
      }
      const config = vscode.workspace.getConfiguration(CLIENT_ID);
      if (event.affectsConfiguration(`${CLIENT_ID}.serverCommand`) || event.affectsConfiguration(`${CLIENT_ID}.pythonPath`)) {
        void vscode.window.showInformationMessage("codeassist: reload the window to start the new server command.");
      }
      void client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { codeassist: buildInitializationOptions(config) },
      });
    }),
  );
  try {
    await client.start();
  } catch (error) {
    output.appendLine(`codeassist-lsp failed to start: ${String(error)}`);
    void vscode.window.showErrorMessage(
      `codeassist: the language server failed to start (${String(error)}). See Output › codeassist; ` +
        "check `codeassist.serverCommand` / `codeassist.pythonPath`.",
    );
    return;
  }
  chat.listen();
  context.subscriptions.push(await status.listen());
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
