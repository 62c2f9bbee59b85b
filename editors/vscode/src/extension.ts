/** Entry point: start `codeassist-lsp` with the `codeassist.*` settings, wire the chat view and commands. */

import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import { DidChangeConfigurationNotification, type LanguageClient } from "vscode-languageclient/node";
import { CHAT_VIEW_ID, ChatPanel } from "./chat/panel";
import { CLIENT_ID, createClient, showServerNotFound } from "./client";
import { currentAskContext, PALETTE_COMMANDS, registerCommands } from "./commands";
import { registerEdit } from "./edit";
import { API_KEY_SECRET, buildInitializationOptions, type ResolveContext, resolveServerCommand } from "./settings";
import { StatusItem } from "./status";

let client: LanguageClient | undefined;

/** The Python extension's interpreter for the workspace, when that extension is installed (else undefined). */
async function pythonInterpreter(folder: vscode.Uri | undefined): Promise<string | undefined> {
  try {
    const extension = vscode.extensions.getExtension("ms-python.python");
    if (!extension) {
      return undefined;
    }
    const api = (await extension.activate()) as {
      environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } };
      settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] } };
    };
    return api.environments?.getActiveEnvironmentPath(folder)?.path ?? api.settings?.getExecutionDetails(folder)?.execCommand?.[0];
  } catch {
    return undefined;
  }
}

async function resolveContext(): Promise<ResolveContext> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return {
    home: os.homedir(),
    workspaceFolder: folder?.fsPath,
    env: process.env,
    pythonInterpreter: await pythonInterpreter(folder),
    isFile: (candidate) => {
      try {
        return fs.statSync(candidate).isFile();
      } catch {
        return false;
      }
    },
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("codeassist");
  context.subscriptions.push(output);
  const where = await resolveContext();
  client = createClient(output, where, await context.secrets.get(API_KEY_SECRET));
  if (!client) {
    // No server: the commands still answer, with the fix.
    const { command } = resolveServerCommand(vscode.workspace.getConfiguration(CLIENT_ID), where);
    for (const id of PALETTE_COMMANDS) {
      context.subscriptions.push(vscode.commands.registerCommand(id, () => showServerNotFound(command)));
    }
    return;
  }
  const running = client;
  const pushSettings = async (): Promise<void> => {
    const options = buildInitializationOptions(vscode.workspace.getConfiguration(CLIENT_ID), await context.secrets.get(API_KEY_SECRET));
    await running.sendNotification(DidChangeConfigurationNotification.type, { settings: { codeassist: options } });
  };
  const status = new StatusItem(client);
  const chat = new ChatPanel(client, context.extensionUri, () => currentAskContext(running));
  context.subscriptions.push(
    status,
    chat,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    ...registerCommands(client, chat, status, context.secrets),
    ...registerEdit(client),
    context.secrets.onDidChange((event) => {
      if (event.key === API_KEY_SECRET) {
        void pushSettings();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(CLIENT_ID)) {
        return;
      }
      const restart = ["serverCommand", "pythonPath", "enabledLanguages", "disabledLanguages"];
      if (restart.some((key) => event.affectsConfiguration(`${CLIENT_ID}.${key}`))) {
        void vscode.window.showInformationMessage("codeassist: reload the window to apply the new server command or languages.");
      }
      void pushSettings();
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
