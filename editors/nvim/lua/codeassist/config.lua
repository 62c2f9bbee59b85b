--- Defaults and the merged options of `require("codeassist").setup(opts)`.
local M = {}

M.defaults = {
  --- How to start the language server.
  cmd = { "codeassist-lsp" },
  --- Buffers of these filetypes get the client (the languages the indexer chunks).
  filetypes = {
    "python", "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "rust", "java",
    "c", "cpp", "cs", "ruby", "php", "sh", "bash", "lua", "kotlin", "scala", "swift",
  },
  --- The workspace root is the nearest directory holding one of these; with none, the server runs in
  --- single-file mode (no index).
  root_markers = { ".codeassist.toml", ".git", "pyproject.toml", "package.json", "go.mod", "Cargo.toml" },
  --- Sent to the server as `initializationOptions` (and as `settings.codeassist`): the server's settings
  --- sections in camelCase (`chat`, `completion`, `embeddings`, `index`, `search`, `context`: each with
  --- `baseUrl`, `model`, `apiKey`, ... as in .codeassist.toml) plus `lsp` for server-only switches
  --- (`inlineCompletion`, `indexOnStart`, `embed`, `retrievalMode`). Unset values fall back to the
  --- server's own config files and environment (`CODEASSIST_*`, `OPENAI_API_KEY`). Example:
  ---   server = { completion = { baseUrl = "http://localhost:11434/v1", model = "qwen2.5-coder:1.5b" },
  ---              chat = { baseUrl = "http://localhost:11434/v1", model = "llama3.1" } }
  server = {},
  ghost = {
    enabled = true,
    --- Insert-mode key that accepts the suggestion; it types a normal <Tab> when none is shown.
    accept_key = "<Tab>",
    --- Insert-mode key that hides the suggestion (false: no mapping).
    dismiss_key = "<C-]>",
    --- Extra wait after a keystroke before asking the server. 0 (the default): ask at once -- the
    --- server owns the debounce (`server.completion.debounceMs`, 150 ms by default) and a newer request
    --- cancels the older one, so there is one debounce, not two.
    debounce_ms = 0,
    --- Highlight of the ghost text. `CodeAssistGhost` links to `Comment`, with a grey cterm fallback when
    --- `Comment` has no cterm colour and 'termguicolors' is off (else ghost text looks like real code).
    hl_group = "CodeAssistGhost",
    --- Use Neovim's own `vim.lsp.inline_completion` (0.12+) when it exists.
    use_builtin = true,
  },
  --- Normal/visual-mode key for "edit with an instruction" (asks for it; false: no mapping).
  edit_key = "<leader>ce",
  chat = {
    --- Window command that opens the answer buffer: "vsplit", "split", "tabnew", "botright 15split" ...
    split = "vsplit",
  },
}

M.options = vim.deepcopy(M.defaults)

--- Merge user options over the defaults (lists such as `filetypes` are replaced, not appended).
---@param opts table|nil
---@return table
function M.setup(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

---@return table
function M.get()
  return M.options
end

return M
