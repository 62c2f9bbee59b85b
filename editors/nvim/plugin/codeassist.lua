-- User commands. The client itself starts from require("codeassist").setup() or vim.lsp.enable("codeassist").
if vim.g.loaded_codeassist then
  return
end
vim.g.loaded_codeassist = true

local function server()
  return require("codeassist.server")
end

vim.api.nvim_create_user_command("CodeAssistAsk", function(args)
  local opts = { new_conversation = args.bang }
  if args.range > 0 then
    opts.range = { args.line1, args.line2 }
  end
  require("codeassist.chat").ask(args.args, opts)
end, {
  nargs = "+",
  range = true,
  bang = true,
  desc = "codeassist: ask about the repository (! starts a new conversation; a range adds those lines)",
})

vim.api.nvim_create_user_command("CodeAssistExplain", function(args)
  require("codeassist.chat").explain(args.line1, args.line2)
end, { range = true, desc = "codeassist: explain the selected lines (default: the current line)" })

vim.api.nvim_create_user_command("CodeAssistDocstring", function()
  local client = server().require_client(0)
  if client then
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
    -- The server answers with workspace/applyEdit, which Neovim applies.
    server().execute(client, require("codeassist.protocol").CMD_WRITE_DOCSTRING, { params }, nil, 0)
  end
end, { desc = "codeassist: write a docstring for the function under the cursor" })

vim.api.nvim_create_user_command("CodeAssistReindex", function()
  local client = server().require_client(0)
  if client then
    server().execute(client, require("codeassist.protocol").CMD_REINDEX, {}, function()
      server().notify("re-indexing the workspace")
    end, 0)
  end
end, { desc = "codeassist: re-index the workspace" })

vim.api.nvim_create_user_command("CodeAssistToggle", function()
  local client = server().require_client(0)
  if client then
    server().execute(client, require("codeassist.protocol").CMD_TOGGLE, {}, function(result)
      local enabled = result
      if type(result) == "table" then
        enabled = result.enabled
      end
      if type(enabled) == "boolean" then
        server().notify("inline completion " .. (enabled and "on" or "off"))
      end
    end, 0)
  end
end, { desc = "codeassist: turn inline completion on or off" })

vim.api.nvim_create_user_command("CodeAssistEdit", function(args)
  local range = args.range > 0 and { args.line1, args.line2 } or nil
  if args.args == "" then
    require("codeassist.edit").prompt(range)
  else
    require("codeassist.edit").run(args.args, { range = range })
  end
end, {
  nargs = "*",
  range = true,
  desc = "codeassist: rewrite the selected lines (default: the symbol under the cursor) as instructed",
})

require("codeassist.edit").register_client_command()
