--- Ghost text from `textDocument/inlineCompletion`, drawn with extmarks.
---
--- The first line of a suggestion is inline virtual text at the cursor, the rest are virtual lines
--- below it. A request is debounced on TextChangedI/CursorMovedI; a newer one cancels the older one;
--- the suggestion disappears when the cursor moves or insert mode ends. On Neovim 0.12+ the built-in
--- `vim.lsp.inline_completion` does all this instead (unless `ghost.use_builtin = false`).
local config = require("codeassist.config")
local position = require("codeassist.position")
local protocol = require("codeassist.protocol")
local server = require("codeassist.server")

local M = {}

local ns = vim.api.nvim_create_namespace("codeassist_ghost")
local group = vim.api.nvim_create_augroup("codeassist_ghost", { clear = true })
local uv = vim.uv or vim.loop

--- Per-buffer state: { client_id, timer, request_id, suggestion = { row, col, end_row, end_col, text, lines, extmark } }
local buffers = {}

M.namespace = ns
M.HL_GROUP = "CodeAssistGhost"

--- Define `CodeAssistGhost`: a link to `Comment`, unless `Comment` has no cterm colour while
--- 'termguicolors' is off -- then Comment's gui colour plus a grey cterm colour and italics, so ghost text
--- never looks like code that is really there. Re-run on ColorScheme and when 'termguicolors' changes.
function M.define_highlight()
  local comment = vim.api.nvim_get_hl(0, { name = "Comment", link = false })
  if vim.o.termguicolors or comment.ctermfg then
    vim.api.nvim_set_hl(0, M.HL_GROUP, { link = "Comment", default = true })
  else
    vim.api.nvim_set_hl(0, M.HL_GROUP, {
      default = true, fg = comment.fg, italic = true, ctermfg = 8, cterm = { italic = true },
    })
  end
end

local hl_group = vim.api.nvim_create_augroup("codeassist_ghost_hl", { clear = true })
vim.api.nvim_create_autocmd("ColorScheme", { group = hl_group, callback = M.define_highlight })
vim.api.nvim_create_autocmd("OptionSet", {
  group = hl_group,
  pattern = "termguicolors",
  callback = function()
    vim.api.nvim_set_hl(0, M.HL_GROUP, {}) -- drop the old definition (default = true keeps it otherwise)
    M.define_highlight()
  end,
})
M.define_highlight()

local function builtin()
  return config.get().ghost.use_builtin and vim.lsp.inline_completion ~= nil
end

--- Hide the suggestion of `bufnr` (if any).
function M.clear(bufnr)
  local state = buffers[bufnr]
  if state then
    state.suggestion = nil
  end
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  end
end

local function cancel_pending(state)
  if state.timer then
    state.timer:stop()
  end
  if state.request_id then
    local client = vim.lsp.get_client_by_id(state.client_id)
    if client then
      server.cancel(client, state.request_id)
    end
    state.request_id = nil
  end
end

---@return table|nil the suggestion currently shown in `bufnr`
function M.current(bufnr)
  local state = buffers[bufnr or vim.api.nvim_get_current_buf()]
  return state and state.suggestion
end

--- The text the suggestion adds at the cursor: `insertText` minus what is already typed in its range.
---@param line string the cursor line
---@param start_col integer byte column where the item's range starts
---@param cursor_col integer byte column of the cursor
---@param text string insertText
---@return string|nil ghost text, or nil when the item does not continue what is typed
function M.ghost_text(line, start_col, cursor_col, text)
  local typed = line:sub(start_col + 1, cursor_col)
  if text:sub(1, #typed) ~= typed then
    return nil
  end
  return text:sub(#typed + 1)
end

--- Draw `ghost` at the suggestion's cursor: its first line inline, the rest as virtual lines.
local function draw(bufnr, s, ghost)
  local lines = vim.split(ghost, "\n", { plain = true })
  local hl = config.get().ghost.hl_group
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], hl } }
  end
  s.ghost, s.lines = ghost, lines
  s.extmark = vim.api.nvim_buf_set_extmark(bufnr, ns, s.row, s.col, {
    virt_text = { { lines[1], hl } },
    virt_text_pos = "inline",
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = "combine",
  })
end

local function show(bufnr, state, item, client)
  local win = vim.api.nvim_get_current_win()
  if vim.api.nvim_win_get_buf(win) ~= bufnr or not vim.api.nvim_get_mode().mode:match("^i") then
    return
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  row = row - 1
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  local text = type(item.insertText) == "table" and item.insertText.value or item.insertText
  if type(text) ~= "string" or text == "" then
    return
  end
  local start_col, end_row, end_col = col, row, col
  if item.range and item.range.start.line == row then
    local encoding = client.offset_encoding or "utf-16"
    start_col = position.byte(line, item.range.start.character, encoding)
    end_row = item.range["end"].line
    local end_line = end_row == row and line
      or (vim.api.nvim_buf_get_lines(bufnr, end_row, end_row + 1, false)[1] or "")
    end_col = position.byte(end_line, item.range["end"].character, encoding)
    if end_row == row and end_col < col then
      end_col = col
    end
  end
  local ghost = M.ghost_text(line, start_col, col, text)
  if not ghost or ghost:match("^%s*$") then
    return
  end
  M.clear(bufnr)
  local args = item.command and item.command.arguments
  state.suggestion = {
    row = row, col = col, start_col = start_col, end_row = end_row, end_col = end_col, text = text,
    id = type(args) == "table" and type(args[1]) == "table" and args[1].id or nil,
  }
  draw(bufnr, state.suggestion, ghost)
end

