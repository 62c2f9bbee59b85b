"""Local suggestion metrics: what became of each inline suggestion (shown, accepted, partially accepted,
dismissed), written to the prompt log for `codeassist stats`. Nothing here is ever sent anywhere, and
with ``log = false`` nothing is recorded at all.

Every inline item gets an id (in its command's arguments). The server counts an item as shown when it
returns it; the client reports acceptance (VS Code runs the item's command, Neovim's accept mapping sends
``codeassist/suggestionEvent``) and dismissal. A suggestion replaced by another one for the same
document without a verdict counts as dismissed; typing along it (the cache serves its rest under the
same id) counts as partially accepted, once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections import OrderedDict
from typing import Any

from codeassist.lsp import protocol
from codeassist.lsp.app import CodeassistServer, server
from codeassist.lsp.chat import params_dict
from codeassist.promptlog import EVENT_KINDS, PromptLog

log = logging.getLogger(__name__)
MAX_TRACKED = 500
CLIENT_KINDS = ("accepted", "partial", "dismissed")


class SuggestionTracker:
    """Suggestion ids per document and the events recorded for them (at most one final verdict each)."""

    def __init__(self) -> None:
        self._current: dict[str, str] = {}  # uri -> id of the suggestion shown last
        self._seen: OrderedDict[str, set[str]] = OrderedDict()  # id -> kinds recorded
        self._log: tuple[Any, PromptLog | None] | None = None

    def shown(self, ls: CodeassistServer, uri: str, source: str, chars: int) -> str:
        """The id for a suggestion about to be returned for `uri` (a cache hit keeps the shown one's id)."""
        previous = self._current.get(uri)
        if source == "cache" and previous is not None:
            self._record(ls, previous, "partial", source, None)
            return previous
        if previous is not None:
            self._record(ls, previous, "dismissed", "", None)
        suggestion_id = uuid.uuid4().hex[:16]
        self._current[uri] = suggestion_id
        self._record(ls, suggestion_id, "shown", source, chars)
        return suggestion_id

    def event(self, ls: CodeassistServer, suggestion_id: str, kind: str, chars: int | None) -> None:
        """A client's report; unknown ids (another server run) and repeated verdicts are ignored."""
        if suggestion_id not in self._seen:
            return
        self._record(ls, suggestion_id, kind, "", chars)
        if kind in ("accepted", "dismissed"):
            for uri, current in list(self._current.items()):
                if current == suggestion_id:
                    del self._current[uri]

    def _record(self, ls: CodeassistServer, suggestion_id: str, kind: str, source: str, chars: int | None) -> None:
        kinds = self._seen.setdefault(suggestion_id, set())
        final = {"accepted", "dismissed"}
        if kind in kinds or (kind in final and kinds & final):
            return
        kinds.add(kind)
        while len(self._seen) > MAX_TRACKED:
            self._seen.popitem(last=False)
        prompt_log = self._prompt_log(ls)
        if prompt_log is None:
            return
        loop = asyncio.get_running_loop()
        write = functools.partial(prompt_log.record_event, suggestion_id, kind, source=source, chars=chars)
        future = loop.run_in_executor(None, write)
        future.add_done_callback(_log_failure)

    def _prompt_log(self, ls: CodeassistServer) -> PromptLog | None:
        if self._log is None or self._log[0] is not ls.settings:
            self._log = (ls.settings, PromptLog.from_settings(ls.settings) if ls.settings is not None else None)
        return self._log[1]


def _log_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.info("suggestion event not recorded: %s", future.exception())


tracker = SuggestionTracker()


def _event_params(params: Any) -> tuple[str, str, int | None] | None:
    try:
        data = params_dict(params)
    except Exception:  # noqa: BLE001 - a malformed notification is dropped, never answered
        return None
    suggestion_id, kind, chars = data.get("id"), data.get("kind", "accepted"), data.get("acceptedChars")
    if not isinstance(suggestion_id, str) or kind not in CLIENT_KINDS or kind not in EVENT_KINDS:
        return None
    return suggestion_id, kind, chars if isinstance(chars, int) and chars >= 0 else None


@server.feature(protocol.SUGGESTION_EVENT)
def suggestion_event(ls: CodeassistServer, params: Any) -> None:
    parsed = _event_params(params)
    if parsed is not None:
        tracker.event(ls, *parsed)


@server.command(protocol.CMD_SUGGESTION_ACCEPTED)
def cmd_suggestion_accepted(ls: CodeassistServer, *args: Any) -> None:
    parsed = _event_params({"kind": "accepted", **(params_dict(args[0]) if args else {})})
    if parsed is not None:
        tracker.event(ls, *parsed)
