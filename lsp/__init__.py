"""codeassist.lsp: the language server (pygls)."""
