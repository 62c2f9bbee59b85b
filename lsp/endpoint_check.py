"""Is the configured model really there? `GET /models` on the completion and chat endpoints, as
`codeassist doctor` does, for the editors' health checks (`codeassist/status` with
`{"checkEndpoints": true}`): a configured model name says nothing about a server that is down."""

from __future__ import annotations

from typing import Any

PROBE_TIMEOUT_S = 5.0


def check_endpoint(settings: Any, section: str) -> dict[str, str]:
    """{"status": "ok" | "warn" | "fail" | "none", "detail": ..., "fix": ...} for `section` ("completion"
    or "chat"). Never raises; waits at most PROBE_TIMEOUT_S."""
    from codeassist.errors import CodeassistError
    from codeassist.llm import LLMClient

    endpoint = getattr(settings, section)
    if not endpoint.model:
        return {"status": "none", "detail": f"no {section} model configured", "fix": ""}
    try:
        models = LLMClient(endpoint, purpose=section).list_models(timeout=min(endpoint.timeout, PROBE_TIMEOUT_S))
    except CodeassistError as err:
        return {"status": "fail", "detail": f"{endpoint.base_url}: GET /models failed: {err}",
                "fix": f"start the model server at {endpoint.base_url}, or correct {section}.baseUrl"}
    if endpoint.model not in models:
        shown = ", ".join(models[:10]) or "none"
        return {"status": "warn", "detail": f"{endpoint.base_url} answers, but does not list model "
                                            f"'{endpoint.model}' (listed: {shown})",
                "fix": f"check {section}.model; some servers load models on demand"}
    return {"status": "ok", "detail": f"{endpoint.base_url} serves '{endpoint.model}'", "fix": ""}
