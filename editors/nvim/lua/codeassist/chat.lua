--- Ask / Explain: stream `codeassist/answerDelta` into a scratch split, then list the sources.
local position = require("codeassist.position")
local protocol = require("codeassist.protocol")
local server = require("codeassist.server")
local config = require("codeassist.config")

local M = {}

local BUF_NAME = "codeassist://answer"

--- Conversations are named by the client, so every delta can be matched to the question it answers.
local function new_conversation_id()
  return vim.fn.sha256(("%d:%f:%d"):format((vim.uv or vim.loop).hrtime(), math.random(), vim.fn.getpid())):sub(1, 32)
end

--- One answer at a time; `conversation_id` carries the history into follow-up questions.
local state = {
  bufnr = nil,
  conversation_id = new_conversation_id(),
  pending = nil, -- { client_id, request_id }
  question = "",
  answer = "",
  sources = {},
  error = nil,
  done = true,
}

--- A copy of the current answer state (for tests and statuslines).
function M.state()
  return vim.deepcopy(state)
end

--- "src/app.py:10-20 (foo)" for a source.
function M.format_source(source)
  local fname = vim.uri_to_fname(source.uri)
  local path = vim.fn.fnamemodify(fname, ":~:.")
  local first = source.range.start.line + 1
  local last_pos = source.range["end"]
  local last = last_pos.line + 1
  if last_pos.character == 0 and last_pos.line > source.range.start.line then
    last = last_pos.line -- an exclusive end at column 0 stops at the line before
  end
  local lines = first == last and tostring(first) or ("%d-%d"):format(first, last)
  local symbol = (type(source.symbol) == "string" and source.symbol ~= "") and (" (" .. source.symbol .. ")") or ""
  return ("%s:%s%s"):format(path, lines, symbol)
end

--- The answer buffer's lines: the answer, then (when done) the sources and any error.
function M.render_lines(s)
  local lines = vim.split(s.answer, "\n", { plain = true })
  if s.done and #s.sources > 0 then
    vim.list_extend(lines, { "", "Sources:" })
    for _, source in ipairs(s.sources) do
      lines[#lines + 1] = "- " .. M.format_source(source)
    end
  end
  if s.error then
    vim.list_extend(lines, { "", "[codeassist] " .. s.error })
  end
  return lines
end

local function open_source_under_cursor()
  local index = vim.api.nvim_win_get_cursor(0)[1]
  local line = vim.api.nvim_get_current_line()
  local sources_at = nil
  for i, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if l == "Sources:" then
      sources_at = i
    end
  end
  local source = sources_at and line:match("^%- ") and state.sources[index - sources_at]
  if not source then
    return
  end
  vim.cmd("wincmd p")
  vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(source.uri)))
  pcall(vim.api.nvim_win_set_cursor, 0, { source.range.start.line + 1, 0 })
end

local function answer_buffer()
  if state.bufnr and vim.api.nvim_buf_is_valid(state.bufnr) then
    return state.bufnr
  end
  local bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bufnr, BUF_NAME)
  vim.bo[bufnr].buftype = "nofile"
  vim.bo[bufnr].bufhidden = "hide"
  vim.bo[bufnr].swapfile = false
  vim.bo[bufnr].filetype = "markdown"
  vim.keymap.set("n", "<CR>", open_source_under_cursor, { buffer = bufnr, desc = "codeassist: open this source" })
  vim.keymap.set("n", "q", "<cmd>close<cr>", { buffer = bufnr, desc = "codeassist: close the answer" })
  state.bufnr = bufnr
  return bufnr
end

--- Show the answer buffer in a split (once), keeping the cursor where it was.
local function show_buffer()
  local bufnr = answer_buffer()
  if vim.fn.bufwinid(bufnr) == -1 then
    local previous = vim.api.nvim_get_current_win()
    vim.cmd(config.get().chat.split)
    vim.api.nvim_win_set_buf(0, bufnr)
    vim.wo.wrap = true
    vim.wo.linebreak = true
    vim.api.nvim_set_current_win(previous)
  end
  return bufnr
end

local function render()
  local bufnr = state.bufnr
  if not bufnr or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, M.render_lines(state))
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 and not state.done then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(bufnr), 0 })
  end
end

--- `codeassist/answerDelta` handler: append to the answer being streamed.
function M.on_delta(params)
  if state.done or type(params) ~= "table" or type(params.text) ~= "string" then
    return
  end
  if params.conversationId ~= state.conversation_id then
    return -- a late delta of an older conversation
  end
  state.answer = state.answer .. params.text
  render()
end

local function finish(err, result)
  state.pending = nil
  state.done = true
  if err then
    state.error = err.message or vim.inspect(err)
    server.notify(state.error, vim.log.levels.ERROR)
  elseif type(result) == "table" then
    state.answer = type(result.answer) == "string" and result.answer or state.answer
    state.sources = type(result.sources) == "table" and result.sources or {}
  end
  render()
end

local function cancel_pending()
  if state.pending then
    local client = vim.lsp.get_client_by_id(state.pending.client_id)
    if client then
      server.cancel(client, state.pending.request_id)
    end
    state.pending = nil
  end
end

local function begin(question, new_conversation)
  cancel_pending()
  if new_conversation then
    state.conversation_id = new_conversation_id()
  end
  state.question, state.answer, state.sources, state.error, state.done = question, "", {}, nil, false
  local bufnr = show_buffer()
  vim.b[bufnr].codeassist_question = question
  render()
end

local function send(client, method, params, bufnr)
  local ok, request_id = server.request(client, method, params, function(err, result)
    finish(err, result)
  end, bufnr)
  if ok then
    state.pending = { client_id = client.id, request_id = request_id }
  else
    finish({ message = "the server is not running" }, nil)
  end
end

--- Ask a question about the repository (optionally about lines `range` = {first, last} of the buffer).
---@param question string
---@param opts table|nil { bufnr?, range? = {first, last}, new_conversation? }
function M.ask(question, opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = server.require_client(bufnr)
  if not client or question == "" then
    return
  end
  local params = { question = question }
  if vim.api.nvim_buf_get_name(bufnr) ~= "" and vim.bo[bufnr].buftype == "" then
    params.textDocument = { uri = vim.uri_from_bufnr(bufnr) }
    if opts.range then
      params.range = position.line_range(bufnr, opts.range[1], opts.range[2], client.offset_encoding or "utf-16")
    elseif bufnr == vim.api.nvim_get_current_buf() then
      -- No selection: the cursor, so the server sends the code around it (the enclosing symbol).
      params.position = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16").position
    end
  end
  begin(question, opts.new_conversation)
  params.conversationId = state.conversation_id
  send(client, protocol.ASK, params, bufnr)
end

--- Explain lines `first`..`last` of a buffer (a new conversation).
function M.explain(first, last, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = server.require_client(bufnr)
  if not client then
    return
  end
  local range = position.line_range(bufnr, first, last, client.offset_encoding or "utf-16")
  local label = ("Explain %s:%d-%d"):format(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":~:."), first, last)
  begin(label, true)
  send(client, "workspace/executeCommand", {
    command = protocol.CMD_EXPLAIN,
    arguments = {
      { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range, conversationId = state.conversation_id },
    },
  }, bufnr)
end

return M
