-- Tic-tac-toe in Lua: the compiled-in game (src/games/tictactoe.cpp) move
-- for move, view for view; tests/modules/differential_test.cpp holds the two
-- side by side. A complete small module: docs/modules.md walks through it.
--
-- Seats are 0 and 1, as on the wire. Cells are numbered 0-8 row by row
-- (a1..c3 is accepted too); the log always holds the number.

local LINES = {
  {0, 1, 2}, {3, 4, 5}, {6, 7, 8}, -- rows
  {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, -- columns
  {0, 4, 8}, {2, 4, 6},            -- diagonals
}

-- Strings made once: tostring in a view would format a number every call.
local MARK = {[-1] = ".", [0] = "0", [1] = "1"}
local CELL = {[0] = "0", "1", "2", "3", "4", "5", "6", "7", "8"}

local game = {
  name = "tictactoe_lua",
  aliases = {"ttt_lua"},
  seats = 2,
  perfect_information = true, -- no hidden information: one view serves every seat
}

-- The player's text as a reason shows it: at most 32 bytes, control bytes
-- as '?', never a cut UTF-8 sequence.
local function quoted(text)
  local cut = math.min(#text, 32)
  while cut > 0 and cut < #text and (text:byte(cut + 1) & 0xC0) == 0x80 do cut = cut - 1 end
  local shown = (text:sub(1, cut):gsub("[%c]", "?"))
  if cut < #text then shown = shown .. "..." end
  return "'" .. shown .. "'"
end

-- 0-8, or a1..c3; nil when neither.
local function parse_cell(text)
  if #text == 1 and text:match("^[0-8]$") then return text:byte() - 48 end
  local col, row = text:lower():match("^([a-c])([1-3])$")
  if col then return (row:byte() - 49) * 3 + (col:byte() - 97) end
  return nil
end

function game.init(ctx)
  local cells = {}
  for i = 1, 9 do cells[i] = -1 end
  return {cells = cells, turn = 0, over = false}
end

function game.to_move(s)
  return s.turn
end

function game.legal_moves(s)
  local moves = {}
  if s.over then return moves end
  for i = 0, 8 do
    if s.cells[i + 1] == -1 then moves[#moves + 1] = CELL[i] end
  end
  return moves
end

function game.play(s, seat, text)
  local cell = parse_cell(text)
  if not cell then
    return nil, "BAD_SYNTAX", "expected a cell 0-8 or a1..c3, got " .. quoted(text)
  end
  if s.cells[cell + 1] ~= -1 then
    return nil, "ILLEGAL_MOVE", "cell " .. cell .. " is taken"
  end
  s.cells[cell + 1] = seat
  for _, l in ipairs(LINES) do
    if s.cells[l[1] + 1] == seat and s.cells[l[2] + 1] == seat and s.cells[l[3] + 1] == seat then
      s.over, s.winner, s.reason, s.line = true, seat, "line", {l[1], l[2], l[3]}
      return CELL[cell]
    end
  end
  local full = true
  for i = 1, 9 do full = full and s.cells[i] ~= -1 end
  if full then s.over, s.reason = true, "board_full" end
  s.turn = 1 - seat
  return CELL[cell]
end

function game.forfeit(s, seat, why)
  s.over, s.winner, s.reason = true, 1 - seat, why
end

-- nil while the game runs; the winner (nil: a draw) and why once it is over.
function game.result(s)
  if not s.over then return nil end
  return {winner = s.winner, reason = s.reason}
end

-- Nothing is hidden in tic-tac-toe: every seat and the spectators see the
-- same board. The server adds game, seats, you, to_move, ply, last, result.
function game.view(s, seat)
  local rows = {}
  for r = 0, 2 do
    local row = {}
    for c = 0, 2 do
      local v = s.cells[r * 3 + c + 1]
      row[c + 1] = MARK[v]
    end
    rows[r + 1] = table.concat(row)
  end
  return {board = rows, legal = game.legal_moves(s), line = s.line}
end

return game
