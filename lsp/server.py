"""`codeassist-lsp`: the entry point. pygls is touched only by `app.py` (the server object) and the
`handlers_*` modules (thin handlers: read the params, call the engine, convert the result, return).

    codeassist-lsp                      # stdio (default)
    codeassist-lsp --tcp 127.0.0.1:2087 --log-file /tmp/codeassist-lsp.log
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil

import codeassist.lsp as package
from codeassist.lsp import framing
from codeassist.lsp.app import CodeassistServer, server

# Every `handlers_*` module registers its features on `server` when imported: a new feature is a new
# module, nothing to list here.
for _info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
    if _info.name.startswith("handlers_"):
        importlib.import_module(f"codeassist.lsp.{_info.name}")

__all__ = ["CodeassistServer", "main", "server"]


# -- entry point -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="codeassist-lsp", description="The codeassist language server.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead")
    parser.add_argument("--log-file", help="write the server log to this file")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=args.log_level,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:  # stderr: stdout carries the protocol
        logging.basicConfig(level=logging.WARNING)
    if args.log_level != "DEBUG":  # pygls logs every message body at INFO: document text has no place in a log
        logging.getLogger("pygls").setLevel(logging.WARNING)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            parser.error("--tcp takes HOST:PORT, e.g. 127.0.0.1:2087")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        framing.start_io(server)  # our reader: bounded messages, malformed ones answered


if __name__ == "__main__":
    main()
