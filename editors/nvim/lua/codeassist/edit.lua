--- :CodeAssistEdit {instruction}: the server rewrites the selected lines (or the symbol under the cursor)
--- with the chat model, checks that the file still parses, and sends the change back as one
--- workspace/applyEdit, which Neovim applies as a single undo step (`u` reverts it).
local protocol = require("codeassist.protocol")
local server = require("codeassist.server")
local position = require("codeassist.position")

local M = {}

--- The LSP range of lines `line1`..`line2` (1-based, inclusive): whole lines, end exclusive.
---@param bufnr integer
---@param line1 integer
---@param line2 integer
---@param encoding string
---@return table
function M.lines_range(bufnr, line1, line2, encoding)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local finish
  if line2 < count then
    finish = { line = line2, character = 0 }
  else -- the last line: end at its end (there is no line after it)
    local last = vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] or ""
    finish = { line = count - 1, character = position.character(last, #last, encoding) }
  end
  return { start = { line = line1 - 1, character = 0 }, ["end"] = finish }
end

--- Run codeassist.edit. `opts.range`: {line1, line2} (1-based) or an LSP range; nil = the symbol under
--- the cursor. `opts.on_done(result)` is called with the server's answer (tests use it).
---@param instruction string
---@param opts table|nil
function M.run(instruction, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = server.require_client(bufnr)
  if not client then
    return
  end
  if not instruction or vim.trim(instruction) == "" then
    server.notify("say what to change, e.g. :CodeAssistEdit add type hints", vim.log.levels.WARN)
    return
  end
  local encoding = client.offset_encoding or "utf-16"
  local range = opts.range
  if range and range[1] then
    range = M.lines_range(bufnr, range[1], range[2], encoding)
  elseif not range then
    local here = vim.lsp.util.make_position_params(0, encoding).position
    range = { start = here, ["end"] = here }
  end
  local args = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range, instruction = instruction }
  server.notify("editing: " .. instruction)
  server.execute(client, protocol.CMD_EDIT, { args }, function(result)
    result = result or {}
    if result.applied then
      server.notify((result.summary or "edited"):gsub("^codeassist: ", "") .. " (u to undo)")
    elseif result.cancelled then
      server.notify("edit cancelled; nothing changed")
    else
      local proposed = result.proposed and result.proposed ~= "" and ("\nproposed:\n" .. result.proposed) or ""
      server.notify("not applied: " .. (result.reason or "no change") .. proposed, vim.log.levels.WARN)
    end
    if opts.on_done then
      opts.on_done(result)
    end
  end, bufnr)
end

--- Ask for an instruction, then edit `range` (LSP range or {line1, line2}).
function M.prompt(range, bufnr)
  vim.ui.input({ prompt = "codeassist edit: " }, function(input)
    if input and vim.trim(input) ~= "" then
      M.run(input, { range = range, bufnr = bufnr })
    end
  end)
end

--- The client-side command behind the "Edit with instruction…" code action.
function M.register_client_command()
  vim.lsp.commands[protocol.CLIENT_CMD_EDIT_PROMPT] = function(command)
    local target = (command.arguments or {})[1] or {}
    local bufnr = target.textDocument and vim.uri_to_bufnr(target.textDocument.uri) or nil
    M.prompt(target.range, bufnr)
  end
end

return M
