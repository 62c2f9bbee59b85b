-- Headless driver for tests/editors/test_nvim_edit.py: :CodeAssistEdit on a range against the real
-- codeassist-lsp, then `u`. Models are configured the way the README shows (setup({server = ...})).
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

vim.defer_fn(function()
  result.error = "driver timed out at step " .. tostring(result.steps[#result.steps])
  result.messages = vim.api.nvim_exec2("messages", { output = true }).output
  finish()
end, tonumber(env.CODEASSIST_E2E_TIMEOUT_MS or "100000"))

local main

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

local notes = {}
vim.notify = function(msg)
  table.insert(notes, msg)
end

local function steps()
  vim.opt.rtp:prepend(env.CODEASSIST_E2E_PLUGIN)
  vim.cmd("runtime! plugin/codeassist.lua")
  require("codeassist").setup({
    cmd = vim.json.decode(env.CODEASSIST_E2E_CMD),
    server = {
      lsp = { embed = false },
      chat = { baseUrl = env.CODEASSIST_E2E_BASE_URL, model = "fake-chat", apiKey = "sk-test-not-a-real-key" },
    },
  })
  vim.cmd.edit(env.CODEASSIST_E2E_FILE)
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for("client attached", 30000, function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = "codeassist" })[1]
  end)
  result.before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  vim.cmd("9,11CodeAssistEdit add type hints")
  wait_for("edit applied", 60000, function()
    return not vim.deep_equal(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), result.before)
  end)
  result.after = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  wait_for("summary shown", 10000, function()
    for _, note in ipairs(notes) do
      if note:find("edited", 1, true) then
        return true
      end
    end
  end)
  result.notes = notes
  vim.cmd("undo")
  result.undone = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  result.modified_after_undo = vim.bo[bufnr].modified
  finish()
end

main = coroutine.create(function()
  local ok, err = pcall(steps)
  if not ok then
    result.error = tostring(err)
    result.messages = vim.api.nvim_exec2("messages", { output = true }).output
    finish()
  end
end)
coroutine.resume(main)
