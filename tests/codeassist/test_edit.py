"""Edit with an instruction: the model's answer in every usual shape becomes exactly the selection's new
text; answers that break the file, or would write a redaction placeholder, are not applied."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from codeassist.edit import EditRejected, EditRequest, propose_edit, replacement_from_answer
from codeassist.edit_text import apply_replacement, region_for_lines, region_for_offsets
from codeassist.settings import load_settings
from tests.codeassist.conftest import endpoint_env
from tests.fake_openai import FakeOpenAI, Reply

CALC = textwrap.dedent('''\
    import math


    def add(a, b):
        return a + b


    def mul(a, b):
        return a * b
    ''')
TYPED_MUL = "def mul(a: float, b: float) -> float:\n    return a * b\n"
EXPECTED = CALC.replace("def mul(a, b):\n    return a * b\n", TYPED_MUL)


def request(text: str = CALC, start: int = 8, end: int = 9, language: str = "python") -> EditRequest:
    return EditRequest("calc.py", text, region_for_lines(text, start, end), "add type hints", language)


@pytest.mark.parametrize("shape, answer", [
    ("bare code", TYPED_MUL),
    ("bare code without its final newline", TYPED_MUL.rstrip("\n")),
    ("fenced block with prose around it", f"Here is the typed version:\n\n```python\n{TYPED_MUL}```\n\nThis adds hints."),
    ("tilde fence", f"~~~py\n{TYPED_MUL}~~~"),
    ("stream cut before the closing fence", f"```python\n{TYPED_MUL}"),
    ("repeats the lines before the selection", f"```python\ndef add(a, b):\n    return a + b\n\n\n{TYPED_MUL}```"),
    ("echoes the whole file", f"```python\n{EXPECTED}```"),
])
def test_answer_shapes_replace_exactly_the_selection(shape: str, answer: str) -> None:
    req = request()
    replacement = replacement_from_answer(answer, req)
    assert apply_replacement(req.text, req.region, replacement, "python") == EXPECTED, shape


def test_a_dedented_method_is_indented_back_to_the_selection() -> None:
    text = "class Calc:\n    def mul(self, a, b):\n        return a * b\n"
    req = request(text, 2, 3)
    answer = "```python\ndef mul(self, a: float, b: float) -> float:\n    return a * b\n```"
    new = apply_replacement(text, req.region, replacement_from_answer(answer, req), "python")
    assert new == "class Calc:\n    def mul(self, a: float, b: float) -> float:\n        return a * b\n"


def test_crlf_files_keep_their_line_endings() -> None:
    text = CALC.replace("\n", "\r\n")
    req = request(text)
    new = apply_replacement(text, req.region, replacement_from_answer(TYPED_MUL, req), "python")
    assert new == EXPECTED.replace("\n", "\r\n")


def test_tab_indented_go_keeps_tabs() -> None:
    text = "package calc\n\nfunc Mul(a, b int) int {\n\treturn a * b\n}\n"
    req = request(text, 3, 5, "go")
    answer = "```go\nfunc Mul(a, b int64) int64 {\n\treturn a * b\n}\n```"
    new = apply_replacement(text, req.region, replacement_from_answer(answer, req), "go")
    assert new == "package calc\n\nfunc Mul(a, b int64) int64 {\n\treturn a * b\n}\n"


def test_a_mid_line_selection_replaces_only_those_characters() -> None:
    text = "total = price * quantity  # euros\n"
    start = text.index("price * quantity")
    req = EditRequest("calc.py", text, region_for_offsets(text, start, start + len("price * quantity")),
                      "use the discounted price", "python")
    new = apply_replacement(text, req.region, replacement_from_answer("`discounted(price) * quantity`", req), "python")
    assert new == "total = discounted(price) * quantity  # euros\n"


@pytest.mark.parametrize("language, text, start, end, answer", [
    ("python", CALC, 8, 9, "```python\ndef mul(a, b:\n    return a * b\n```"),
    ("go", "package calc\n\nfunc Mul(a, b int) int {\n\treturn a * b\n}\n", 3, 5,
     "```go\nfunc Mul(a, b int) int {\n\treturn a * b\n```"),
    ("typescript", "export function mul(a: number, b: number) {\n  return a * b;\n}\n", 1, 3,
     "```ts\nexport function mul(a: number, b: number) {\n  return a * b;\n}}\n```"),
])
def test_an_answer_that_breaks_the_syntax_is_rejected_with_the_proposed_text(language: str, text: str,
                                                                              start: int, end: int,
                                                                              answer: str) -> None:
    req = request(text, start, end, language)
    replacement = replacement_from_answer(answer, req)
    with pytest.raises(EditRejected) as caught:
        apply_replacement(text, req.region, replacement, language)
    assert "would not parse" in caught.value.reason and caught.value.proposed == replacement


def test_a_file_that_already_had_errors_can_still_be_edited_elsewhere() -> None:
    text = CALC + "def broken(:\n    pass\n"
    req = request(text)
    assert "def mul(a: float" in apply_replacement(text, req.region, replacement_from_answer(TYPED_MUL, req), "python")


def settings_for(server: FakeOpenAI) -> Any:
    return load_settings(None, env=endpoint_env(server.base_url))


def test_secrets_are_redacted_in_the_request_but_kept_in_the_file(fake_openai: FakeOpenAI) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYz9"
    text = f'AWS_SECRET_ACCESS_KEY = "{secret}"\n\n\ndef connect(region):\n    return region\n'
    fake_openai.script("chat", Reply(text="```python\ndef connect(region: str) -> str:\n    return region\n```"))
    req = request(text, 4, 5)
    proposal = propose_edit(req, searcher=None, settings=settings_for(fake_openai))
    sent = fake_openai.all_request_text()
    assert secret not in sent and "AWS_SECRET_ACCESS_KEY" in sent
    assert proposal.new_text == text.replace("def connect(region):", "def connect(region: str) -> str:")
    assert secret in proposal.new_text


def test_a_kept_secret_line_inside_the_selection_gets_its_real_value_back(fake_openai: FakeOpenAI) -> None:
    secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    text = f'TOKEN = "{secret}"\nTIMEOUT = 5\n'
    fake_openai.script("chat", Reply(text='```python\nTOKEN = "[REDACTED:github-token]"\nTIMEOUT = 30\n```'))
    proposal = propose_edit(request(text, 1, 2), searcher=None, settings=settings_for(fake_openai))
    assert secret not in fake_openai.all_request_text()
    assert proposal.new_text == f'TOKEN = "{secret}"\nTIMEOUT = 30\n'


def test_an_answer_that_changes_a_secret_line_is_not_applied(fake_openai: FakeOpenAI) -> None:
    secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    text = f'TOKEN = "{secret}"\n'
    fake_openai.script("chat", Reply(text='```python\nTOKEN: str = "[REDACTED:github-token]"\n```'))
    with pytest.raises(EditRejected, match="holds a secret"):
        propose_edit(request(text, 1, 1), searcher=None, settings=settings_for(fake_openai))


def test_diagnostics_and_the_instruction_reach_the_prompt(fake_openai: FakeOpenAI) -> None:
    from codeassist.edit import DiagnosticNote

    fake_openai.script("chat", Reply(text=f"```python\n{TYPED_MUL}```"))
    req = request()
    req.diagnostics = [DiagnosticNote("Missing type annotation for parameter 'a'", 8, "reportMissingParameterType",
                                      "Pyright", "error")]
    proposal = propose_edit(req, searcher=None, settings=settings_for(fake_openai))
    prompt = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert "Missing type annotation for parameter 'a'" in prompt and "reportMissingParameterType" in prompt
    assert "add type hints" in prompt and "def mul(a, b):" in prompt and "def add(a, b):" in prompt
    assert proposal.diff.startswith("--- a/calc.py\n+++ b/calc.py\n")
    assert "-def mul(a, b):\n+def mul(a: float, b: float) -> float:\n" in proposal.diff


def test_the_definitions_the_selection_uses_reach_the_prompt(fake_openai: FakeOpenAI, tmp_path) -> None:
    from codeassist.indexer import open_index
    from codeassist.indexer.pipeline import index_repository

    root = tmp_path / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "pricing.py").write_text(
        'def discount_rate(customer, season="summer"):\n'
        '    """Fraction taken off for loyal customers; 0 for new ones."""\n'
        '    return 0.1 if customer.orders > 10 else 0.0\n')
    cart = ("from shop.pricing import discount_rate\n\n\n"
            "def total(cart, customer):\n    return sum(cart) * (1 - discount_rate(customer))\n")
    (root / "shop" / "cart.py").write_text(cart)
    index_repository(root, tmp_path / "idx", embed=False)
    fake_openai.script("chat", Reply(text="```python\ndef total(cart, customer):\n    return round(sum(cart) * (1 - discount_rate(customer)), 2)\n```"))
    req = EditRequest("shop/cart.py", cart, region_for_lines(cart, 4, 5), "round to cents", "python")
    with open_index(root, tmp_path / "idx") as index:
        proposal = propose_edit(req, searcher=index, settings=settings_for(fake_openai))
    prompt = fake_openai.requests_of("chat")[0].json["messages"][-1]["content"]
    assert 'def discount_rate(customer, season="summer"):' in prompt
    assert "Fraction taken off for loyal customers" in prompt
    block = prompt.split("Definitions of what the selection uses", 1)[1].split("Related repository snippets")[0]
    assert "shop/pricing.py:1-3 discount_rate" in block
    assert "round(sum(cart)" in proposal.new_text
