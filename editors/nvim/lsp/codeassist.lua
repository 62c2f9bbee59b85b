-- Config for Neovim 0.11+ users of vim.lsp.enable("codeassist") (no setup() call needed):
--   vim.lsp.config("codeassist", { init_options = { completion = { model = "qwen2.5-coder:1.5b" } } })
--   vim.lsp.enable("codeassist")
local server = require("codeassist.server")

local config = server.lsp_config(require("codeassist.config").defaults)
config.name = nil -- vim.lsp.enable names the client after this file: "codeassist"
return config
