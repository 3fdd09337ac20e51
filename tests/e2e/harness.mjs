// Starts a real lobbyd (HTTP on a free loopback port, a temporary SQLite
// database, an admin token) and a headless Debian chromium driven by
// playwright-core (no browser download: executablePath).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.LOBBYD_CHROMIUM || '/usr/bin/chromium';
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
// Sanitizer builds run several times slower: scale every wait.
export const SLOW = process.env.LOBBYD_SANITIZED ? 4 : 1;

const require = createRequire(path.join(ROOT, 'web/package.json'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startLobbyd() {
  const bin = process.env.LOBBYD_BIN || path.join(ROOT, 'build/bin/lobbyd');
  if (!existsSync(bin)) throw new Error(`lobbyd not found at ${bin} (set LOBBYD_BIN)`);
  if (!existsSync(path.join(ROOT, 'web/dist/index.html'))) throw new Error('web/dist is missing: run tools/build-web.sh');
  const dir = mkdtempSync(path.join(tmpdir(), 'lobbyd-e2e-'));
  const conf = path.join(dir, 'lobbyd.toml');
  writeFileSync(conf, [
    `http_admin_token = "${ADMIN_TOKEN}"`,
    `http_root = "${path.join(ROOT, 'web/dist')}"`,
    // Small, so that the game views come in GAME MORE parts (protocol.md,
    // "Long lines") and every game below tests how the page joins them.
    'max_line_bytes = 160',
    '[[lobby]]', 'name = "#games"', 'topic = "Play here"',
    '[[lobby]]', 'name = "#lobby"', 'topic = "Welcome to lobbyd"', '',
  ].join('\n'));
  const portFile = path.join(dir, 'ports');
  const db = path.join(dir, 'e2e.db');
  const args = ['-c', conf, '-l', '127.0.0.1:0', '--http', '127.0.0.1:0', '--port-file', portFile,
    '--db', `sqlite:${db}`, '-t', '2', '--log-level', 'warn'];
  const proc = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = `exit ${code ?? sig}`; });
  const deadline = Date.now() + 20000 * SLOW;
  let http = null;
  while (!http) {
    if (exited) throw new Error(`lobbyd stopped at start-up (${exited}); args: ${args.join(' ')}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('lobbyd wrote no HTTP port in time'); }
    if (existsSync(portFile)) http = httpAddress(readFileSync(portFile, 'utf8'));
    if (!http) await sleep(50);
  }
  return {
    base: `http://${http}`,
    dir,
    db, // the SQLite file: tests may write rows (game_modules) while the server runs
    proc,
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(50);
        if (!exited) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Inserts an active game_modules row (docs/modules.md) into the running
 * server's database with the sqlite3 CLI, as an operator would; the server's
 * control plane picks it up at its next poll. Returns false when there is no
 * sqlite3 CLI (LOBBYD_SQLITE3 points elsewhere).
 */
export function insertModuleRow(db, name, version, file) {
  const cli = process.env.LOBBYD_SQLITE3 || 'sqlite3';
  const q = (v) => `'${String(v).replace(/'/g, "''")}'`;
  const sql = `INSERT INTO game_modules (name, version, source, active) VALUES (${q(name)}, ${Number(version)}, readfile(${q(file)}), 1)`;
  // .timeout: the server may hold the write lock for a moment.
  const r = spawnSync(cli, ['-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return false;
  if (r.status !== 0) throw new Error(`${cli}: ${r.stderr || r.error || `exit ${r.status}`}`);
  return true;
}

/** The HTTP listener's HOST:PORT from lobbyd's --port-file. */
export function httpAddress(text) {
  for (const line of text.split('\n')) {
    const m = /^http\s+(\S+:\d+)$/.exec(line.trim());
    if (m) return m[1];
  }
  return null;
}

export async function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // root in CI: chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A page that fails the test on any script error in the page. */
export async function newPage(context, errors) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return page;
}
