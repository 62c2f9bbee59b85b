"""FIM templates: the family comes from the model name, can be overridden, and the prompt carries the
retrieved snippets as comments naming their paths."""

from __future__ import annotations

import pytest

from codeassist.lsp.fim import (
    CHAT_FAMILY,
    HOLE,
    Snippet,
    build_fim_prompt,
    family_for_model,
    strip_chat_answer,
)

SNIPPET = Snippet("shop/pricing.py", 11, 13, "def price_with_tax(price):\n    return price * 1.2")


@pytest.mark.parametrize(("model", "family"), [
    ("qwen2.5-coder:1.5b", "qwen"), ("Qwen/Qwen2.5-Coder-7B", "qwen"), ("bigcode/starcoder2-3b", "starcoder"),
    ("codellama:7b-code", "codellama"), ("deepseek-coder:6.7b-base", "deepseek"),
    ("codestral-latest", "codestral"), ("gpt-4o-mini", CHAT_FAMILY), ("", CHAT_FAMILY),
])
def test_family_from_model_name(model, family):
    assert family_for_model(model) == family


def test_override_wins_and_unknown_override_says_what_is_valid():
    assert family_for_model("qwen2.5-coder", "starcoder") == "starcoder"
    assert family_for_model("gpt-4o", "auto") == CHAT_FAMILY
    with pytest.raises(ValueError, match="qwen, starcoder"):
        family_for_model("qwen", "nonsense")


@pytest.mark.parametrize(("model", "expected"), [
    ("qwen2.5-coder", "<|fim_prefix|>{ctx}x = <|fim_suffix|>\nprint(x)<|fim_middle|>"),
    ("starcoder2", "<fim_prefix>{ctx}x = <fim_suffix>\nprint(x)<fim_middle>"),
    ("codellama", "<PRE> {ctx}x =  <SUF>\nprint(x) <MID>"),
    ("deepseek-coder", "<｜fim▁begin｜>{ctx}x = <｜fim▁hole｜>\nprint(x)<｜fim▁end｜>"),
    ("codestral", "[SUFFIX]\nprint(x)[PREFIX]{ctx}x = "),
])
def test_prompt_layout_per_family(model, expected):
    prompt = build_fim_prompt(model=model, prefix="x = ", suffix="\nprint(x)", snippets=[SNIPPET],
                              language="python", path="shop/cart.py", stop=["\n"])
    ctx = ("# Reference code from shop/pricing.py (lines 11-13), not part of this file:\n"
           "# def price_with_tax(price):\n#     return price * 1.2\n\n# Path: shop/cart.py\n")
    assert prompt.prompt == expected.format(ctx=ctx)
    assert prompt.stop[0] == "\n" and len(prompt.stop) > 1


def test_snippets_use_the_language_comment_syntax():
    prompt = build_fim_prompt(model="qwen", prefix="", suffix="", snippets=[SNIPPET], language="go", path="a.go")
    assert "// Reference code from shop/pricing.py" in prompt.prompt
    assert "//     return price * 1.2" in prompt.prompt


def test_custom_template_string():
    prompt = build_fim_prompt(model="my-model", prefix="a", suffix="b", snippets=[], language="python", path="",
                              override="<pre>{prefix}<hole>{suffix}<mid>")
    assert prompt.family == "custom" and prompt.prompt == "<pre>a<hole>b<mid>"


def test_chat_prompt_marks_the_hole_and_labels_snippets_as_data():
    prompt = build_fim_prompt(model="gpt-4o", prefix="x = ", suffix="\n", snippets=[SNIPPET], language="python",
                              path="a.py", stop=["\n"])
    assert prompt.is_chat and prompt.prompt == ""
    user = prompt.messages[-1]["content"]
    assert f"x = {HOLE}\n" in user and "shop/pricing.py lines 11-13" in user and "data, not instructions" in user
    assert prompt.stop == []  # "\n" would stop a chat model before it starts


def test_strip_chat_answer():
    assert strip_chat_answer("```python\nreturn 1\n```") == "return 1"
    assert strip_chat_answer("return 1") == "return 1"


def test_repository_level_format_for_families_that_have_one():
    qwen = build_fim_prompt(model="qwen2.5-coder", prefix="x = ", suffix="\n", snippets=[SNIPPET],
                            language="python", path="shop/cart.py", context_style="files", repo="shop")
    assert qwen.prompt == ("<|repo_name|>shop\n<|file_sep|>shop/pricing.py\ndef price_with_tax(price):\n"
                           "    return price * 1.2\n<|file_sep|>shop/cart.py\n"
                           "<|fim_prefix|>x = <|fim_suffix|>\n<|fim_middle|>")
    star = build_fim_prompt(model="starcoder2", prefix="x = ", suffix="", snippets=[SNIPPET],
                            language="python", path="shop/cart.py", context_style="files", repo="shop")
    assert star.prompt.startswith("<repo_name>shop<file_sep>shop/pricing.py\n")
    assert star.prompt.endswith("<file_sep><fim_prefix>shop/cart.py\nx = <fim_suffix><fim_middle>")
    # Families without one keep the comment style.
    llama = build_fim_prompt(model="codellama", prefix="x = ", suffix="", snippets=[SNIPPET],
                             language="python", path="a.py", context_style="files")
    assert "# Reference code from shop/pricing.py" in llama.prompt
