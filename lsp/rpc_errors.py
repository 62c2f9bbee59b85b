"""How handler errors become JSON-RPC answers and log lines (pygls 2.x behaviour, adjusted by wrapping).

- A domain error (`CodeassistError`: bad params, a URI outside the workspace, a model endpoint that
  failed) raised by ANY handler is answered with -32602 (invalid params) and its message, which says how
  to fix it; pygls would answer -32603 (internal error) for every handler not wrapped in `guarded`.
- pygls logs a full traceback for every request a handler refused on purpose (the client got the
  message): one warning line instead. Internal errors keep their traceback.
- a `didChange` for a document that is not open is dropped with a warning (pygls raises KeyError).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from codeassist.errors import CodeassistError

log = logging.getLogger(__name__)


class CodeassistProtocol(LanguageServerProtocol):
    """pygls's protocol, with domain errors answered as invalid params (see the module docstring)."""

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        error = None if future.cancelled() else future.exception()
        if isinstance(error, CodeassistError):
            self._request_futures.pop(msg_id, None)
            log.warning("request %s refused: %s", msg_id, error)
            self._send_response(msg_id, error=JsonRpcInvalidParams(str(error)).to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)


    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """pygls applies a change to a document that was never opened with a KeyError (an internal error in
        the status): such a change is dropped with a warning, as LSP says the client must open it first."""
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            log.warning("dropped a textDocument/didChange for %s, which is not open (send didOpen first)",
                        params.text_document.uri[:200])
            return
        yield from super().lsp_text_document__did_change(params)


class AnsweredErrorLog(logging.Filter):
    """Turns pygls's traceback for a request refused with a JSON-RPC error on purpose into one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            record.msg, record.args = f"{record.getMessage()}: {error}", ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


logging.getLogger("pygls.protocol.json_rpc").addFilter(AnsweredErrorLog())
