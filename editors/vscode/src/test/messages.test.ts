import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChatSession, parseWebviewMessage } from "../chat/messages";

const range = { start: { line: 3, character: 0 }, end: { line: 7, character: 1 } };

/** Conversation ids c1, c2, ... in order. */
function ids(): () => string {
  let n = 0;
  return () => `c${++n}`;
}

describe("parseWebviewMessage", () => {
  it("accepts well-formed messages", () => {
    assert.deepEqual(parseWebviewMessage({ type: "ask", question: "  what does foo do?  " }), {
      type: "ask",
      question: "what does foo do?",
    });
    assert.deepEqual(parseWebviewMessage({ type: "ready" }), { type: "ready" });
    assert.deepEqual(parseWebviewMessage({ type: "cancel", extra: 1 }), { type: "cancel" });
    assert.deepEqual(parseWebviewMessage({ type: "openSource", uri: "file:///r/a.py", range }), {
      type: "openSource",
      uri: "file:///r/a.py",
      range,
    });
  });

  it("reads range numbers that arrive as strings from data attributes", () => {
    const parsed = parseWebviewMessage({
      type: "openSource",
      uri: "file:///r/a.py",
      range: { start: { line: "3", character: "0" }, end: { line: "7", character: "1" } },
    });
    assert.deepEqual(parsed, { type: "openSource", uri: "file:///r/a.py", range });
  });

  it("drops malformed or unsafe messages", () => {
    for (const raw of [
      null,
      "ask",
      { type: "ask", question: "   " },
      { type: "ask" },
      { type: "openSource", uri: "command:workbench.action.terminal.new", range },
      { type: "openSource", uri: "file:///r/a.py", range: { start: { line: -1, character: 0 }, end: range.end } },
      { type: "openSource", uri: "file:///r/a.py" },
      { type: "runShell", command: "rm -rf /" },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
    }
  });
});

describe("ChatSession", () => {
  it("accumulates deltas in order and lets the final result win", () => {
    const chat = new ChatSession(ids());
    assert.equal(chat.begin("what does foo do?"), "c1");
    assert.ok(chat.busy);
    assert.ok(chat.applyDelta({ conversationId: "c1", text: "foo adds " }));
    assert.ok(chat.applyDelta({ conversationId: "c1", text: "two numbers." }));
    assert.equal(chat.current.turns[0].answer, "foo adds two numbers.");

    const sources = [{ uri: "file:///r/a.py", range, symbol: "foo" }];
    chat.finish({ conversationId: "c1", answer: "foo adds two numbers.\n", sources, model: "fake-chat" });
    assert.ok(!chat.busy);
    assert.deepEqual(chat.current.turns[0], {
      question: "what does foo do?",
      answer: "foo adds two numbers.\n",
      sources,
      done: true,
      model: "fake-chat",
    });
  });

  it("keeps the conversation id for follow-ups and ignores other conversations' deltas", () => {
    const chat = new ChatSession(ids());
    chat.begin("first");
    chat.applyDelta({ conversationId: "c1", text: "one" });
    chat.finish({ conversationId: "c1", answer: "one", sources: [] });
    assert.equal(chat.begin("and then?"), "c1");
    assert.equal(chat.applyDelta({ conversationId: "other", text: "noise" }), false);
    assert.ok(chat.applyDelta({ conversationId: "c1", text: "two" }));
    assert.equal(chat.current.turns[1].answer, "two");
    assert.equal(chat.current.turns[0].answer, "one");
  });

  it("ignores deltas when nothing is waiting", () => {
    const chat = new ChatSession(ids());
    assert.equal(chat.applyDelta({ conversationId: "c1", text: "late" }), false);
    assert.equal(chat.current.turns.length, 0);
  });

  it("keeps streamed text and the reason on failure", () => {
    const chat = new ChatSession(ids());
    chat.begin("q");
    chat.applyDelta({ conversationId: "c1", text: "partial" });
    chat.fail("Cancelled.");
    assert.deepEqual(chat.current.turns[0], { question: "q", answer: "partial", sources: [], done: true, error: "Cancelled." });
  });

  it("starts a new conversation after reset and drops the old one's late deltas", () => {
    const chat = new ChatSession(ids());
    chat.begin("q");
    chat.finish({ conversationId: "c1", answer: "a", sources: [] });
    chat.reset();
    assert.equal(chat.begin("new"), "c2");
    assert.equal(chat.applyDelta({ conversationId: "c1", text: "late" }), false);
    assert.equal(chat.current.turns.length, 1);
    assert.equal(chat.current.turns[0].answer, "");
  });

  it("names conversations with random ids by default", () => {
    const a = new ChatSession().begin("q");
    const b = new ChatSession().begin("q");
    assert.match(a, /^[0-9a-f-]{36}$/);
    assert.notEqual(a, b);
  });

  it("renders the transcript escaped, with a streaming cursor and sources", () => {
    const chat = new ChatSession(ids());
    chat.begin("<why>?");
    chat.applyDelta({ conversationId: "c1", text: "Because `a<b`" });
    const streaming = chat.render(["file:///r"]);
    assert.equal(streaming.type, "render");
    assert.ok(streaming.busy);
    assert.equal(
      streaming.html,
      '<div class="turn"><div class="question">&lt;why&gt;?</div>' +
        '<div class="answer"><p>Because <code>a&lt;b</code></p><span class="cursor">▍</span></div></div>',
    );
    chat.finish({ conversationId: "c1", answer: "Because `a<b`", sources: [{ uri: "file:///r/a.py", range, symbol: null }] });
    const done = chat.render(["file:///r"]);
    assert.ok(!done.busy);
    assert.ok(!done.html.includes("cursor"));
    assert.ok(done.html.includes(">a.py:4-8</a>"), done.html);
  });

  it("renders a placeholder when empty", () => {
    assert.match(new ChatSession().render().html, /Ask a question/);
  });
});
