"""The model call of inline completion, per endpoint of the completion chain: each endpoint gets the FIM
prompt of its own model family (a hosted Codestral and a local Qwen2.5-Coder need different tokens), a
token budget for the mode, and its answer is only taken when it is more than control tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeassist.lsp.cursor_context import CursorContext
from codeassist.lsp.fim import FimPrompt, Snippet, build_fim_prompt, cut_control_tokens, family_for_model

SINGLE_LINE_MAX_TOKENS = 64


def prompt_for(ctx: CursorContext, snippets: list[Snippet], assembled: FimPrompt, position: int, model: str,
               options: Any) -> FimPrompt:
    """The prompt for one endpoint: the assembled one for the section's own model (and any model of the
    same family); rebuilt for a fallback of another family."""
    if position == 0 or family_for_model(model) == assembled.family:
        return assembled
    return build_fim_prompt(model=model, prefix=ctx.prefix, suffix=ctx.suffix, snippets=snippets,
                            language=ctx.language, path=ctx.path, stop=["\n"] if not ctx.multiline else ["\n\n\n"],
                            context_style=options.context_style, repo=options.repo)


def endpoint_starter(ctx: CursorContext, snippets: list[Snippet], assembled: FimPrompt, options: Any,
                     prompts: dict[int, FimPrompt]) -> Callable[[Any, float, dict], Any]:
    """`start(endpoint, timeout_s, log_extra)` for `LLMChain.stream`; `prompts` collects the prompt
    sent to each chain position (the caller needs the one that answered: a chat prompt's answer is
    unwrapped differently)."""
    def start(ep: Any, timeout: float, log_extra: dict) -> Any:
        prompt = prompts.setdefault(ep.position, prompt_for(ctx, snippets, assembled, ep.position,
                                                            ep.settings.model, options))
        max_tokens = options.max_tokens if "\n" not in prompt.stop else min(options.max_tokens,
                                                                            SINGLE_LINE_MAX_TOKENS)
        if prompt.is_chat:
            return ep.client.chat_stream(prompt.messages, template="fim-chat", template_version=prompt.version,
                                         max_tokens=max_tokens,
                                         temperature=0.0, stop=prompt.stop or None, timeout=timeout,
                                         log_extra=log_extra)
        return ep.client.complete_stream(prompt.prompt, template=f"fim-{prompt.family}",
                                         template_version=prompt.version, max_tokens=max_tokens,
                                         temperature=0.0, stop=prompt.stop, timeout=timeout, log_extra=log_extra)

    return start


def usable_answer(raw: str) -> str:
    """"" when a completion is worth post-processing; why not otherwise (the chain then moves on)."""
    return "" if cut_control_tokens(raw).strip() else "only control tokens"
