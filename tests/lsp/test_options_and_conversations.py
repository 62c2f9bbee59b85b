"""Server options (bad values are reported, defaults kept) and conversation memory limits."""

from __future__ import annotations

from pathlib import Path

from codeassist.lsp.options import load_server_settings, parse_lsp_options


def test_lsp_options_and_bad_settings_fall_back_to_defaults(tmp_path: Path):
    opts, problems = parse_lsp_options({"embed": False, "retrievalMode": "hybrid", "nope": 1})
    assert opts.embed is False and opts.retrieval_mode == "hybrid"
    assert problems == ["initializationOptions: unknown key 'lsp.nope'. Valid keys: indexOnStart, embed, "
                        "retrievalMode, inlineCompletion, reindexDebounceMs, fimContext, editPrompt."]
    _, problems = parse_lsp_options({"fimContext": "xml"})
    assert problems == ["initializationOptions: 'lsp.fimContext' = 'xml' is not valid (expected one of "
                        "comments, files); using 'comments'."]
    settings, _, problems = load_server_settings(tmp_path, {"completion": {"model": 3}})
    assert settings.completion.model == "" and "completion.model" in problems[0]
    settings, _, problems = load_server_settings(tmp_path, {"codeassist": {"completion": {"model": "qwen"},
                                                                           "trace": {"server": "verbose"}}})
    assert settings.completion.model == "qwen" and problems == []


def test_conversations_keep_recent_turns_and_recent_conversations():
    from codeassist.lsp.chat import MAX_CONVERSATIONS, MAX_TURNS, Conversations

    conversations = Conversations()
    for i in range(MAX_TURNS + 5):
        conversations.record("a", f"q{i}", f"a{i}")
    history = conversations.history("a")
    assert len(history) == 2 * MAX_TURNS and history[-1] == {"role": "assistant", "content": f"a{MAX_TURNS + 4}"}
    for i in range(MAX_CONVERSATIONS):
        conversations.record(f"c{i}", "q", "a")
    assert conversations.history("a") == [] and conversations.history(f"c{MAX_CONVERSATIONS - 1}")
