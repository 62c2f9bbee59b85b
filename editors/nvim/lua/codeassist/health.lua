--- :checkhealth codeassist
local config = require("codeassist.config")
local protocol = require("codeassist.protocol")
local server = require("codeassist.server")

local M = {}

local health = vim.health

--- One model: configured? and does its endpoint answer GET /models listing it (as `codeassist doctor`)?
local function check_model(kind, model, endpoint, option)
  local configured = model and model ~= vim.NIL
  endpoint = type(endpoint) == "table" and endpoint or {}
  if not configured then
    return false
  end
  if endpoint.status == "ok" then
    health.ok(("%s model: %s (%s)"):format(kind, model, endpoint.detail))
  elseif endpoint.status == "warn" then
    health.warn(("%s model: %s -- %s"):format(kind, model, endpoint.detail), { endpoint.fix })
  elseif endpoint.status == "fail" then
    health.error(("%s model: %s -- endpoint down: %s"):format(kind, model, endpoint.detail),
      { endpoint.fix, ("Or set %s = { baseUrl = ..., model = ... } in setup()."):format(option) })
  else
    health.info(("%s model: %s (endpoint not checked)"):format(kind, model))
  end
  return true
end

local function check_server_status(client)
  -- checkEndpoints: the server probes GET /models on each configured endpoint (at most 5 s each).
  local response = server.request_sync(client, protocol.STATUS, { checkEndpoints = true }, 15000)
  if not response or response.err or type(response.result) ~= "table" then
    local why = response and response.err and response.err.message or "no answer within 15 s"
    health.warn(("%s failed: %s"):format(protocol.STATUS, why))
    return
  end
  local s = response.result
  local summary = ("index %s: %d files, %d chunks, %d embedded"):format(
    tostring(s.indexState), s.files or 0, s.chunks or 0, s.embedded or 0)
  if s.indexState == "ready" then
    health.ok(summary)
  elseif s.indexState == "error" or s.indexState == "none" then
    health.warn(summary, { "Run :CodeAssistReindex, or `codeassist index` in the repository." })
  else
    health.info(summary .. " (still building)")
  end
  local endpoints = type(s.endpoints) == "table" and s.endpoints or {}
  if not check_model("completion", s.completionModel, endpoints.completion, "server.completion") then
    health.warn("no completion model: suggestions come from the local repository-pattern fallback", {
      "Set server.completion = { baseUrl = ..., model = ... } in setup() (or init_options on 0.11+).",
    })
  end
  if not check_model("chat", s.chatModel, endpoints.chat, "server.chat") then
    health.warn("no chat model: :CodeAssistAsk answers with the retrieved code only", {
      "Set server.chat = { baseUrl = ..., model = ... } in setup() (or init_options on 0.11+).",
    })
  end
  if type(s.problems) == "table" then
    for cause, message in pairs(s.problems) do
      health.warn(("%s: %s"):format(cause, message))
    end
  end
  health.info("inline completion " .. (s.enabled == false and "disabled (:CodeAssistToggle)" or "enabled"))
end

function M.check()
  health.start("codeassist")
  if vim.fn.has("nvim-0.10") == 1 then
    health.ok("Neovim " .. tostring(vim.version()))
  else
    health.error("Neovim 0.10 or newer is required")
  end

  local cmd = config.get().cmd[1]
  local path = vim.fn.exepath(cmd)
  if path ~= "" then
    health.ok(("server executable: %s"):format(path))
  else
    health.error(server.not_found_message(cmd))
  end

  local client = server.get_client()
  if not client then
    health.warn("no codeassist client attached", {
      "Call require('codeassist').setup() (or vim.lsp.enable('codeassist') on 0.11+) and open a file of a configured filetype.",
    })
    return
  end
  local attached = vim.lsp.get_clients({ name = protocol.CLIENT_NAME, bufnr = 0 })[1] ~= nil
  health.ok(("client %d running (root %s)%s"):format(client.id, client.config.root_dir or "?",
    attached and ", attached to this buffer" or ""))
  check_server_status(client)
end

return M
