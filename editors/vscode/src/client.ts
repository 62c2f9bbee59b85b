/** Builds the LanguageClient for `codeassist-lsp`, or explains how to install it when it is missing. */

import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { findExecutable } from "./executable";
import { buildInitializationOptions, resolveServerCommand, serverNotFoundMessage } from "./settings";

export const CLIENT_ID = "codeassist";

export async function showServerNotFound(command: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(serverNotFoundMessage(command), "Open Settings");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "codeassist.serverCommand");
  }
}

/**
 * The server lists its commands in `executeCommandProvider`, and vscode-languageclient would register each
 * as a VS Code command. This extension contributes palette commands under some of the same ids (they fill
 * in the active document and selection before calling the server), so that registration must not happen:
 * it would throw "command already exists" and fail the start.
 */
function keepServerCommandsToOurselves(client: LanguageClient): void {
  const feature = (
    client as unknown as { getFeature(method: string): { register(data: unknown): void } | undefined }
  ).getFeature(ExecuteCommandRequest.method);
  if (feature) {
    feature.register = () => undefined;
  }
}

function withEditPrompt<T extends { lsp: object }>(options: T): T {
  return { ...options, lsp: { ...options.lsp, editPrompt: true } };
}

export function createClient(output: vscode.OutputChannel): LanguageClient | undefined {
  const config = vscode.workspace.getConfiguration(CLIENT_ID);
  const { command, args } = resolveServerCommand(config);
  const executable = findExecutable(command);
  if (!executable) {
    void showServerNotFound(command);
    return undefined;
  }
  const serverOptions: ServerOptions = { command: executable, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    // editPrompt: this extension implements codeassist.editWithInstruction (it asks for the instruction).
    initializationOptions: withEditPrompt(buildInitializationOptions(config)),
    outputChannel: output,
  };
  const client = new LanguageClient(CLIENT_ID, "codeassist", serverOptions, clientOptions);
  // textDocument/inlineCompletion is a "proposed" feature in vscode-languageclient 9.
  client.registerProposedFeatures();
  keepServerCommandsToOurselves(client);
  return client;
}
