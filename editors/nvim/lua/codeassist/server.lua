--- The LSP client for codeassist-lsp: its start config, finding it, and requests that work on 0.10+.
local protocol = require("codeassist.protocol")
local config = require("codeassist.config")

local M = {}

--- Latest `codeassist/statusChanged` payload per client id.
M.status = {}

local has_011 = vim.fn.has("nvim-0.11") == 1

---@param msg string
---@param level integer|nil
function M.notify(msg, level)
  -- Scheduled: callers run inside autocommands and LSP callbacks, where an error message would abort them.
  vim.schedule(function()
    vim.notify("[codeassist] " .. msg, level or vim.log.levels.INFO)
  end)
end

--- The message (with the fix) for a missing server executable.
---@param cmd string
---@return string
function M.not_found_message(cmd)
  return ("language server `%s` not found. Install it with `pipx install codeassist` "
    .. "(or `pip install codeassist`), or set `cmd` in require('codeassist').setup({ cmd = { '/path/to/codeassist-lsp' } })")
    :format(cmd)
end

--- Handlers for the server's custom notifications (shared by setup() and lsp/codeassist.lua).
M.handlers = {
  [protocol.ANSWER_DELTA] = function(_, params)
    require("codeassist.chat").on_delta(params)
  end,
  [protocol.STATUS_CHANGED] = function(_, params, ctx)
    M.status[ctx.client_id] = params
  end,
}

--- Called when the client attaches to a buffer: ghost text for that buffer.
function M.on_attach(client, bufnr)
  require("codeassist.ghost").attach(bufnr, client)
end

--- Client capabilities: Neovim's defaults plus inline completion (which 0.10/0.11 do not announce).
function M.capabilities()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  capabilities.textDocument = capabilities.textDocument or {}
  capabilities.textDocument.inlineCompletion = capabilities.textDocument.inlineCompletion
    or { dynamicRegistration = false }
  return capabilities
end

--- A copy of `t` where empty tables become JSON objects (`{}` would otherwise be sent as `[]`).
local function as_object(t)
  if type(t) ~= "table" then
    return t
  end
  if vim.tbl_isempty(t) then
    return vim.empty_dict()
  end
  local copy = {}
  for k, v in pairs(t) do
    copy[k] = as_object(v)
  end
  return copy
end

--- The config table for `vim.lsp.start` / `vim.lsp.config` (without root_dir, which depends on the buffer).
---@param opts table|nil merged plugin options (default: the current ones)
function M.lsp_config(opts)
  opts = opts or config.get()
  return {
    name = protocol.CLIENT_NAME,
    cmd = opts.cmd,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    -- editPrompt: this plugin implements codeassist.editWithInstruction (it asks for the instruction).
    init_options = as_object(vim.tbl_deep_extend("keep", opts.server or {}, { lsp = { editPrompt = true } })),
    -- Sent again as workspace/didChangeConfiguration, which the server merges over init_options; empty:
    -- nothing to send (vim.lsp.config users put their settings in init_options).
    settings = not vim.tbl_isempty(opts.server or {}) and { codeassist = as_object(opts.server) } or nil,
    capabilities = M.capabilities(),
    handlers = M.handlers,
    on_attach = M.on_attach,
  }
end

--- The workspace root of a buffer: the nearest directory with a root marker. None found: nil, and the
--- server runs in single-file mode (it never indexes whatever directory Neovim was started from).
---@param bufnr integer
---@return string|nil
function M.root_dir(bufnr, markers)
  return vim.fs.root(bufnr, markers or config.get().root_markers)
end

local warned_missing = false

--- Start (or reuse) the client for a buffer.
---@param bufnr integer
---@return integer|nil client id
function M.start(bufnr)
  local opts = config.get()
  if vim.fn.executable(opts.cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      M.notify(M.not_found_message(opts.cmd[1]), vim.log.levels.ERROR)
    end
    return nil
  end
  local lsp_config = M.lsp_config(opts)
  lsp_config.root_dir = M.root_dir(bufnr, opts.root_markers)
  lsp_config.root_markers = nil
  lsp_config.filetypes = nil
  return vim.lsp.start(lsp_config, { bufnr = bufnr })
end

--- The codeassist client attached to `bufnr`, else any running codeassist client.
---@param bufnr integer|nil
function M.get_client(bufnr)
  local get = vim.lsp.get_clients
  local clients = get({ name = protocol.CLIENT_NAME, bufnr = bufnr or vim.api.nvim_get_current_buf() })
  if #clients == 0 then
    clients = get({ name = protocol.CLIENT_NAME })
  end
  return clients[1]
end

--- `client:request` on 0.11+, `client.request` on 0.10.
function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  if has_011 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

function M.cancel(client, request_id)
  if has_011 then
    return client:cancel_request(request_id)
  end
  return client.cancel_request(request_id)
end

--- Run a server command (workspace/executeCommand); `on_result(result)` on success.
function M.execute(client, command, arguments, on_result, bufnr)
  return M.request(client, "workspace/executeCommand", { command = command, arguments = arguments },
    function(err, result)
      if err then
        M.notify(("%s failed: %s"):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      elseif on_result then
        on_result(result)
      end
    end, bufnr)
end

--- The client for the current buffer, or a notification saying how to get one.
function M.require_client(bufnr)
  local client = M.get_client(bufnr)
  if not client then
    M.notify("no codeassist-lsp client is running: open a file of a configured filetype "
      .. "(see :checkhealth codeassist)", vim.log.levels.WARN)
  end
  return client
end

return M
