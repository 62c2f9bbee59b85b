/** Status bar item: index and model state from `codeassist/status` / `codeassist/statusChanged`; click toggles. */

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { STATUS, STATUS_CHANGED, type ServerStatus } from "./protocol";
import { describeStatus } from "./statusText";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private status: ServerStatus | undefined;

  constructor(private readonly client: LanguageClient) {
    this.item.command = "codeassist.toggle";
    this.show(undefined);
    this.item.show();
  }

  /** Call once the client is running: subscribe to changes and fetch the current state. */
  async listen(): Promise<vscode.Disposable> {
    const subscription = this.client.onNotification(STATUS_CHANGED, (status: ServerStatus) => this.show(status));
    await this.refresh();
    return subscription;
  }

  async refresh(): Promise<void> {
    try {
      this.show(await this.client.sendRequest<ServerStatus>(STATUS));
    } catch (error) {
      this.item.text = "$(warning) codeassist";
      this.item.tooltip = `codeassist: status unavailable (${String(error)})`;
    }
  }

  /** After a toggle the server reports the new state; reflect it at once. */
  setEnabled(enabled: boolean): void {
    if (this.status) {
      this.show({ ...this.status, enabled });
    }
  }

  private show(status: ServerStatus | undefined): void {
    this.status = status;
    const { text, tooltip } = describeStatus(status);
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.item.dispose();
  }
}
