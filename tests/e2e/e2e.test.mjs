// End-to-end: a real lobbyd, real WebSocket and HTTP, the real pages in
// headless chromium. Two guests meet in a lobby, chat and play a whole game
// of tic-tac-toe while a third watches; the admin page logs in with the
// token, broadcasts, kicks, and switches the profiler on to show zones and a
// flame graph; an account is registered and logged in with SASL; a Lua game
// module inserted into the database while the server runs is listed by the
// table picker and played to the end in the generic view, and the admin page
// lists it and uploads versions. With LOBBYD_E2E_SCREENSHOTS=<dir> it saves play.png and
// admin.png there (docs/img holds the committed ones).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { startLobbyd, launchBrowser, newPage, insertModuleRow, ADMIN_TOKEN, ROOT, SLOW } from './harness.mjs';
import { loginGuest, joinLobby, say, seesMessage, move } from './play.mjs';

const T = 15000 * SLOW;
const SHOTS = process.env.LOBBYD_E2E_SCREENSHOTS || '';
let srv;
let browser;
const errors = [];

before(async () => {
  srv = await startLobbyd();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('two guests chat in a lobby and play tic-tac-toe to a result; a spectator watches', { timeout: 120000 * SLOW }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const alice = await newPage(ctx, errors);
  const bob = await newPage(ctx, errors);
  const carol = await newPage(ctx, errors);
  await loginGuest(alice, srv.base, 'alice');
  await loginGuest(bob, srv.base, 'bob');
  await loginGuest(carol, srv.base, 'carol');

  // A nick that is taken is refused on the login form, not silently renamed.
  const dup = await newPage(ctx, errors);
  await dup.goto(`${srv.base}/`);
  await dup.fill('#nick', 'alice');
  await dup.click('#login-guest');
  await dup.locator('#login-error:not([hidden])').waitFor({ timeout: T });
  assert.match(await dup.textContent('#login-error'), /in use/i);
  await dup.close();

  // The lobby list shows member counts from LIST.
  await joinLobby(alice, '#games');
  await joinLobby(bob, '#games');
  await bob.locator('#members li[data-nick="alice"]').waitFor({ timeout: T });
  await alice.click('#refresh-lobbies');
  await alice.locator('#lobbies li[data-lobby="#games"][data-members="2"]').waitFor({ timeout: T });

  await say(alice, 'hi bob, a game?');
  await seesMessage(bob, 'alice', 'hi bob, a game?');
  await say(bob, 'sure, open a table');
  await seesMessage(alice, 'bob', 'sure, open a table');

  // alice opens a table; bob sees it in the table list and sits down.
  await alice.selectOption('#new-game', 'tictactoe');
  await alice.click('#new-table');
  const table = await alice.locator('#game[data-table^="&"]').getAttribute('data-table', { timeout: T });
  await bob.locator(`#tables li[data-table="${table}"][data-phase="waiting"]`).waitFor({ timeout: T });
  // carol watches: the lobby's table list offers a table to spectate.
  await joinLobby(carol, '#games');
  await carol.locator(`#tables li[data-table="${table}"] button[data-action="watch"]`).click({ timeout: T });
  await carol.locator(`#game[data-table="${table}"]`).waitFor({ timeout: T });
  await bob.locator(`#tables li[data-table="${table}"] button[data-action="sit"]`).click();
  await alice.locator('#game[data-phase="playing"]').waitFor({ timeout: T });

  // The turn timer counts down to the deadline of GAME TURN.
  await alice.locator('#turn[data-nick="alice"]:not([hidden])').waitFor({ timeout: T });
  const deadline = Number(await alice.getAttribute('#turn', 'data-deadline'));
  assert.ok(deadline > Date.now() && deadline < Date.now() + 3600e3, `deadline ${deadline}`);
  assert.match(await alice.textContent('#turn-timer'), /^\d+:\d\d$/);
  // bob's page handles the same TURN line on its own time: wait for it.
  await bob.waitForFunction(() => document.querySelector('#turn-who')?.textContent === 'alice to move',
    null, { timeout: T });

  // Out of turn: bob's board offers no cell, and a forced move is refused by
  // the server with a FAIL line that the page shows.
  assert.equal(await bob.locator('#board [data-move]').count(), 0);
  await say(bob, `/MOVE ${table} 4`);
  await bob.locator('.toast[data-code="NOT_YOUR_TURN"]').waitFor({ timeout: T });

  // X: 4, 3, 5 makes the middle row; O: 0, 8.
  for (const [page, mv] of [[alice, '4'], [bob, '0'], [alice, '3'], [bob, '8'], [alice, '5']]) await move(page, mv);

  for (const page of [alice, bob, carol]) {
    await page.locator('#result:not([hidden])').waitFor({ timeout: T });
    assert.equal(await page.getAttribute('#result', 'data-winner'), 'alice');
    assert.equal(await page.getAttribute('#result', 'data-reason'), 'line');
  }
  assert.match(await alice.textContent('#result'), /You win/);
  assert.match(await bob.textContent('#result'), /alice wins/);
  assert.equal(await carol.textContent('#game-role'), 'spectating');
  // The winning line is marked on every board, spectator's included.
  assert.deepEqual(await carol.locator('#board .cell.win').evaluateAll((cs) => cs.map((c) => c.dataset.row + c.dataset.col)), ['10', '11', '12']);
  // Table chat reaches players and spectators.
  await say(carol, 'well played!');
  await seesMessage(alice, 'carol', 'well played!');
  await seesMessage(bob, 'carol', 'well played!');
  await alice.locator(`#tables li[data-table="${table}"][data-phase="over"]`).waitFor({ timeout: T });
  if (SHOTS) await alice.screenshot({ path: path.join(SHOTS, 'play.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('every other game: a table opens, the board takes a first move, hands stay hidden', { timeout: 120000 * SLOW }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const erin = await newPage(ctx, errors);
  const fred = await newPage(ctx, errors);
  await loginGuest(erin, srv.base, 'erin');
  await loginGuest(fred, srv.base, 'fred');
  await joinLobby(erin, '#games');
  await joinLobby(fred, '#games');
  for (const game of ['connect4', 'reversi', 'crazyeights']) {
    await erin.selectOption('#new-game', game);
    await erin.click('#new-table');
    const table = await erin.locator(`#game[data-game="${game}"][data-table^="&"]`).getAttribute('data-table', { timeout: T });
    await fred.locator(`#tables li[data-table="${table}"] button[data-action="sit"]`).click({ timeout: T });
    await fred.locator(`#game[data-table="${table}"][data-phase="playing"]`).waitFor({ timeout: T });
    await erin.locator(`#game[data-table="${table}"][data-phase="playing"]`).waitFor({ timeout: T });
    if (game === 'crazyeights') {
      // Each sees a hand of 7, and no card of one is in the other's.
      // START, STATE and TURN are separate frames: wait until the hands are drawn.
      for (const page of [erin, fred]) await page.locator('#hand .card').nth(6).waitFor({ timeout: T });
      const hand = (page) => page.locator('#hand .card').evaluateAll((cs) => cs.map((c) => c.dataset.card));
      const [he, hf] = [await hand(erin), await hand(fred)];
      assert.equal(he.length, 7);
      assert.equal(hf.length, 7);
      assert.deepEqual(he.filter((c) => hf.includes(c)), []);
      await fred.locator('#board .counts li[data-seat="0"]', { hasText: 'seat 0: 7 cards' }).waitFor({ timeout: T });
    }
    // erin (seat 0) plays the first move her board offers; fred's board follows.
    const first = erin.locator('#board [data-move]').first();
    const mv = await first.getAttribute('data-move', { timeout: T });
    await first.click();
    await fred.locator('#board[data-ply="1"]').waitFor({ timeout: T });
    if (game === 'connect4') await fred.locator(`#board .cell[data-row="5"][data-col="${Number(mv) - 1}"][data-piece="0"]`).waitFor({ timeout: T });
    if (game === 'reversi') assert.equal(await fred.textContent('#discs').then((t) => t.trim().slice(0, 9)), '● black 4');
    if (game === 'crazyeights' && mv.startsWith('play')) await fred.locator(`#top-card[data-card="${mv.split(' ')[1]}"]`).waitFor({ timeout: T });
    await fred.locator(`#turn[data-nick="${mv === 'draw' ? 'erin' : 'fred'}"]`).waitFor({ timeout: T });
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('accounts: register from the login form, then log in with SASL; a wrong password is refused', { timeout: 90000 * SLOW }, async () => {
  const ctx = await browser.newContext();
  const page = await newPage(ctx, errors);
  const account = async (nick, password, button) => {
    await page.goto(`${srv.base}/`);
    await page.check('input[name="login-kind"][value="account"]');
    await page.fill('#nick', nick);
    await page.fill('#password', password);
    await page.click(button);
  };
  await account('gina', 'correct horse', '#register');
  await page.locator('.toast[data-code="REGISTER"]').waitFor({ timeout: T });
  await page.click('#logout');
  await page.locator('#login:not([hidden])').waitFor({ timeout: T });

  await account('gina', 'wrong horse', '#login-account');
  await page.locator('#login-error:not([hidden])').waitFor({ timeout: T });
  assert.match(await page.textContent('#login-error'), /Login failed/);

  await account('gina', 'correct horse', '#login-account');
  await page.locator('.toast[data-code="903"]').waitFor({ timeout: T });
  await page.locator('#app:not([hidden])').waitFor({ timeout: T });
  assert.equal(await page.textContent('#me'), 'gina');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('admin page: token login, figures, lobbies, broadcast, kick, profiler zones and flame graph', { timeout: 120000 * SLOW }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  const guest = await newPage(ctx, errors);
  await loginGuest(guest, srv.base, 'dave');
  await joinLobby(guest, '#lobby');

  const admin = await newPage(ctx, errors);
  await admin.goto(`${srv.base}/admin`);
  await admin.fill('#token', 'wrong-token');
  await admin.click('#token-login');
  await admin.locator('#token-error:not([hidden])').waitFor({ timeout: T });
  errors.length = 0; // the refused request logs a 401 in the console; that is the point

  await admin.fill('#token', ADMIN_TOKEN);
  await admin.click('#token-login');
  await admin.locator('#dash:not([hidden])').waitFor({ timeout: T });
  await admin.waitForFunction(() => Number(document.getElementById('fig-connections').textContent) >= 1, null, { timeout: T });
  await admin.locator('#lobbies tr[data-lobby="#lobby"]').waitFor({ timeout: T });
  await admin.locator('#workers tbody tr').first().waitFor({ timeout: T });
  // The token survives a reload (sessionStorage) but not the tab.
  await admin.reload();
  await admin.locator('#dash:not([hidden])').waitFor({ timeout: T });

  // Members of a lobby, from /api/lobby.
  await admin.click('#lobbies tr[data-lobby="#lobby"] button[data-action="members"]');
  await admin.locator('tr[data-members-of="#lobby"] span[data-nick="dave"]').waitFor({ timeout: T });

  await admin.fill('#broadcast-text', 'server restarts in 5 minutes');
  await admin.click('#broadcast-btn');
  await guest.locator('#chat-log li', { hasText: 'server restarts in 5 minutes' }).first().waitFor({ timeout: T });

  // Profiler: switch on, make traffic, see zones and a flame graph.
  await admin.click('#prof-toggle');
  await admin.locator('#prof-toggle[data-on="true"]').waitFor({ timeout: T });
  for (let i = 0; i < 20; i++) await say(guest, `traffic ${i}`);
  await admin.click('#prof-refresh');
  await admin.locator('#zones tbody tr').first().waitFor({ timeout: T });
  assert.ok(await admin.locator('#zones tbody tr').count() > 0);
  await admin.locator('#flame:not([hidden])').waitFor({ timeout: T });
  assert.ok(Number(await admin.getAttribute('#flame', 'data-frames')) > 0);
  // Let a few polls fill the charts before the screenshot.
  await admin.waitForTimeout(4500);
  if (SHOTS) await admin.screenshot({ path: path.join(SHOTS, 'admin.png'), fullPage: true });

  // Kick dave: his page loses the connection.
  await admin.fill('#kick-nick', 'dave');
  await admin.fill('#kick-reason', 'e2e');
  await admin.click('#kick-btn');
  await guest.locator('#status[data-state="closed"]').waitFor({ timeout: T });

  await admin.click('#prof-toggle');
  await admin.locator('#prof-toggle[data-on="false"]').waitFor({ timeout: T });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a game module inserted while the server runs: listed at once, played to the end in the generic view; the admin page lists and uploads modules', { timeout: 180000 * SLOW }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const hana = await newPage(ctx, errors);
  const ivan = await newPage(ctx, errors);
  await loginGuest(hana, srv.base, 'hana');
  await loginGuest(ivan, srv.base, 'ivan');
  await joinLobby(hana, '#games');
  await joinLobby(ivan, '#games');

  // The picker holds GAMES' listing (data-count is set once it answered): no module yet.
  await hana.locator('#new-game[data-count] option[value="crazyeights"]').waitFor({ state: 'attached', timeout: T });
  const luaOption = hana.locator('#new-game option[value="connect4_lua"]');
  assert.equal(await luaOption.count(), 0);

  // An operator inserts the row; the control plane loads it at its next poll.
  const source = path.join(ROOT, 'modules/connect4.lua');
  if (!insertModuleRow(srv.db, 'connect4_lua', 1, source)) {
    console.log('e2e: no sqlite3 CLI; the module goes in through PUT /api/modules instead');
    const res = await fetch(`${srv.base}/api/modules/connect4_lua`, { method: 'PUT', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: readFileSync(source, 'utf8') });
    assert.equal(res.status, 201, await res.text());
  }
  // ↻ asks GAMES again (so does opening the list, and the 5 s refresh).
  const inserted = Date.now();
  while (await luaOption.count() === 0) {
    assert.ok(Date.now() - inserted < T, 'connect4_lua never appeared in the game picker');
    await hana.click('#refresh-games');
    await hana.waitForTimeout(250);
  }
  console.log(`e2e: connect4_lua listed ${Date.now() - inserted} ms after the insert`);
  assert.equal(await luaOption.getAttribute('data-label'), 'connect4_lua@1');

  // hana opens a table of it; ivan sits down from the table list.
  await hana.selectOption('#new-game', 'connect4_lua');
  await hana.click('#new-table');
  const table = await hana.locator('#game[data-game^="connect4_lua"][data-table^="&"]').getAttribute('data-table', { timeout: T });
  await ivan.locator(`#tables li[data-table="${table}"][data-game="connect4_lua@1"] button[data-action="sit"]`).click({ timeout: T });
  for (const page of [hana, ivan]) {
    await page.locator(`#game[data-table="${table}"][data-phase="playing"]`).waitFor({ timeout: T });
    // The generic view: a 7 x 6 grid from the view's board rows.
    await page.locator('#board[data-game="connect4_lua"] [data-view="generic"] #board-grid[data-cols="7"]').waitFor({ timeout: T });
    assert.equal(await page.locator('#board-grid .cell').count(), 42);
    assert.match(await page.textContent('#game-title'), /connect4_lua@1/);
  }
  // hana (seat 0) moves first: her page offers a button per legal move, ivan's none.
  await hana.locator('#legal-moves button[data-move="7"]').waitFor({ timeout: T });
  assert.deepEqual(await hana.locator('#legal-moves button[data-move]').evaluateAll((bs) => bs.map((b) => b.dataset.move)), ['1', '2', '3', '4', '5', '6', '7']);
  await ivan.locator('#turn[data-nick="hana"]').waitFor({ timeout: T });
  assert.equal(await ivan.locator('#board [data-move]').count(), 0);

  // hana drops four in column 1, ivan three in column 2: hana wins by a line.
  const moves = [[hana, '1'], [ivan, '2'], [hana, '1'], [ivan, '2'], [hana, '1'], [ivan, '2'], [hana, '1']];
  for (const [ply, [page, mv]] of moves.entries()) {
    // The page must be on this ply: a button of the ply before would be out of turn.
    await page.locator(`#board[data-ply="${ply}"] #legal-moves button[data-move="${mv}"]`).click({ timeout: T });
  }
  for (const page of [hana, ivan]) {
    await page.locator('#result:not([hidden])').waitFor({ timeout: T });
    assert.equal(await page.getAttribute('#result', 'data-winner'), 'hana');
    assert.equal(await page.getAttribute('#result', 'data-reason'), 'line');
    await page.locator('#game[data-phase="over"]').waitFor({ timeout: T });
    // The board rows come top first: hana's fourth disc is in row 2, ivan's third in row 3.
    await page.locator('#board[data-ply="7"] .cell[data-row="2"][data-col="0"][data-piece="0"].p0').waitFor({ timeout: T });
    await page.locator('#board .cell[data-row="3"][data-col="1"][data-piece="1"].p1').waitFor({ timeout: T });
    assert.equal(await page.locator('#board [data-move]').count(), 0);
  }
  assert.match(await hana.textContent('#result'), /You win/);
  assert.match(await ivan.textContent('#result'), /hana wins/);
  await hana.locator(`#tables li[data-table="${table}"][data-phase="over"]`).waitFor({ timeout: T });

  // The admin page: the module with its table, then uploads.
  const admin = await newPage(ctx, errors);
  await admin.goto(`${srv.base}/admin`);
  await admin.fill('#token', ADMIN_TOKEN);
  await admin.click('#token-login');
  await admin.locator('#dash:not([hidden])').waitFor({ timeout: T });
  const v1 = admin.locator('#modules tr[data-module="connect4_lua"][data-version="1"]');
  await admin.locator('#modules tr[data-module="connect4_lua"][data-version="1"][data-state="serving"][data-tables="1"]').waitFor({ timeout: T });
  assert.equal(await v1.locator('td[data-col="tables"]').textContent(), '1');
  assert.equal(await v1.locator('td[data-col="serving"]').textContent(), 'yes');
  assert.equal(await v1.locator('td[data-col="error"]').textContent(), '');

  // A source that does not compile is refused (422) with the Lua error.
  await admin.fill('#module-name', 'broken_lua');
  await admin.fill('#module-source', 'local game = {name = "broken_lua", seats = 2\nreturn game\n');
  await admin.click('#module-upload');
  await admin.locator('#module-result[data-state="error"]').waitFor({ timeout: T });
  const refusal = await admin.textContent('#module-result');
  assert.match(refusal, /^Refused \(the source did not load\): .+/);
  assert.match(refusal, /expected|near|unexpected/i, refusal);
  // Nothing was inserted for it.
  await admin.waitForTimeout(2500 * SLOW);
  assert.equal(await admin.locator('#modules tr[data-module="broken_lua"]').count(), 0);
  // The refused request is logged in the console; that is the point.
  errors.splice(0, errors.length, ...errors.filter((e) => !/status of 422/.test(e)));

  // A good upload is the next version; the server serves it, and the picker follows.
  await admin.fill('#module-name', 'connect4_lua');
  await admin.fill('#module-source', readFileSync(source, 'utf8'));
  await admin.click('#module-upload');
  await admin.locator('#module-result[data-state="ok"]', { hasText: 'connect4_lua version 2' }).waitFor({ timeout: T });
  await admin.locator('#modules tr[data-module="connect4_lua"][data-version="2"][data-state="serving"]').waitFor({ timeout: T });
  await admin.locator('#modules tr[data-module="connect4_lua"][data-version="1"][data-state="loaded"][data-tables="1"]').waitFor({ timeout: T });
  const upgraded = Date.now();
  while (await hana.locator('#new-game option[data-label="connect4_lua@2"]').count() === 0) {
    assert.ok(Date.now() - upgraded < T, 'connect4_lua@2 never appeared in the game picker');
    await hana.click('#refresh-games');
    await hana.waitForTimeout(250);
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});
