-- Liar's Dice in Lua: a game that exists only as a module (issue 15), with
-- hidden information. tests/modules/liars_dice_test.cpp plays it.
--
-- Rules
--
--   Seats     2-6 (default 2), numbered 0.. as on the wire. Option
--             `dice=1..5` (default 5): the dice each player starts with.
--   Rounds    At the start of every round each player still in rolls all
--             their dice (the host's random(6), so a table's seed and its
--             move log decide every roll: a replay rolls the same). Round 1
--             is started by seat 0.
--   Bids      `<count>x<face>`, e.g. `3x4`: "among all the dice in play at
--             least three show a 4". Face 1-6, count 1 .. the dice in play.
--             Read without case and with spaces around the x; logged as
--             `3x4`. 1s are wild: they count for a bid on faces 2-6. A bid
--             on 1s counts only 1s.
--   Order     A bid must be higher than the current one: more dice, or the
--             same count on a higher face (faces ranked 1 < 2 < ... < 6).
--             So 3x6 < 4x1 < 4x2. A lower or equal bid is ILLEGAL_MOVE.
--   Liar      `liar` (any case) calls the current bid; not allowed as the
--             first action of a round (ILLEGAL_MOVE). All dice are revealed:
--             if at least `count` dice match, the bid holds and the caller
--             loses a die; otherwise the bidder loses one. The loser starts
--             the next round, or, if that was their last die, the next
--             player still in after them.
--   Out       A player with no dice is out; their turns are skipped. The
--             last player with dice wins (reason `last_with_dice`).
--   Forfeit   `resign` or a timeout: that player is out at once and their
--             dice leave the table. If one player is left, they win (reason
--             `resign` or `timeout`). Otherwise the round restarts fresh:
--             the bids are cleared, every player still in rolls again, and
--             the seat that was to move starts it (if it was the forfeiting
--             seat, the next player still in after it). The dice of the
--             abandoned round are never revealed. A seat already out cannot
--             forfeit.
--   Turns     Play goes to seat+1, skipping players who are out.
--   Scores    1 for the winner, 0 for the rest (the host's default).
--
-- Views. A seat sees its own dice (`dice`, sorted); everyone sees the
-- number of dice of every seat (`dice_counts`), `out`, `total_dice`,
-- `round`, the current `bid` ({count, face, seat, text}, absent before the
-- first bid of a round), the round's `bids` so far, the last challenge
-- (`reveal`: every die of that round, the bid, who called, how many
-- matched, who lost a die; public once revealed), `board` (lines of text
-- for a generic renderer) and `legal`: a short list, the cheapest bid on
-- each face that beats the current bid, plus `liar` when there is a bid to
-- call (every higher bid is legal too). legal_moves() itself is the
-- complete list: every bid above the current one up to the dice in play
-- (at most 30 x 6), then `liar`. The spectator view holds no die values
-- except those of a revealed challenge.

local game = {
  name = "liars_dice",
  aliases = {"liarsdice", "dudo"},
  seats = {min = 2, max = 6, default = 2},
  options = {
    {key = "dice", min = 1, max = 5, default = 5, help = "dice per player at the start (default 5)"},
  },
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

local function bid_text(count, face) return count .. "x" .. face end

-- The next seat after `seat` that still has dice (never `seat` itself
-- unless it is the only one).
local function next_in(s, seat)
  local n = s.seats
  for k = 1, n do
    local t = (seat + k) % n
    if s.counts[t + 1] > 0 then return t end
  end
  return seat
end

local function players_in(s)
  local n, last = 0, nil
  for i = 1, s.seats do
    if s.counts[i] > 0 then n, last = n + 1, i - 1 end
  end
  return n, last
end

-- A new round: every player still in rolls, bids cleared, `starter` to move.
-- Only from init, play and forfeit (random is the host's, allowed there).
local function new_round(s, starter)
  s.round = s.round + 1
  s.total = 0
  for i = 1, s.seats do
    local d = {}
    for k = 1, s.counts[i] do d[k] = random(6) end
    table.sort(d)
    s.dice[i] = d
    s.total = s.total + s.counts[i]
  end
  s.bid = nil
  s.bids = {}
  s.turn = starter
end

function game.init(ctx)
  local s = {seats = ctx.seats, start_dice = ctx.options.dice, counts = {}, dice = {},
             round = 0, total = 0, over = false}
  for i = 1, ctx.seats do
    s.counts[i] = ctx.options.dice
  end
  new_round(s, 0)
  return s
end

function game.to_move(s) return s.turn end

-- Does (c, f) beat the current bid?
local function beats(s, c, f)
  if not s.bid then return true end
  return c > s.bid.count or (c == s.bid.count and f > s.bid.face)
end

function game.legal_moves(s)
  local moves = {}
  if s.over then return moves end
  local c0, f0 = 1, 1
  if s.bid then
    c0, f0 = s.bid.count, s.bid.face + 1
    if f0 > 6 then c0, f0 = c0 + 1, 1 end
  end
  for c = c0, s.total do
    for f = (c == c0 and f0 or 1), 6 do moves[#moves + 1] = bid_text(c, f) end
  end
  if s.bid then moves[#moves + 1] = "liar" end
  return moves
end

-- The cheapest bid on each face that beats the current one, and liar.
local function short_legal(s)
  local moves = {}
  if s.over then return moves end
  for f = 1, 6 do
    local c = 1
    if s.bid then c = (f > s.bid.face) and s.bid.count or s.bid.count + 1 end
    if c <= s.total then moves[#moves + 1] = bid_text(c, f) end
  end
  if s.bid then moves[#moves + 1] = "liar" end
  return moves
end

local function matching(s, face)
  local n = 0
  for i = 1, s.seats do
    for _, d in ipairs(s.dice[i]) do
      if d == face or (face ~= 1 and d == 1) then n = n + 1 end
    end
  end
  return n
end

local function call_liar(s, seat)
  local bid = s.bid
  local found = matching(s, bid.face)
  local holds = found >= bid.count
  local loser = holds and seat or bid.seat
  local revealed = {}
  for i = 1, s.seats do
    local d = {}
    for k, v in ipairs(s.dice[i]) do d[k] = v end
    revealed[i] = d
  end
  s.counts[loser + 1] = s.counts[loser + 1] - 1
  local gone = s.counts[loser + 1] == 0
  if gone then s.dice[loser + 1] = {} end
  s.reveal = {round = s.round, dice = revealed, bid = bid_text(bid.count, bid.face), bidder = bid.seat,
              caller = seat, found = found, holds = holds, loser = loser, loser_out = gone}
  local left, last = players_in(s)
  if left == 1 then
    s.over, s.winner, s.reason = true, last, "last_with_dice"
    s.bid, s.bids = nil, {}
    s.total = s.counts[last + 1]
    return
  end
  new_round(s, gone and next_in(s, loser) or loser)
end

function game.play(s, seat, text)
  local t = text:lower()
  if t == "liar" then
    if not s.bid then return nil, "ILLEGAL_MOVE", "no bid to call yet: open the round with a bid" end
    call_liar(s, seat)
    return "liar"
  end
  local cs, fs = t:match("^(%d+)%s*x%s*(%d+)$")
  if not cs then
    return nil, "BAD_SYNTAX", "expected a bid like 3x4 (three dice showing 4) or liar, got " .. quoted(text)
  end
  local f = tonumber(fs)
  if #fs > 1 or f < 1 or f > 6 then return nil, "BAD_SYNTAX", "a face is 1-6, got " .. quoted(fs) end
  cs = cs:gsub("^0+", "")
  if cs == "" then return nil, "BAD_SYNTAX", "a bid counts at least one die" end
  if #cs > 3 or tonumber(cs) > s.total then
    return nil, "ILLEGAL_MOVE", "only " .. s.total .. " dice are in play"
  end
  local c = tonumber(cs)
  if not beats(s, c, f) then
    return nil, "ILLEGAL_MOVE", bid_text(c, f) .. " does not beat " .. bid_text(s.bid.count, s.bid.face) ..
      ": bid more dice, or as many on a higher face"
  end
  s.bid = {count = c, face = f, seat = seat}
  s.bids[#s.bids + 1] = {seat = seat, bid = bid_text(c, f)}
  s.turn = next_in(s, seat)
  return bid_text(c, f)
end

function game.forfeit(s, seat, why)
  if s.counts[seat + 1] == 0 then return false, "seat " .. seat .. " is out already" end
  s.counts[seat + 1] = 0
  s.dice[seat + 1] = {}
  local left, last = players_in(s)
  if left == 1 then
    s.over, s.winner, s.reason = true, last, why
    s.bid, s.bids = nil, {}
    s.total = s.counts[last + 1]
    return true
  end
  new_round(s, s.turn == seat and next_in(s, seat) or s.turn)
  return true
end

function game.result(s)
  if not s.over then return nil end
  return {winner = s.winner, reason = s.reason}
end

function game.view(s, seat)
  local counts, out = {}, {}
  for i = 1, s.seats do
    counts[i] = s.counts[i]
    out[i] = s.counts[i] == 0
  end
  local bids = {}
  for i, b in ipairs(s.bids) do bids[i] = {seat = b.seat, bid = b.bid} end
  local v = {dice_counts = counts, out = out, total_dice = s.total, round = s.round, bids = bids,
             legal = short_legal(s)}
  if s.bid then
    v.bid = {count = s.bid.count, face = s.bid.face, seat = s.bid.seat, text = bid_text(s.bid.count, s.bid.face)}
  end
  if s.reveal then
    local r = s.reveal
    local dice = {}
    for i = 1, s.seats do
      local d = {}
      for k, x in ipairs(r.dice[i]) do d[k] = x end
      dice[i] = d
    end
    v.reveal = {round = r.round, dice = dice, bid = r.bid, bidder = r.bidder, caller = r.caller,
                found = r.found, holds = r.holds, loser = r.loser, loser_out = r.loser_out}
  end
  local board = {}
  for i = 1, s.seats do
    local line = "seat " .. (i - 1) .. ": "
    if s.counts[i] == 0 then line = line .. "out"
    else line = line .. s.counts[i] .. (s.counts[i] == 1 and " die" or " dice") end
    if not s.over and s.turn == i - 1 then line = line .. " (to move)" end
    board[#board + 1] = line
  end
  if seat ~= nil and s.counts[seat + 1] > 0 then
    local mine = {}
    for k, x in ipairs(s.dice[seat + 1]) do mine[k] = x end
    v.dice = mine
    local shown = {}
    for k, x in ipairs(mine) do shown[k] = tostring(x) end
    board[#board + 1] = "you: " .. table.concat(shown, " ")
  end
  if s.bid then
    board[#board + 1] = "bid: " .. bid_text(s.bid.count, s.bid.face) .. " by seat " .. s.bid.seat
  elseif not s.over then
    board[#board + 1] = "bid: none yet (round " .. s.round .. ")"
  end
  if s.reveal then
    local r = s.reveal
    board[#board + 1] = "last call: seat " .. r.caller .. " called " .. r.bid .. " by seat " .. r.bidder ..
      ", " .. r.found .. " found: seat " .. r.loser .. (r.loser_out and " loses its last die" or " loses a die")
  end
  v.board = board
  return v
end

return game
