--- codeassist for Neovim: repository-aware ghost-text completion and chat from codeassist-lsp.
---
---   require("codeassist").setup({ server = { completion = { model = "qwen2.5-coder:1.5b" } } })
local M = {}

--- Configure and start the client for the configured filetypes. Safe to call more than once:
--- the autocommand group is recreated and running clients are reused.
---@param opts table|nil see lua/codeassist/config.lua for the defaults
function M.setup(opts)
  local options = require("codeassist.config").setup(opts)
  local server = require("codeassist.server")
  local group = vim.api.nvim_create_augroup("codeassist", { clear = true })
  if options.edit_key then
    vim.keymap.set("n", options.edit_key, function()
      require("codeassist.edit").prompt(nil)
    end, { desc = "codeassist: edit the symbol under the cursor with an instruction" })
    vim.keymap.set("x", options.edit_key, function()
      local line1, line2 = vim.fn.line("v"), vim.fn.line(".")
      vim.api.nvim_feedkeys(vim.keycode("<Esc>"), "nx", false)
      require("codeassist.edit").prompt({ math.min(line1, line2), math.max(line1, line2) })
    end, { desc = "codeassist: edit the selected lines with an instruction" })
  end
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      if vim.bo[args.buf].buftype == "" then
        server.start(args.buf)
      end
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].buftype == ""
      and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype) then
      server.start(bufnr)
    end
  end
end

return M
