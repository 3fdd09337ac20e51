// The play client served at "/": login, lobbies, chat, tables and boards.
// All state comes from the server's lines; the page keeps no rules of its
// own beyond drawing what the view JSON says (the server is authoritative).
import { IrcClient, fold, isLobby, isTable, validNick, wsUrl } from './irc.js';
import { describeResult, gameTitle, renderBoard, seatMark } from './games.js';
import { GamesListing, listingKey, tableNewLine } from './catalog.js';
import { makeElement } from './dom.js';

const $ = (id) => document.getElementById(id);
const MAX_LOG = 500; // lines kept per channel: a busy lobby must not grow the page forever

const S = {
  client: null,
  me: null,
  lobbies: new Map(), // fold(name) -> {name, members, topic}
  listing: null, // LIST being collected
  channels: new Map(), // fold(name) -> channel (joined lobbies and tables)
  current: null, // fold(name) of the channel on screen
  lastLobby: null, // the lobby whose tables the side bar shows
  tables: [], // TABLE INFO of lastLobby
  tableListing: null,
  tableMeta: new Map(), // fold(&id) -> {game, lobby, creator}
  games: [], // the GAMES listing: what TABLE NEW can open now (catalog.js)
  gamesKey: null, // listingKey(games) of the picker on screen
  gamesListing: null, // GAMES being collected
  gamesAskedAt: 0,
};

const el = (tag, attrs, text) => makeElement(document, tag, attrs, text);

// ---- connection ------------------------------------------------------------

function setStatus(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.dataset.state = kind;
}

function loginError(text) {
  const e = $('login-error');
  e.textContent = text;
  e.hidden = !text;
}

function startLogin(mode) {
  const nick = $('nick').value.trim();
  const password = $('password').value;
  if (!validNick(nick)) return loginError('A nick is 1–30 letters, digits or [ ] \\ ` _ ^ { | } -, and does not start with a digit or -.');
  if (mode !== 'guest' && password.length === 0) return loginError('Enter a password.');
  loginError('');
  if (S.client) S.client.close('relogin');
  S.channels.clear();
  S.current = null;
  S.client = new IrcClient(wsUrl(location), {
    onLine: handleLine,
    onState: (state, why) => {
      if (state === 'open') setStatus('registering…', 'connecting');
      if (state === 'closed') {
        setStatus(`disconnected${why ? ` (${why})` : ''}`, 'closed');
        // Keep a reason given already (nick in use, login failed) over the bare close.
        if (!S.me && $('login-error').hidden) loginError(`The connection closed${why ? `: ${why}` : ''}.`);
        $('login').hidden = false;
        $('app').hidden = true;
        S.me = null;
      }
      if (state === 'error') setStatus('connection error', 'closed');
    },
  });
  setStatus('connecting…', 'connecting');
  S.client.connect({ nick, mode, password });
}

function send(line) {
  if (!S.client || !S.client.send(line)) toast('Not connected.', 'ERROR');
}

// ---- notices ---------------------------------------------------------------

function toast(text, code = '') {
  const t = el('div', { class: 'toast', 'data-code': code, role: 'alert' }, text);
  $('toasts').append(t);
  setTimeout(() => t.remove(), 6000);
}

function logTo(name, kind, from, text) {
  const ch = channel(name);
  if (!ch) return;
  ch.log.push({ kind, from, text, at: new Date() });
  if (ch.log.length > MAX_LOG) ch.log.splice(0, ch.log.length - MAX_LOG);
  if (fold(name) === S.current) appendLog(ch.log[ch.log.length - 1]);
  else { ch.unread = true; renderTabs(); }
}