--- Typing along a suggestion: when the characters typed since it was drawn are its next characters,
--- move it along locally (no blink, no request); returns false when the typing left it.
---@return boolean
function M.advance(bufnr)
  local s = M.current(bufnr)
  if not s or vim.api.nvim_get_current_buf() ~= bufnr then
    return false
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  if row - 1 ~= s.row or col < s.col then
    return false
  end
  if col == s.col then
    return true -- nothing new (CursorMovedI after TextChangedI for the same key)
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, s.row, s.row + 1, false)[1] or ""
  local typed = line:sub(s.col + 1, col)
  if typed:find("\n", 1, true) or s.ghost:sub(1, #typed) ~= typed or #typed >= #s.lines[1] then
    return false -- typed something else, or all of the first line: ask anew
  end
  if s.end_row == s.row then
    s.end_col = s.end_col + #typed
  end
  s.col = col
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  draw(bufnr, s, s.ghost:sub(#typed + 1))
  return true
end

--- Ask the server for a suggestion at the cursor now.
function M.request(bufnr)
  local state = buffers[bufnr]
  if not state or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local client = vim.lsp.get_client_by_id(state.client_id)
  if not client or vim.api.nvim_get_current_buf() ~= bufnr then
    return
  end
  cancel_pending(state)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
  params.context = { triggerKind = 2 } -- Automatic
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local ok, request_id
  ok, request_id = server.request(client, "textDocument/inlineCompletion", params, function(err, result)
    if state.request_id == request_id then
      state.request_id = nil
    end
    if err or not result then
      return
    end
    -- Stale: the user typed or moved since we asked.
    if vim.api.nvim_buf_get_changedtick(bufnr) ~= tick or not vim.deep_equal(vim.api.nvim_win_get_cursor(0), cursor) then
      return
    end
    local items = result.items or result
    if type(items) == "table" and items[1] then
      show(bufnr, state, items[1], client)
    end
  end, bufnr)
  if ok then
    state.request_id = request_id
  end
end

--- Restart the debounce timer; the request goes out when typing pauses.
function M.schedule(bufnr)
  local state = buffers[bufnr]
  if not state or not config.get().ghost.enabled then
    return
  end
  state.timer = state.timer or uv.new_timer()
  state.timer:stop()
  -- debounce_ms 0: at once (still after this autocommand, when the buffer and cursor are settled).
  state.timer:start(config.get().ghost.debounce_ms, 0, vim.schedule_wrap(function()
    if vim.api.nvim_get_mode().mode:match("^i") then
      M.request(bufnr)
    end
  end))
end

--- Tell the server what became of a suggestion (local metrics: `codeassist stats`).
---@param kind string "accepted" | "partial" | "dismissed"
local function report(bufnr, s, kind)
  local state = buffers[bufnr]
  local client = state and vim.lsp.get_client_by_id(state.client_id)
  if not (client and s and s.id) then
    return
  end
  local params = { id = s.id, kind = kind, acceptedChars = kind ~= "dismissed" and #s.ghost or nil }
  if vim.fn.has("nvim-0.11") == 1 then
    client:notify(protocol.SUGGESTION_EVENT, params)
  else
    client.notify(protocol.SUGGESTION_EVENT, params)
  end
end

--- Insert the shown suggestion; returns false when there is none.
function M.accept(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = M.current(bufnr)
  if not s then
    return false
  end
  report(bufnr, s, "accepted")
  M.clear(bufnr)
  local lines = vim.split(s.text, "\n", { plain = true })
  vim.api.nvim_buf_set_text(bufnr, s.row, s.start_col, s.end_row, s.end_col, lines)
  local last_row = s.row + #lines - 1
  local last_col = (#lines == 1 and s.start_col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { last_row + 1, last_col })
  return true
end

local function feed(key)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(key, true, false, true), "n", false)
end

local function map_keys(bufnr)
  local opts = config.get().ghost
  if opts.accept_key then
    vim.keymap.set("i", opts.accept_key, function()
      local accepted
      if builtin() then
        accepted = vim.lsp.inline_completion.get()
      else
        accepted = M.accept(bufnr)
      end
      if not accepted then
        feed(opts.accept_key)
      end
    end, { buffer = bufnr, desc = "codeassist: accept the suggestion (else a normal key)" })
  end
  if opts.dismiss_key then
    vim.keymap.set("i", opts.dismiss_key, function()
      if M.current(bufnr) then
        report(bufnr, M.current(bufnr), "dismissed")
        M.clear(bufnr)
      else
        feed(opts.dismiss_key)
      end
    end, { buffer = bufnr, desc = "codeassist: hide the suggestion" })
  end
end

--- Turn ghost text on for a buffer the client attached to (safe to call again).
function M.attach(bufnr, client)
  if not config.get().ghost.enabled then
    return
  end
  map_keys(bufnr)
  if builtin() then
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    return
  end
  local state = buffers[bufnr] or {}
  buffers[bufnr] = state
  state.client_id = client.id
  vim.api.nvim_clear_autocmds({ group = group, buffer = bufnr })
  vim.api.nvim_create_autocmd("InsertEnter", {
    group = group,
    buffer = bufnr,
    callback = function()
      M.clear(bufnr)
      M.schedule(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "TextChangedI", "TextChangedP", "CursorMovedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if M.advance(bufnr) then
        return -- typed along the suggestion (or the same keystroke again): it stays, moved along
      end
      M.clear(bufnr)
      M.schedule(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      cancel_pending(state)
      M.clear(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "BufWipeout", "LspDetach" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      cancel_pending(state)
      if state.timer then
        state.timer:close()
      end
      buffers[bufnr] = nil
      vim.api.nvim_clear_autocmds({ group = group, buffer = bufnr })
    end,
  })
end

return M

