-- Headless end-to-end driver for tests/editors/test_nvim.py.
-- Drives the plugin against the real codeassist-lsp: ghost text after a comment, <Tab> to accept,
-- :CodeAssistAsk. Every step is bounded; the results (or the error) go to $CODEASSIST_E2E_RESULT as JSON.
local uv = vim.uv or vim.loop
local env = vim.env
local result = { steps = {} }
local finished = false

local function finish()
  if finished then
    return
  end
  finished = true
  vim.fn.writefile({ vim.json.encode(result) }, env.CODEASSIST_E2E_RESULT)
  vim.cmd("qa!")
end

-- Hard stop so a hung step can never hang CI.
vim.defer_fn(function()
  result.error = "driver timed out at step " .. tostring(result.steps[#result.steps])
  result.messages = vim.api.nvim_exec2("messages", { output = true }).output
  finish()
end, tonumber(env.CODEASSIST_E2E_TIMEOUT_MS or "120000"))

local main -- the coroutine running the steps

local function sleep(ms)
  vim.defer_fn(function()
    local ok, err = coroutine.resume(main)
    if not ok then
      result.error = tostring(err)
      finish()
    end
  end, ms)
  coroutine.yield()
end

local function wait_for(what, timeout_ms, cond)
  table.insert(result.steps, what)
  local deadline = uv.now() + timeout_ms
  while uv.now() < deadline do
    local ok, value = pcall(cond)
    if ok and value then
      return value
    end
    sleep(50)
  end
  error("timed out waiting for " .. what)
end

local function steps()
  vim.opt.rtp:prepend(env.CODEASSIST_E2E_PLUGIN)
  vim.cmd("runtime! plugin/codeassist.lua")
  local cmd = vim.json.decode(env.CODEASSIST_E2E_CMD)
  -- The models are configured the way the README shows (the plugin's `server` table / init_options),
  -- not through environment variables. Keyword index only: no embedding model needed, and the index is
  -- ready in a moment. A generous completion deadline so a slow first request (cold imports on CI) is
  -- not replaced by the fallback.
  local base_url = env.CODEASSIST_E2E_BASE_URL
  local server_options = {
    lsp = { embed = false },
    completion = { baseUrl = base_url, model = "qwen2.5-coder:1.5b", apiKey = "sk-test-not-a-real-key",
                   deadlineMs = 20000 },
    chat = { baseUrl = base_url, model = "fake-chat", apiKey = "sk-test-not-a-real-key" },
  }
  if env.CODEASSIST_E2E_MODE == "offline" then
    -- No chat model, and a completion endpoint nobody listens on.
    server_options.chat = nil
    server_options.completion = { baseUrl = env.CODEASSIST_E2E_DEAD_URL, model = "qwen2.5-coder:1.5b",
                                  apiKey = "sk-test-not-a-real-key", deadlineMs = 2000 }
  end
  if env.CODEASSIST_E2E_MODE == "enable" or env.CODEASSIST_E2E_MODE == "offline" then
    -- Neovim 0.11+ users: lsp/codeassist.lua + vim.lsp.enable, no setup() call.
    vim.lsp.config("codeassist", { cmd = cmd, init_options = server_options })
    vim.lsp.enable("codeassist")
    result.autocmds = { once = 1, twice = 1 }
  else
    local codeassist = require("codeassist")
    local opts = { cmd = cmd, server = server_options, chat = { split = "botright split" } }
    codeassist.setup(opts)
    local autocmds_once = #vim.api.nvim_get_autocmds({ group = "codeassist" })
    codeassist.setup(opts) -- safe to call twice
    result.autocmds = { once = autocmds_once, twice = #vim.api.nvim_get_autocmds({ group = "codeassist" }) }
  end
  -- Count the plugin's inline completion requests (typing along a suggestion must not send any).
  local server_module = require("codeassist.server")
  local inline_requests = 0
  local original_request = server_module.request
  server_module.request = function(c, method, ...)
    if method == "textDocument/inlineCompletion" then
      inline_requests = inline_requests + 1
    end
    return original_request(c, method, ...)
  end

  vim.cmd.edit(env.CODEASSIST_E2E_FILE)
  local bufnr = vim.api.nvim_get_current_buf()
  local server = require("codeassist.server")
  local client = wait_for("client attached", 30000, function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = "codeassist" })[1]
  end)
  result.clients = #vim.lsp.get_clients({ name = "codeassist" })
  if env.CODEASSIST_E2E_MODE == "offline" then
    wait_for("index ready", 60000, function()
      local response = server.request_sync(client, "codeassist/status", vim.empty_dict(), 2000, bufnr)
      return response and response.result and response.result.chunks > 0
    end)
    vim.cmd("CodeAssistAsk what does foo do")
    local chat = require("codeassist.chat")
    local state = wait_for("offline answer", 30000, function()
      local s = chat.state()
      return s.done and s or nil
    end)
    result.answer = { text = state.answer, error = state.error, sources = state.sources }
    result.answer_buffer = vim.api.nvim_buf_get_lines(state.bufnr, 0, -1, false)
    vim.cmd("checkhealth codeassist")
    result.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    table.insert(result.steps, "done")
    return
  end

  result.status = wait_for("index ready", 60000, function()
    local response = server.request_sync(client, "codeassist/status", vim.empty_dict(), 2000, bufnr)
    result.last_status = response
    local status = response and response.result
    if status and (status.indexState == "ready" or status.indexState == "lexical") and status.chunks > 0 then
      return status
    end
  end)

  -- Insert mode on the empty line just below "# multiply two numbers".
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  vim.api.nvim_feedkeys("A", "n", false)
  local ghost = require("codeassist.ghost")
  local function shown_ghost(what)
    local marks = wait_for(what, 20000, function()
      local found = vim.api.nvim_buf_get_extmarks(bufnr, ghost.namespace, 0, -1, { details = true })
      return #found > 0 and found or nil
    end)
    local details = marks[1][4]
    result.ghost_hl = details.virt_text and details.virt_text[1] and details.virt_text[1][2]
    return {
      row = marks[1][2],
      col = marks[1][3],
      mode = vim.api.nvim_get_mode().mode,
      virt_text = table.concat(vim.tbl_map(function(chunk) return chunk[1] end, details.virt_text or {})),
      virt_lines = vim.tbl_map(function(line)
        return table.concat(vim.tbl_map(function(chunk) return chunk[1] end, line))
      end, details.virt_lines or {}),
    }
  end
  local function keys(k, mode)
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(k, true, false, true), mode or "n", false)
  end
  local function extmark_count()
    return #vim.api.nvim_buf_get_extmarks(bufnr, ghost.namespace, 0, -1, {})
  end

  result.ghost = shown_ghost("ghost text")
  -- The dismiss key hides it; entering insert mode again asks again.
  keys("<C-]>", "m")
  wait_for("dismissed", 5000, function()
    return extmark_count() == 0
  end)
  result.dismissed_line = vim.api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1]
  keys("<Esc>")
  wait_for("normal mode after dismiss", 5000, function()
    return vim.api.nvim_get_mode().mode == "n"
  end)
  keys("A")
  result.ghost_again = shown_ghost("ghost text again")

  -- Typing along the suggestion ("de" of "def multiply..."): it stays, moved along, with no new request.
  local requests_before = inline_requests
  keys("d")
  sleep(20)
  local after_one = vim.api.nvim_buf_get_extmarks(bufnr, ghost.namespace, 0, -1, { details = true })
  keys("e")
  sleep(300)
  local after_two = vim.api.nvim_buf_get_extmarks(bufnr, ghost.namespace, 0, -1, { details = true })
  local function first_text(marks)
    return marks[1] and marks[1][4].virt_text and marks[1][4].virt_text[1][1] or nil
  end
  result.typed_along = {
    after_one = first_text(after_one),
    after_two = first_text(after_two),
    col = after_two[1] and after_two[1][3],
    requests = inline_requests - requests_before,
    line = vim.api.nvim_get_current_line(),
  }

  keys("<Tab>", "m")
  wait_for("suggestion accepted", 5000, function()
    return vim.api.nvim_buf_line_count(bufnr) > last
  end)
  result.buffer = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.cursor = vim.api.nvim_win_get_cursor(0)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<Esc>", true, false, true), "n", false)
  wait_for("normal mode", 5000, function()
    return vim.api.nvim_get_mode().mode == "n"
  end)
  result.extmarks_after_leave = #vim.api.nvim_buf_get_extmarks(bufnr, ghost.namespace, 0, -1, {})

  vim.cmd("CodeAssistAsk what does foo do")
  local chat = require("codeassist.chat")
  local state = wait_for("answer", 30000, function()
    local s = chat.state()
    return s.done and s or nil
  end)
  result.answer = { text = state.answer, error = state.error, sources = state.sources }
  result.answer_buffer = vim.api.nvim_buf_get_lines(state.bufnr, 0, -1, false)
  result.answer_buffer_name = vim.api.nvim_buf_get_name(state.bufnr)
  result.answer_window = vim.fn.bufwinid(state.bufnr) ~= -1
  result.current_buffer_is_source = vim.api.nvim_get_current_buf() == bufnr

  -- Explain lines 4-6 (def foo): a new conversation, streamed into the same buffer.
  vim.cmd("4,6CodeAssistExplain")
  state = wait_for("explanation", 30000, function()
    local s = chat.state()
    return s.done and s.question:match("^Explain") and s or nil
  end)
  result.explain = { question = state.question, text = state.answer, error = state.error }
  result.explain_buffer = vim.api.nvim_buf_get_lines(state.bufnr, 0, -1, false)

  -- A docstring for the function just accepted: the server answers with workspace/applyEdit.
  local before = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_win_set_cursor(0, { last, 0 }) -- "def multiply(a, b):"
  vim.cmd("CodeAssistDocstring")
  wait_for("docstring", 30000, function()
    return vim.api.nvim_buf_line_count(bufnr) > before
  end)
  result.docstring_buffer = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

  -- Toggle inline completion off: no suggestion, and <Tab> is a plain <Tab> again.
  vim.cmd("CodeAssistToggle")
  result.toggled = wait_for("toggled off", 5000, function()
    local response = server.request_sync(client, "codeassist/status", vim.empty_dict(), 2000, bufnr)
    return response and response.result and response.result.enabled == false and response.result
  end)
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { "" })
  local empty_row = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_win_set_cursor(0, { empty_row, 0 })
  keys("A")
  wait_for("insert mode while off", 5000, function()
    return vim.api.nvim_get_mode().mode == "i"
  end)
  sleep(500)
  result.extmarks_while_off = extmark_count()
  keys("<Tab>", "m")
  result.tab_line = wait_for("plain tab", 5000, function()
    local line = vim.api.nvim_buf_get_lines(bufnr, empty_row - 1, empty_row, false)[1]
    return line ~= "" and line or nil
  end)
  keys("<Esc>")
  wait_for("normal mode at the end", 5000, function()
    return vim.api.nvim_get_mode().mode == "n"
  end)

  vim.cmd("checkhealth codeassist")
  result.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  -- The ghost highlight without 'termguicolors' (as headless, and many terminals): a cterm colour.
  result.hl_notgc = vim.api.nvim_get_hl(0, { name = "CodeAssistGhost", link = false })
  vim.o.termguicolors = true
  result.hl_tgc = vim.api.nvim_get_hl(0, { name = "CodeAssistGhost" })
  table.insert(result.steps, "done")
end

main = coroutine.create(function()
  local ok, err = xpcall(steps, debug.traceback)
  if not ok then
    result.error = tostring(err)
    result.messages = vim.api.nvim_exec2("messages", { output = true }).output
  end
  finish()
end)
local ok, err = coroutine.resume(main)
if not ok then
  result.error = tostring(err)
  finish()
end
