// End-to-end: a real lobbyd, real WebSocket and HTTP, the real pages in
// headless chromium. Two guests meet in a lobby, chat and play a whole game
// of tic-tac-toe while a third watches; the admin page logs in with the
// token, broadcasts, kicks, and switches the profiler on to show zones and a
// flame graph; an account is registered and logged in with SASL. With LOBBYD_E2E_SCREENSHOTS=<dir> it saves play.png and
// admin.png there (docs/img holds the committed ones).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startLobbyd, launchBrowser, newPage, ADMIN_TOKEN, SLOW } from './harness.mjs';
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
