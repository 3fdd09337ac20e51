// Browser steps of the e2e tests, one function per user story, shared by
// the tests and the screenshot run. `page` is a Playwright page.
import assert from 'node:assert/strict';

export const T = 15000; // per-step wait: generous, the sanitizer build is slow

export async function loginGuest(page, base, nick) {
  await page.goto(`${base}/`);
  await page.fill('#nick', nick);
  await page.click('#login-guest');
  await page.waitForSelector('#app:not([hidden])', { timeout: T });
  await page.waitForFunction((n) => document.getElementById('me').textContent === n, nick, { timeout: T });
}

export async function joinLobby(page, lobby) {
  const btn = page.locator(`#lobbies li[data-lobby="${lobby}"] button`);
  await btn.waitFor({ timeout: T });
  await btn.click();
  await page.locator(`#tabs button[data-channel="${lobby}"].active`).waitFor({ timeout: T });
}

export async function say(page, text) {
  await page.fill('#chat-input', text);
  await page.click('#chat-send');
}

export async function seesMessage(page, from, text) {
  await page.locator('#chat-log li[data-kind="msg"]', { hasText: text }).filter({ has: page.locator('b', { hasText: from }) }).first().waitFor({ timeout: T });
}

/** Clicks a board cell by move text once it is this page's turn. */
export async function move(page, mv) {
  const cell = page.locator(`#board [data-move="${mv}"]`);
  await cell.waitFor({ timeout: T });
  await cell.click();
}