function appendLog(entry) {
  const log = $('chat-log');
  const li = el('li', { class: `line ${entry.kind}`, 'data-kind': entry.kind, 'data-from': entry.from || undefined });
  li.append(el('time', {}, entry.at.toTimeString().slice(0, 5)));
  if (entry.from) li.append(el('b', {}, entry.from));
  li.append(el('span', {}, entry.text));
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(li);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

// ---- channels ---------------------------------------------------------------

function channel(name) { return S.channels.get(fold(name)); }

function ensureChannel(name) {
  let ch = channel(name);
  if (!ch) {
    ch = { name, members: new Map(), log: [], topic: '', unread: false, namesDone: true };
    if (isTable(name)) ch.table = { players: [], state: null, turn: null, over: null, rematch: new Set(), more: '' };
    S.channels.set(fold(name), ch);
  }
  return ch;
}

function select(name) {
  S.current = fold(name);
  const ch = channel(name);
  if (!ch) return;
  ch.unread = false;
  if (isLobby(name) && S.lastLobby !== fold(name)) {
    S.lastLobby = fold(name);
    S.tables = [];
    send(`TABLE LIST ${name}`);
  }
  $('chat-log').replaceChildren();
  ch.log.forEach(appendLog);
  $('chat-input').placeholder = `Message ${name}`;
  $('chat-target').textContent = name;
  renderTabs();
  renderMembers();
  renderGame();
  renderTablesList();
}

function renderTabs() {
  const tabs = $('tabs');
  tabs.replaceChildren();
  for (const [key, ch] of S.channels) {
    const meta = S.tableMeta.get(key);
    const label = isTable(ch.name) && meta ? `${ch.name} ${gameTitle(meta.game)}` : ch.name;
    const b = el('button', { class: `tab${key === S.current ? ' active' : ''}${ch.unread ? ' unread' : ''}`, 'data-channel': ch.name, role: 'tab', 'aria-selected': key === S.current }, label);
    b.addEventListener('click', () => select(ch.name));
    const x = el('button', { class: 'close', title: `leave ${ch.name}`, 'data-leave': ch.name }, '×');
    x.addEventListener('click', (ev) => { ev.stopPropagation(); send(`PART ${ch.name} :leaving`); });
    const wrap = el('span', { class: 'tabwrap' });
    wrap.append(b, x);
    tabs.append(wrap);
  }
}

function renderMembers() {
  const ul = $('members');
  ul.replaceChildren();
  const ch = S.current && S.channels.get(S.current);
  $('members-title').textContent = ch ? `In ${ch.name} (${ch.members.size})` : 'Members';
  if (!ch) return;
  for (const [, m] of [...ch.members].sort((a, b) => a[0].localeCompare(b[0]))) {
    ul.append(el('li', { 'data-nick': m.nick, class: m.nick === S.me ? 'me' : '' }, `${m.op ? '@' : ''}${m.nick}`));
  }
}

function renderLobbies() {
  const ul = $('lobbies');
  ul.replaceChildren();
  for (const [key, l] of [...S.lobbies].sort((a, b) => a[0].localeCompare(b[0]))) {
    const joined = S.channels.has(key);
    const li = el('li', { 'data-lobby': l.name, 'data-members': l.members, class: joined ? 'joined' : '' });
    const b = el('button', { class: 'lobby', title: l.topic || '' });
    b.append(el('span', { class: 'name' }, l.name), el('span', { class: 'count', 'aria-label': 'members' }, String(l.members)));
    if (l.topic) b.append(el('span', { class: 'topic' }, l.topic));
    b.addEventListener('click', () => (joined ? select(l.name) : send(`JOIN ${l.name}`)));
    li.append(b);
    ul.append(li);
  }
  if (!S.lobbies.size) ul.append(el('li', { class: 'empty' }, 'No lobbies.'));
}

function renderTablesList() {
  const lobby = S.lastLobby && S.channels.get(S.lastLobby);
  $('tables-title').textContent = lobby ? `Tables in ${lobby.name}` : 'Tables';
  $('new-table-form').hidden = !lobby;
  const ul = $('tables');
  ul.replaceChildren();
  if (!lobby) { ul.append(el('li', { class: 'empty' }, 'Join a lobby to see its tables.')); return; }
  if (!S.tables.length) ul.append(el('li', { class: 'empty' }, 'No tables yet: open one below.'));
  for (const t of S.tables) {
    const li = el('li', { 'data-table': t.id, 'data-game': t.game, 'data-phase': t.phase, 'data-seated': t.seated, 'data-seats': t.seats });
    li.append(el('span', { class: 'tname' }, `${t.id} ${gameTitle(t.game)}`), el('span', { class: `phase ${t.phase}` }, `${t.seated}/${t.seats} ${t.phase}`));
    const acts = el('span', { class: 'tacts' });
    const joined = S.channels.has(fold(t.id));
    if (joined) {
      const open = el('button', { 'data-action': 'open' }, 'open');
      open.addEventListener('click', () => select(t.id));
      acts.append(open);
    } else {
      const watch = el('button', { 'data-action': 'watch' }, 'watch');
      watch.addEventListener('click', () => send(`JOIN ${t.id}`));
      acts.append(watch);
    }
    if (t.phase !== 'playing' && t.seated < t.seats) {
      const sit = el('button', { 'data-action': 'sit', class: 'primary' }, 'sit');
      sit.addEventListener('click', () => { S.tableMeta.set(fold(t.id), { ...S.tableMeta.get(fold(t.id)), game: t.game }); send(`TABLE SIT ${t.id}`); });
      acts.append(sit);
    }
    li.append(acts);
    ul.append(li);
  }
}

// ---- the game panel -----------------------------------------------------------

function mySeat(tbl) {
  const i = tbl.players.findIndex((p) => p && fold(p) === fold(S.me || ''));
  return i < 0 ? null : i;
}

function renderGame() {
  const ch = S.current && S.channels.get(S.current);
  const panel = $('game');
  if (!ch || !ch.table) { panel.hidden = true; return; }
  panel.hidden = false;
  const tbl = ch.table;
  const meta = S.tableMeta.get(S.current) || {};
  const game = tbl.state?.game || meta.game || '';
  panel.dataset.table = ch.name;
  panel.dataset.game = game;
  const seat = mySeat(tbl);
  const phase = tbl.over ? 'over' : tbl.state ? 'playing' : 'waiting';
  panel.dataset.phase = phase;
  // A module's label (name@version, from TABLE CREATED/INFO or START) says which version runs.
  $('game-title').textContent = `${ch.name} · ${gameTitle(meta.game || game) || 'table'}${meta.lobby ? ` in ${meta.lobby}` : ''}`;
  $('game-role').textContent = seat === null ? 'spectating' : `you are seat ${seat}${seatMark(game, seat) ? ` (${seatMark(game, seat)})` : ''}`;

  const players = $('players');
  players.replaceChildren();
  const seats = tbl.state?.seats || tbl.seats || tbl.players.length;
  for (let s = 0; s < Math.max(seats, tbl.players.length); s++) {
    const nick = tbl.players[s];
    const toMove = tbl.state && !tbl.over && tbl.state.to_move === s;
    const li = el('li', { 'data-seat': s, 'data-nick': nick || undefined, class: `${toMove ? 'to-move' : ''}${nick && nick === S.me ? ' me' : ''}` });
    const mark = seatMark(game, s);
    li.append(el('span', { class: `seatmark p${s}` }, mark ? mark[0].toUpperCase() : String(s)), el('span', {}, nick || '(free seat)'));
    if (tbl.rematch.has(fold(nick || ''))) li.append(el('span', { class: 'badge' }, 'rematch'));
    players.append(li);
  }

  const board = $('board');
  if (tbl.state) renderBoard(board, tbl.state, (move) => send(`MOVE ${ch.name} ${move}`));
  else { board.replaceChildren(el('p', { class: 'waiting' }, 'Waiting for players…')); board.dataset.game = game; }

  const res = $('result');
  res.hidden = !tbl.over;
  if (tbl.over) {
    res.textContent = describeResult(tbl.over, S.me);
    res.dataset.winner = tbl.over.winner ?? '';
    res.dataset.draw = tbl.over.draw ? 'true' : 'false';
    res.dataset.reason = tbl.over.reason || '';
  }
  renderTurn();

  const seated = seat !== null;
  $('btn-sit').hidden = seated || phase === 'playing' || (tbl.players.filter(Boolean).length >= seats && seats > 0);
  $('btn-stand').hidden = !seated || phase === 'playing';
  $('btn-start').hidden = !(meta.creator && phase === 'waiting' && seated);
  $('btn-resign').hidden = !(seated && phase === 'playing');
  $('btn-rematch').hidden = !(seated && phase === 'over');
}

function renderTurn() {
  const ch = S.current && S.channels.get(S.current);
  const box = $('turn');
  if (!ch || !ch.table || !ch.table.turn || ch.table.over) { box.hidden = true; return; }
  const { nick, deadline } = ch.table.turn;
  box.hidden = false;
  box.dataset.nick = nick;
  box.dataset.deadline = deadline;
  const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  const mine = fold(nick) === fold(S.me || '');
  $('turn-who').textContent = mine ? 'Your move' : `${nick} to move`;
  box.classList.toggle('mine', mine);
  const t = $('turn-timer');
  t.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  t.classList.toggle('urgent', left <= 10);
}

// ---- lines from the server ----------------------------------------------------

function jsonTail(msg) {
  try { return JSON.parse(msg.params[msg.params.length - 1]); } catch { return null; }
}

function handleLine(msg, raw) {
  const p = msg.params;
  switch (msg.command) {
    case '001':
      S.me = p[0];
      $('me').textContent = S.me;
      $('login').hidden = true;
      $('app').hidden = false;
      setStatus('connected', 'connected');
      send('LIST');
      askGames(true);
      break;
    case '431': case '432': case '433': case '436':
      if (!S.client.registered) { loginError(p[p.length - 1] + (p[1] ? `: ${p[1]}` : '')); S.client.close('nick refused'); }
      else toast(`${p[1] || ''} ${p[p.length - 1]}`, msg.command);
      break;
    case '900': toast(p[p.length - 1], '900'); break;
    case '903': toast('Logged in.', '903'); break;
    case '904': case '905': case '906':
      loginError(`Login failed: ${p[p.length - 1]}`);
      S.client.close('login failed');
      break;
    case 'CAP':
      if ((p[1] || '').toUpperCase() === 'NAK' && S.client.mode === 'login') {
        loginError('This server does not offer account login (SASL) yet; log in as a guest.');
        S.client.close('no sasl');
      }
      break;
    case 'REGISTER':
      if (p[0] === 'SUCCESS') toast(`Account ${p[1]} registered. ${p[p.length - 1]}`, 'REGISTER');
      break;
    case '321': S.listing = new Map(); break;
    case '322':
      // LIST shows table channels (&id) too; the side bar lists lobbies only.
      if (isLobby(p[1])) (S.listing || S.lobbies).set(fold(p[1]), { name: p[1], members: +p[2], topic: p[3] || '' });
      break;
    case '323':
      if (S.listing) S.lobbies = S.listing;
      S.listing = null;
      renderLobbies();
      break;
    case 'JOIN': {
      const name = p[0];
      const ch = ensureChannel(name);
      if (fold(msg.nick) === fold(S.me)) {
        ch.members.clear();
        ch.namesDone = false;
        renderTabs();
        select(name);
        if (isLobby(name)) { const l = S.lobbies.get(fold(name)); if (l) l.members += 1; renderLobbies(); }
      }
      ch.members.set(fold(msg.nick), { nick: msg.nick, op: false });
      logTo(name, 'join', null, `${msg.nick} joined`);
      if (fold(name) === S.current) renderMembers();
      break;
    }
    case 'PART': case 'KICK': {
      const name = p[0];
      const who = msg.command === 'KICK' ? p[1] : msg.nick;
      const ch = channel(name);
      if (!ch) break;
      if (fold(who) === fold(S.me)) {
        S.channels.delete(fold(name));
        if (S.current === fold(name)) {
          const next = [...S.channels.values()][0];
          if (next) select(next.name); else { S.current = null; $('chat-log').replaceChildren(); renderGame(); renderMembers(); }
        }
        if (S.lastLobby === fold(name)) { S.lastLobby = null; renderTablesList(); }
        renderTabs();
        send('LIST');
      } else {
        ch.members.delete(fold(who));
        logTo(name, 'part', null, `${who} left${p[p.length - 1] && p.length > (msg.command === 'KICK' ? 2 : 1) ? ` (${p[p.length - 1]})` : ''}`);
        if (fold(name) === S.current) renderMembers();
      }
      break;
    }
    case 'QUIT':
      for (const ch of S.channels.values()) {
        if (ch.members.delete(fold(msg.nick))) logTo(ch.name, 'part', null, `${msg.nick} quit (${p[0] || ''})`);
      }
      renderMembers();
      break;
    case 'NICK':
      if (fold(msg.nick) === fold(S.me)) { S.me = p[0]; $('me').textContent = S.me; }
      for (const ch of S.channels.values()) {
        const m = ch.members.get(fold(msg.nick));
        if (m) { ch.members.delete(fold(msg.nick)); ch.members.set(fold(p[0]), { ...m, nick: p[0] }); logTo(ch.name, 'info', null, `${msg.nick} is now ${p[0]}`); }
      }
      renderMembers();
      break;
    case '332': { const ch = channel(p[1]); if (ch) { ch.topic = p[2]; logTo(p[1], 'info', null, `Topic: ${p[2]}`); } break; }
    case 'TOPIC': { const ch = channel(p[0]); if (ch) { ch.topic = p[1]; logTo(p[0], 'info', null, `${msg.nick} set the topic: ${p[1]}`); } break; }
    case '353': {
      const ch = channel(p[2]);
      if (!ch) break;
      if (ch.namesDone) { ch.members.clear(); ch.namesDone = false; }
      for (const n of (p[3] || '').split(' ').filter(Boolean)) {
        const op = n.startsWith('@');
        const nick = op ? n.slice(1) : n;
        ch.members.set(fold(nick), { nick, op });
      }
      break;
    }
    case '366': { const ch = channel(p[1]); if (ch) ch.namesDone = true; renderMembers(); break; }
    case 'PRIVMSG': case 'NOTICE': {
      const target = p[0];
      const text = p[1] || '';
      const from = msg.nick || msg.source || 'server';
      if (channel(target)) logTo(target, msg.command === 'NOTICE' ? 'notice' : 'msg', from, text);
      else if (S.current) logTo(S.channels.get(S.current).name, msg.command === 'NOTICE' ? 'notice private' : 'private', `${from} → you`, text);
      if (msg.command === 'NOTICE' && !channel(target) && (!msg.nick || msg.nick.includes('.'))) toast(text, 'NOTICE');
      break;
    }
    case 'TABLE': handleTable(msg); break;
    case 'GAMES': handleGames(msg); break;
    case 'GAME': handleGame(msg); break;
    case 'FAIL': {
      // FAIL <command> <CODE> [args...] :<reason>
      const [cmd, code] = p;
      const reason = p[p.length - 1];
      const args = p.slice(2, -1).join(' ');
      toast(`${cmd} ${code}${args ? ` ${args}` : ''}: ${reason}`, code);
      const where = p.slice(2, -1).find((a) => channel(a));
      if (where || S.current) logTo(where || S.channels.get(S.current).name, 'fail', null, `${cmd} ${code}: ${reason}`);
      if (cmd === 'REGISTER') loginError(`Registration failed: ${reason}`);
      if (cmd === 'TABLE' && code === 'UNKNOWN_GAME') askGames(true); // the picker was out of date
      break;
    }
    case 'ERROR':
      setStatus(p[0] || 'closed', 'closed');
      toast(p[0] || 'The server closed the connection.', 'ERROR');
      break;
    default:
      // Other errors (4xx/5xx numerics) are worth showing; the rest is noise here.
      if (/^[45]\d\d$/.test(msg.command)) toast(p.slice(1).join(' '), msg.command);
      break;
  }
}

// ---- the game picker (GAMES) ----------------------------------------------------

/** Asks for GAMES; unless `force`, at most once a second (the picker's focus asks too). */
function askGames(force = false) {
  if (!S.me && !force) return;
  if (!force && Date.now() - S.gamesAskedAt < 1000) return;
  S.gamesAskedAt = Date.now();
  send('GAMES');
}

function handleGames(msg) {
  const listing = (S.gamesListing ||= new GamesListing());
  if (!listing.add(msg.params)) return;
  S.gamesListing = null;
  S.games = listing.games;
  renderGamePicker();
}

function pickedGame() {
  const name = $('new-game').value;
  return S.games.find((g) => g.name === name) || null;
}

/** Rebuilds the TABLE NEW picker from S.games (only when the listing changed: an open list stays open). */
function renderGamePicker() {
  const key = listingKey(S.games);
  if (key === S.gamesKey || !S.games.length) return;
  S.gamesKey = key;
  const select = $('new-game');
  const was = select.value;
  select.replaceChildren();
  for (const g of S.games) {
    const title = gameTitle(g.label);
    select.append(el('option', { value: g.name, 'data-label': g.label, 'data-module': g.module ? 'true' : undefined },
      g.module ? `${g.label} (module)` : title));
  }
  select.value = S.games.some((g) => g.name === was) ? was : S.games[0].name;
  select.dataset.count = String(S.games.length);
  renderGameOptions();
}

/** The seats and option inputs of the game picked: seats where it may vary, each option of GAMES. */
function renderGameOptions() {
  const g = pickedGame();
  const seats = $('new-seats');
  const row = $('seats-row');
  if (!g) { row.hidden = $('new-game').value !== 'crazyeights'; $('new-options').replaceChildren(); return; }
  row.hidden = !(g.min !== null && g.max !== null && g.min < g.max);
  if (!row.hidden) {
    seats.replaceChildren();
    for (let n = g.min; n <= g.max; n++) seats.append(el('option', { value: n, selected: n === g.default }, String(n)));
  }
  const opts = $('new-options');
  opts.replaceChildren();
  for (const o of g.options) {
    const label = el('label', { class: 'opt' }, `${o.key} `);
    label.append(el('input', { type: 'number', 'data-option': o.key, min: o.min, max: o.max, placeholder: `${o.min}–${o.max}`, 'aria-label': `${o.key} (${o.min} to ${o.max})` }));
    opts.append(label);
  }
}

function handleTable(msg) {
  const p = msg.params;
  const sub = (p[0] || '').toUpperCase();
  if (sub === 'CREATED') {
    // TABLE CREATED &id game #lobby: we made it (only the creator hears this).
    S.tableMeta.set(fold(p[1]), { game: p[2], lobby: p[3], creator: true });
    send(`TABLE LIST ${p[3]}`);
  } else if (sub === 'INFO') {
    const [seated, seats] = (p[3] || '0/0').split('/').map(Number);
    (S.tableListing ||= []).push({ id: p[1], game: p[2], seated, seats, phase: p[4] });
    const key = fold(p[1]);
    S.tableMeta.set(key, { ...S.tableMeta.get(key), game: p[2] });
    const ch = channel(p[1]);
    if (ch) ch.table.seats = seats;
  } else if (sub === 'END') {
    if (S.lastLobby === fold(p[1])) S.tables = S.tableListing || [];
    for (const t of S.tableListing || []) {
      const meta = S.tableMeta.get(fold(t.id));
      S.tableMeta.set(fold(t.id), { ...meta, lobby: p[1] });
    }
    S.tableListing = null;
    renderTablesList();
    renderTabs();
  } else if (sub === 'RESUMED') {
    // TABLE RESUMED &id <seat> <missed> <dropped>: back in our seat after a reconnect.
    const ch = ensureChannel(p[1]);
    ch.table.players[+p[2]] = S.me;
    logTo(p[1], 'info', null, `You are back in seat ${p[2]}${+p[4] ? ` (${p[4]} older lines were dropped)` : ''}`);
    if (fold(p[1]) === S.current) renderGame();
  } else if (sub === 'SEATED' || sub === 'STOOD') {
    const ch = ensureChannel(p[1]);
    const tbl = ch.table;
    if (sub === 'SEATED') {
      tbl.players[+p[3]] = p[2];
      logTo(p[1], 'info', null, `${p[2]} sits in seat ${p[3]}`);
      // Someone took the seat of a player who left: a rematch vote is theirs now.
    } else {
      const i = tbl.players.findIndex((n) => n && fold(n) === fold(p[2]));
      if (i >= 0) tbl.players[i] = undefined;
      logTo(p[1], 'info', null, `${p[2]} stood up`);
    }
    if (S.lastLobby) send(`TABLE LIST ${S.channels.get(S.lastLobby)?.name || ''}`);
    if (fold(p[1]) === S.current) renderGame();
  }
}

function handleGame(msg) {
  const p = msg.params;
  const id = p[0];
  const sub = (p[1] || '').toUpperCase();
  const ch = ensureChannel(id);
  const tbl = ch.table;
  // A view too long for one IRC line comes in parts: GAME &id MORE :<part>
  // lines, then the START/STATE/OVER line with the last part (protocol.md).
  if (sub === 'MORE') {
    tbl.more += p[2] || '';
    return;
  }
  if (tbl.more && (sub === 'START' || sub === 'STATE' || sub === 'OVER')) {
    msg = { ...msg, params: [...p.slice(0, -1), tbl.more + p[p.length - 1]] };
    tbl.more = '';
  }
  if (sub === 'START') {
    const info = jsonTail(msg) || {};
    tbl.players = info.players || tbl.players;
    tbl.seats = info.seats;
    tbl.over = null;
    tbl.state = null;
    tbl.rematch.clear();
    S.tableMeta.set(fold(id), { ...S.tableMeta.get(fold(id)), game: info.module || info.game });
    logTo(id, 'info', null, `Round ${info.round || 1} of ${gameTitle(info.module || info.game)}: ${(info.players || []).join(' vs ')}`);
  } else if (sub === 'STATE') {
    tbl.state = jsonTail(msg);
    if (tbl.state && tbl.state.result && tbl.state.result.over === false) tbl.over = null;
  } else if (sub === 'TURN') {
    tbl.turn = { nick: p[2], deadline: Number(p[3]) };
  } else if (sub === 'TIMEOUT') {
    logTo(id, 'fail', null, `${p[2]} ran out of time`);
  } else if (sub === 'OVER') {
    tbl.over = jsonTail(msg) || { over: true };
    if (tbl.over.players) tbl.players = tbl.over.players;
    tbl.turn = null;
    logTo(id, 'over', null, describeResult(tbl.over, S.me));
  } else if (sub === 'REMATCH') {
    tbl.rematch.add(fold(p[2]));
    logTo(id, 'info', null, `${p[2]} wants a rematch`);
  }
  if (fold(id) === S.current) renderGame();
  else { ch.unread = true; renderTabs(); }
}

// ---- wiring -------------------------------------------------------------------

function currentName() { return S.current && S.channels.get(S.current)?.name; }

function init() {
  $('login-form').addEventListener('submit', (ev) => { ev.preventDefault(); startLogin(ev.submitter?.dataset.mode || 'guest'); });
  $('password-row').hidden = true;
  for (const r of document.querySelectorAll('input[name="login-kind"]')) {
    r.addEventListener('change', () => {
      const account = document.querySelector('input[name="login-kind"]:checked').value === 'account';
      $('password-row').hidden = !account;
      $('login-guest').hidden = account;
      $('login-account').hidden = !account;
      $('register').hidden = !account;
    });
  }
  $('logout').addEventListener('click', () => S.client && S.client.close('logged out'));
  $('refresh-lobbies').addEventListener('click', () => send('LIST'));
  $('chat-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('chat-input').value;
    const target = currentName();
    if (!text.trim() || !target) return;
    if (text.startsWith('/')) {
      // A raw command for those who know IRC: "/names #lobby".
      send(text.slice(1));
    } else {
      send(`PRIVMSG ${target} :${text}`);
      logTo(target, 'msg self', S.me, text);
    }
    $('chat-input').value = '';
  });
  $('new-game').addEventListener('change', renderGameOptions);
  // Opening the picker asks the server again: a game module inserted a moment
  // ago is there the next time the list opens (or on ↻).
  for (const ev of ['focus', 'pointerdown']) $('new-game').addEventListener(ev, () => askGames());
  $('refresh-games').addEventListener('click', () => askGames(true));
  $('seats-row').hidden = true;
  $('new-table-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const lobby = S.lastLobby && S.channels.get(S.lastLobby);
    if (!lobby) return;
    const options = {};
    for (const input of $('new-options').querySelectorAll('input[data-option]')) options[input.dataset.option] = input.value;
    const seats = $('seats-row').hidden ? undefined : $('new-seats').value;
    // Before the first GAMES answer the picker holds the compiled-in games.
    const game = pickedGame() || { name: $('new-game').value, min: 2, max: $('new-game').value === 'crazyeights' ? 4 : 2, options: [] };
    send(tableNewLine(lobby.name, game, { seats, options }));
  });
  $('btn-sit').addEventListener('click', () => send(`TABLE SIT ${currentName()}`));
  $('btn-stand').addEventListener('click', () => send(`TABLE STAND ${currentName()}`));
  $('btn-start').addEventListener('click', () => send(`TABLE START ${currentName()}`));
  $('btn-resign').addEventListener('click', () => { if (confirm('Resign this game?')) send(`TABLE RESIGN ${currentName()}`); });
  $('btn-rematch').addEventListener('click', () => send(`TABLE REMATCH ${currentName()}`));
  // Keep the lobby counts and the table list fresh: the server does not push them.
  setInterval(() => {
    if (!S.me) return;
    send('LIST');
    const lobby = S.lastLobby && S.channels.get(S.lastLobby);
    if (lobby) { send(`TABLE LIST ${lobby.name}`); askGames(); }
  }, 5000);
  setInterval(renderTurn, 250);
  const qs = new URLSearchParams(location.search);
  if (qs.get('nick')) $('nick').value = qs.get('nick');
  $('nick').focus();
}

init();
