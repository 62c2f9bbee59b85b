--- Byte columns <-> LSP characters in the client's position encoding, on Neovim 0.10 and 0.11+.
local M = {}

local has_011 = vim.fn.has("nvim-0.11") == 1

--- LSP character index of the 0-based byte column `col` in `line`.
---@param line string
---@param col integer
---@param encoding string "utf-8"|"utf-16"|"utf-32"
---@return integer
function M.character(line, col, encoding)
  col = math.min(col, #line)
  if encoding == "utf-8" then
    return col
  end
  if has_011 then
    return vim.str_utfindex(line, encoding, col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, col)
  return encoding == "utf-16" and utf16 or utf32
end

--- 0-based byte column of LSP character `character` in `line`.
---@param line string
---@param character integer
---@param encoding string
---@return integer
function M.byte(line, character, encoding)
  if encoding == "utf-8" then
    return math.min(character, #line)
  end
  local ok, col
  if has_011 then
    ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, col = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  end
  return ok and math.min(col, #line) or #line
end

--- LSP range covering whole lines `first`..`last` (1-based, inclusive) of `bufnr`.
---@return table
function M.line_range(bufnr, first, last, encoding)
  local last_line = vim.api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1] or ""
  return {
    start = { line = first - 1, character = 0 },
    ["end"] = { line = last - 1, character = M.character(last_line, #last_line, encoding) },
  }
end

return M
