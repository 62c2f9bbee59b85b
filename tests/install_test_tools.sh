#!/bin/sh
# Debian packages the test suite drives for real: Emacs + eglot, the second LSP client
# (tests/editors/test_emacs.py). Installs them when missing (as root, or through sudo); does nothing when
# they are there. Part of the README's test command, which .ci/run runs verbatim.
set -e
if emacs --batch --eval "(progn (package-initialize) (require 'eglot))" >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq emacs-nox elpa-eglot
