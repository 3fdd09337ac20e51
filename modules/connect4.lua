-- Connect four in Lua: the compiled-in game (src/games/connect_four.cpp)
-- move for move; tests/modules/differential_test.cpp holds the two side by
-- side. Seats 0 and 1; a move is a column 1-7.

local COLS, ROWS = 7, 6
local DIRS = {{1, 0}, {0, 1}, {1, 1}, {1, -1}}
-- Strings made once: tostring in a view would format a number every call.
local MARK = {[-1] = ".", [0] = "0", [1] = "1"}
local COLUMN = {"1", "2", "3", "4", "5", "6", "7"}

local game = {
  name = "connect4_lua",
  aliases = {"connectfour_lua"},
  seats = 2,
  perfect_information = true, -- no hidden information: one view serves every seat
}

local function quoted(text)
  local cut = math.min(#text, 32)
  while cut > 0 and cut < #text and (text:byte(cut + 1) & 0xC0) == 0x80 do cut = cut - 1 end
  local shown = (text:sub(1, cut):gsub("[%c]", "?"))
  if cut < #text then shown = shown .. "..." end
  return "'" .. shown .. "'"
end

-- cells[col][row], both from 1, row 1 at the bottom; -1 is empty.
function game.init(ctx)
  local cells, heights = {}, {}
  for c = 1, COLS do
    cells[c], heights[c] = {}, 0
    for r = 1, ROWS do cells[c][r] = -1 end
  end
  return {cells = cells, heights = heights, discs = 0, turn = 0, over = false}
end

function game.to_move(s)
  return s.turn
end

function game.legal_moves(s)
  local moves = {}
  if s.over then return moves end
  for c = 1, COLS do
    if s.heights[c] < ROWS then moves[#moves + 1] = COLUMN[c] end
  end
  return moves
end

local function at(s, c, r)
  if c < 1 or c > COLS or r < 1 or r > ROWS then return -1 end
  return s.cells[c][r]
end

-- Four or more of `seat` in a line through the disc just dropped.
local function four_through(s, c, r, seat)
  for _, d in ipairs(DIRS) do
    local n = 1
    local k = 1
    while at(s, c + d[1] * k, r + d[2] * k) == seat do n, k = n + 1, k + 1 end
    k = 1
    while at(s, c - d[1] * k, r - d[2] * k) == seat do n, k = n + 1, k + 1 end
    if n >= 4 then return true end
  end
  return false
end

function game.play(s, seat, text)
  if not text:match("^[1-7]$") then
    return nil, "BAD_SYNTAX", "expected a column 1-7, got " .. quoted(text)
  end
  local c = text:byte() - 48
  if s.heights[c] == ROWS then
    return nil, "ILLEGAL_MOVE", "column " .. text .. " is full"
  end
  local r = s.heights[c] + 1
  s.heights[c] = r
  s.cells[c][r] = seat
  s.discs = s.discs + 1
  if four_through(s, c, r, seat) then
    s.over, s.winner, s.reason = true, seat, "line"
  elseif s.discs == COLS * ROWS then
    s.over, s.reason = true, "board_full"
  end
  s.turn = 1 - seat
  return text
end

function game.forfeit(s, seat, why)
  s.over, s.winner, s.reason = true, 1 - seat, why
end

function game.result(s)
  if not s.over then return nil end
  return {winner = s.winner, reason = s.reason}
end

function game.view(s, seat)
  local rows = {}
  for r = ROWS, 1, -1 do -- the top row first
    local row = {}
    for c = 1, COLS do
      local v = s.cells[c][r]
      row[c] = MARK[v]
    end
    rows[#rows + 1] = table.concat(row)
  end
  return {board = rows, legal = game.legal_moves(s)}
end

return game
