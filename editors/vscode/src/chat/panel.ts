/** The chat webview view: sends questions to the server and streams `codeassist/answerDelta` into it. */

import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { ANSWER_DELTA, ASK, type AnswerDelta, type AskParams, type AskResult, CMD_EXPLAIN, type LspRange } from "../protocol";
import type { AskContext } from "./askContext";
import { ChatSession, parseWebviewMessage, type WebviewMessage } from "./messages";

export const CHAT_VIEW_ID = "codeassist.chat";

export class ChatPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly session = new ChatSession();
  private cancel: vscode.CancellationTokenSource | undefined;
  private renderTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly extensionUri: vscode.Uri,
    /** The current file and selection, sent with questions typed in the panel. */
    private readonly currentContext: () => AskContext = () => ({}),
  ) {}

  /** Call once the client is running. */
  listen(): void {
    this.disposables.push(
      this.client.onNotification(ANSWER_DELTA, (delta: AnswerDelta) => {
        if (this.session.applyDelta(delta)) {
          this.scheduleRender();
        }
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media")] };
    view.webview.html = this.html(view.webview);
    view.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(parseWebviewMessage(raw)), null, this.disposables);
  }

  /** Ask a question in the current conversation, about the given document/range if any. */
  async ask(question: string, context: AskContext = {}): Promise<void> {
    await this.reveal();
    const conversationId = this.session.begin(question);
    const params: AskParams = { question, ...context, conversationId };
    await this.run((token) => this.client.sendRequest<AskResult>(ASK, params, token));
  }

  /** Explain a range: a new conversation, answered by the server's explain command. */
  async explain(uri: string, range: LspRange, label: string): Promise<void> {
    await this.reveal();
    this.session.reset();
    const conversationId = this.session.begin(`Explain ${label}`);
    const args = [{ textDocument: { uri }, range, conversationId }];
    await this.run((token) =>
      this.client.sendRequest<AskResult>(ExecuteCommandRequest.method, { command: CMD_EXPLAIN, arguments: args }, token),
    );
  }

  private async run(send: (token: vscode.CancellationToken) => Promise<AskResult>): Promise<void> {
    this.cancel?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.cancel = source;
    this.render();
    try {
      this.session.finish(await send(source.token));
    } catch (error) {
      this.session.fail(source.token.isCancellationRequested ? "Cancelled." : errorMessage(error));
    } finally {
      source.dispose();
      if (this.cancel === source) {
        this.cancel = undefined;
      }
      this.render();
    }
  }

  private onMessage(message: WebviewMessage | undefined): void {
    switch (message?.type) {
      case "ready":
        this.render();
        break;
      case "ask":
        void this.ask(message.question, this.currentContext());
        break;
      case "copyCode":
        void vscode.env.clipboard.writeText(message.code);
        break;
      case "insertCode":
        void insertAtCursor(message.code);
        break;
      case "newConversation":
        this.cancel?.cancel();
        this.session.reset();
        this.render();
        break;
      case "cancel":
        this.cancel?.cancel();
        break;
      case "openSource": {
        const { start, end } = message.range;
        const selection = new vscode.Range(start.line, start.character, end.line, end.character);
        void vscode.window.showTextDocument(vscode.Uri.parse(message.uri), { selection, preview: true });
        break;
      }
      default:
        break;
    }
  }

  private async reveal(): Promise<void> {
    if (!this.view?.visible) {
      await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    }
  }

  private scheduleRender(): void {
    // Deltas come in fast; re-render at most every 50 ms.
    this.renderTimer ??= setTimeout(() => {
      this.renderTimer = undefined;
      this.render();
    }, 50);
  }

  private render(): void {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString());
    void this.view?.webview.postMessage(this.session.render(roots));
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", "chat.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", "chat.css"));
    const csp = `default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>codeassist</title>
</head>
<body>
<div id="transcript"></div>
<form id="ask">
  <textarea id="question" rows="3" placeholder="Ask about this repository (Enter to send, Shift+Enter for a new line)"></textarea>
  <div class="buttons">
    <button type="submit" id="send">Ask</button>
    <button type="button" id="cancel" disabled>Stop</button>
    <button type="button" id="new">New conversation</button>
  </div>
</form>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.cancel?.cancel();
    if (this.renderTimer) {
      clearTimeout(this.renderTimer);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** Replace the selection of the last active text editor with `code` (the panel has the focus now). */
async function insertAtCursor(code: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showInformationMessage("codeassist: open an editor to insert the code into.");
    return;
  }
  await editor.edit((edit) => edit.replace(editor.selection, code));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
