// Chat webview script: posts questions and source clicks to the extension, shows the HTML it renders.
// The HTML arrives already escaped (src/chat/render.ts); this script never builds markup from text.
(function () {
  const vscode = acquireVsCodeApi();
  const transcript = document.getElementById("transcript");
  const form = document.getElementById("ask");
  const question = document.getElementById("question");
  const cancel = document.getElementById("cancel");
  const send = document.getElementById("send");

  function submit() {
    const text = question.value.trim();
    if (text) {
      vscode.postMessage({ type: "ask", question: text });
      question.value = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });
  cancel.addEventListener("click", () => vscode.postMessage({ type: "cancel" }));
  document.getElementById("new").addEventListener("click", () => vscode.postMessage({ type: "newConversation" }));

  transcript.addEventListener("click", (event) => {
    const button = event.target.closest("button.code-copy, button.code-insert");
    if (button) {
      const code = button.closest(".code-block").querySelector("code").textContent;
      vscode.postMessage({ type: button.classList.contains("code-copy") ? "copyCode" : "insertCode", code });
      return;
    }
    const link = event.target.closest("a.source");
    if (!link) {
      return;
    }
    event.preventDefault();
    const d = link.dataset;
    vscode.postMessage({
      type: "openSource",
      uri: d.uri,
      range: {
        start: { line: Number(d.startLine), character: Number(d.startCharacter) },
        end: { line: Number(d.endLine), character: Number(d.endCharacter) },
      },
    });
  });

  window.addEventListener("message", (event) => {
    const message = event.data;
    if (message && message.type === "render") {
      transcript.innerHTML = message.html;
      cancel.disabled = !message.busy;
      send.disabled = message.busy;
      window.scrollTo(0, document.body.scrollHeight);
    }
  });

  vscode.postMessage({ type: "ready" });
})();
