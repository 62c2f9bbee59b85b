// Drives the real codeassist-lsp over stdio with the VS Code extension's own modules (compiled, in
// EXTENSION_DIR): initializationOptions from out/settings.js, answer streaming through the chat panel's
// ChatSession (out/chat/messages.js). Prints a JSON report for tests/editors/test_vscode.py.
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");
const { pathToFileURL } = require("node:url");
const fs = require("node:fs");

const extensionDir = process.env.EXTENSION_DIR;
const repo = process.env.REPO_DIR;
const serverCommand = JSON.parse(process.env.SERVER_COMMAND);
const load = createRequire(path.join(extensionDir, "package.json"));
const rpc = load("vscode-jsonrpc/node");
const { buildInitializationOptions } = load("./out/settings.js");
const { ChatSession } = load("./out/chat/messages.js");
const protocol = load("./out/protocol.js");
const { spawn } = require("node:child_process");

async function main() {
  const child = spawn(serverCommand[0], serverCommand.slice(1), { cwd: repo, stdio: ["pipe", "pipe", "inherit"] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const session = new ChatSession();
  const deltas = [];
  connection.onNotification(protocol.ANSWER_DELTA, (delta) => {
    deltas.push(delta);
    session.applyDelta(delta);
  });
  connection.onNotification(() => undefined);
  connection.onRequest(() => null);
  connection.listen();

  // What the extension would send for these settings (and the test's keyword-only index).
  const values = { enable: true, debounceMs: 20, "completion.model": "qwen2.5-coder:1.5b", "chat.model": "fake-chat" };
  const initializationOptions = buildInitializationOptions({ get: (key) => values[key] });
  Object.assign(initializationOptions.lsp, { embed: false });
  const rootUri = pathToFileURL(repo).href;
  const init = await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: "repo" }],
    capabilities: { textDocument: { inlineCompletion: {} }, window: { workDoneProgress: false } },
    initializationOptions,
  });
  await connection.sendNotification("initialized", {});

  const uri = pathToFileURL(path.join(repo, "calc.py")).href;
  const text = fs.readFileSync(path.join(repo, "calc.py"), "utf8");
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "python", version: 1, text },
  });

  let status;
  for (let i = 0; i < 200; i++) {
    status = await connection.sendRequest(protocol.STATUS, {});
    if ((status.indexState === "ready" || status.indexState === "lexical") && status.chunks > 0) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const lines = text.split("\n");
  const inline = await connection.sendRequest("textDocument/inlineCompletion", {
    textDocument: { uri },
    position: { line: lines.length - 1, character: 0 },
    context: { triggerKind: 2 },
  });

  const conversationId = session.begin("what does foo do");
  const result = await connection.sendRequest(protocol.ASK, { question: "what does foo do", conversationId });
  const streamed = session.current.turns[0].answer;
  session.finish(result);
  const rendered = session.render([rootUri]);

  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  connection.dispose();
  child.kill();
  process.stdout.write(JSON.stringify({
    capabilities: init.capabilities,
    status,
    inline,
    conversationId,
    deltas,
    streamed,
    result,
    html: rendered.html,
    busy: rendered.busy,
  }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
