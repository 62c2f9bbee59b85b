-- Unit checks of the plugin's pure functions, run by tests/editors/test_nvim.py with `nvim -l`.
-- Prints one JSON object: {passed = n, failures = [...]}.
vim.opt.rtp:prepend(assert(vim.env.CODEASSIST_E2E_PLUGIN))

local failures, passed = {}, 0
local function check(name, got, want)
  if vim.deep_equal(got, want) then
    passed = passed + 1
  else
    table.insert(failures, ("%s: got %s, want %s"):format(name, vim.inspect(got), vim.inspect(want)))
  end
end

local ghost = require("codeassist.ghost")
check("ghost after typed prefix", ghost.ghost_text("    ret", 4, 7, "return a * b"), "urn a * b")
check("ghost at the cursor", ghost.ghost_text("x = ", 4, 4, "foo()"), "foo()")
check("ghost that does not continue the typed text", ghost.ghost_text("    rex", 4, 7, "return a"), nil)

local position = require("codeassist.position")
local line = "é = '🙂' + x"
-- "é" is 2 bytes / 1 UTF-16 unit; "🙂" is 4 bytes / 2 UTF-16 units.
check("utf-16 character after é", position.character(line, 2, "utf-16"), 1)
check("utf-16 character after the emoji", position.character(line, 10, "utf-16"), 7)
check("utf-32 character after the emoji", position.character(line, 10, "utf-32"), 6)
check("utf-8 character is the byte", position.character(line, 10, "utf-8"), 10)
check("byte of utf-16 character 7", position.byte(line, 7, "utf-16"), 10)
check("byte past the end clamps", position.byte(line, 99, "utf-16"), #line)

local buf = vim.api.nvim_create_buf(false, true)
vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "def f():", "    return '🙂'" })
check("line range in utf-16", position.line_range(buf, 1, 2, "utf-16"), {
  start = { line = 0, character = 0 },
  ["end"] = { line = 1, character = 15 },
})

local chat = require("codeassist.chat")
local cwd = vim.fn.getcwd()
local function src(rel, l1, c1, l2, c2, symbol)
  return {
    uri = vim.uri_from_fname(cwd .. "/" .. rel),
    range = { start = { line = l1, character = c1 }, ["end"] = { line = l2, character = c2 } },
    symbol = symbol,
  }
end
check("source with symbol", chat.format_source(src("pkg/a.py", 9, 0, 19, 4, "foo")), "pkg/a.py:10-20 (foo)")
check("source ending at column 0", chat.format_source(src("a.py", 9, 0, 20, 0, vim.NIL)), "a.py:10-20")
check("one-line source", chat.format_source(src("a.py", 4, 2, 4, 9, "")), "a.py:5")
check("streaming answer: no sources yet",
  chat.render_lines({ answer = "one\ntwo", sources = { src("a.py", 0, 0, 1, 0) }, done = false }), { "one", "two" })
check("finished answer with sources", chat.render_lines({ answer = "done", sources = { src("a.py", 0, 0, 1, 0, "f") }, done = true }),
  { "done", "", "Sources:", "- a.py:1 (f)" })
check("failed answer", chat.render_lines({ answer = "part", sources = {}, done = true, error = "endpoint down" }),
  { "part", "", "[codeassist] endpoint down" })

local config = require("codeassist.config")
config.setup({ filetypes = { "python" }, ghost = { accept_key = "<C-l>" } })
local merged = config.setup({ filetypes = { "go" }, ghost = { debounce_ms = 10 } })
check("setup again starts from the defaults", merged.ghost.accept_key, "<Tab>")
check("lists are replaced, not merged", merged.filetypes, { "go" })
check("nested values merge", { merged.ghost.debounce_ms, merged.ghost.dismiss_key }, { 10, "<C-]>" })

local server = require("codeassist.server")
local lsp_config = server.lsp_config(config.setup({ server = { chat = {}, completion = { model = "m" } } }))
check("empty tables go out as JSON objects", vim.json.encode(lsp_config.init_options.chat), "{}")
check("init options are the server table", lsp_config.init_options.completion, { model = "m" })
check("settings wrap the same table", lsp_config.settings.codeassist.completion, { model = "m" })
check("client announces inline completion", lsp_config.capabilities.textDocument.inlineCompletion ~= nil, true)
check("no server options: no didChangeConfiguration to send", server.lsp_config(config.setup({})).settings, nil)
check("ghost debounce: the server owns it, the plugin asks at once", config.setup({}).ghost.debounce_ms, 0)
check("not-found message says how to fix", server.not_found_message("codeassist-lsp"):match("pipx install codeassist") ~= nil, true)

local lsp_file = dofile(vim.env.CODEASSIST_E2E_PLUGIN .. "/lsp/codeassist.lua")
check("lsp/codeassist.lua starts codeassist-lsp", lsp_file.cmd, { "codeassist-lsp" })
check("lsp/codeassist.lua has root markers and filetypes", { lsp_file.root_markers[1], lsp_file.filetypes[1] },
  { ".codeassist.toml", "python" })
check("lsp/codeassist.lua sends no empty settings over init_options", lsp_file.settings, nil)

io.stdout:write(vim.json.encode({ passed = passed, failures = failures }))
