// The admin page served at "/admin": polls /api/status and /metrics with the
// operator's bearer token (kept in sessionStorage: gone when the tab closes),
// draws the figures and the game modules, and drives kick, broadcast, module
// uploads and the profiler.
import uPlot from 'uplot';
import { parseMetrics, sum, histograms, buckets, bucketDelta, quantile } from './prom.js';
import { drawFlame, formatNs } from './flame.js';
import { makeElement } from './dom.js';
import { moduleRows, moduleNameFromSource, validModuleName } from './catalog.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'lobbyd.adminToken';
const POLL_MS = 2000;
const KEEP = 150; // points per chart: five minutes at one poll per 2 s

const S = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  timer: null,
  prev: null, // {t, samples} of the previous poll, for rates
  prevBuckets: new Map(),
  series: { t: [], conn: [], reg: [], msgIn: [], msgOut: [], busy: [], p99: [] },
  charts: {},
  histNames: [],
  workers: 0,
  expanded: new Set(), // lobbies whose members are shown
  profilerOn: false,
  polls: 0,
};

const el = (tag, attrs, text) => makeElement(document, tag, attrs, text);

class HttpError extends Error {
  constructor(status, text) { super(`${status}: ${text}`); this.status = status; this.detail = text; }
}

// `body`: sent as JSON; `text`: sent as it is (a module's Lua source).
async function api(path, { method = 'GET', body, text, as = 'json' } = {}) {
  const type = text !== undefined ? 'text/plain; charset=utf-8' : body ? 'application/json' : null;
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${S.token}`, ...(type ? { 'Content-Type': type } : {}) },
    body: text !== undefined ? text : body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  if (!res.ok) {
    let msg = await res.text();
    try { msg = JSON.parse(msg).error || msg; } catch { /* plain text */ }
    throw new HttpError(res.status, msg);
  }
  if (as === 'json') return res.json();
  if (as === 'blob') return res.blob();
  return res.text();
}

function flash(text, bad = false) {
  const t = el('div', { class: 'toast', 'data-code': bad ? 'ERROR' : 'NOTICE', role: 'alert' }, text);
  $('toasts').append(t);
  setTimeout(() => t.remove(), 5000);
}

// ---- login -------------------------------------------------------------------

async function login(token) {
  S.token = token;
  try {
    await api('/api/status');
  } catch (e) {
    S.token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    $('token-error').textContent = e.status === 401 || e.status === 403 ? 'That token was refused.' : `The server did not answer: ${e.message}`;
    $('token-error').hidden = false;
    showLogin(true);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token-error').hidden = true;
  showLogin(false);
  poll();
  S.timer = setInterval(poll, POLL_MS);
}

function showLogin(on) {
  $('token-form').hidden = !on;
  $('dash').hidden = on;
  $('logout').hidden = on;
  if (on && S.timer) { clearInterval(S.timer); S.timer = null; }
}

// ---- polling -----------------------------------------------------------------

async function poll() {
  let status;
  let metricsText;
  try {
    [status, metricsText] = await Promise.all([api('/api/status'), api('/metrics', { as: 'text' })]);
  } catch (e) {
    $('status').textContent = `poll failed: ${e.message}`;
    $('status').dataset.state = 'closed';
    if (e.status === 401) showLogin(true);
    return;
  }
  $('status').textContent = `${status.server || 'lobbyd'} ${status.version || ''} · updated ${new Date().toLocaleTimeString()}`;
  $('status').dataset.state = 'connected';
  S.polls += 1;
  let samples = [];
  try { samples = parseMetrics(metricsText); } catch (e) { flash(`/metrics: ${e.message}`, true); }
  renderFigures(status, samples);
  renderWorkers(status);
  renderLobbies(status);
  renderTables(status);
  renderModules(status);
  renderProfilerSwitch(status);
  if (S.profilerOn && S.polls % 2 === 0) refreshProfile();
}

// Counters differ a little between versions; match them by pattern.
function counter(samples, re) {
  let s = null;
  for (const x of samples) if (re.test(x.name)) s = (s || 0) + x.value;
  return s;
}

function renderFigures(status, samples) {
  const now = Date.now() / 1000;
  const msgIn = counter(samples, /^lobbyd_messages_(in|received)_total$/);
  const msgOut = counter(samples, /^lobbyd_(messages_out|messages_sent|deliveries)_total$/);
  let rateIn = null;
  let rateOut = null;
  if (S.prev && now > S.prev.t) {
    const dt = now - S.prev.t;
    if (msgIn !== null && S.prev.msgIn !== null) rateIn = Math.max(0, (msgIn - S.prev.msgIn) / dt);
    if (msgOut !== null && S.prev.msgOut !== null) rateOut = Math.max(0, (msgOut - S.prev.msgOut) / dt);
  }
  S.prev = { t: now, msgIn, msgOut };

  const workers = status.workers || [];
  const busy = workers.length ? workers.reduce((a, w) => a + (w.busy_ratio || 0), 0) / workers.length : null;

  // p99 of each histogram over the last poll window (falls back to all time).
  if (!S.histNames.length) S.histNames = histograms(samples).sort();
  const p99s = S.histNames.map((name) => {
    const now_b = buckets(samples, name);
    const delta = bucketDelta(now_b, S.prevBuckets.get(name));
    S.prevBuckets.set(name, now_b);
    const q = quantile(0.99, delta);
    return q === null ? quantile(0.99, now_b) : q;
  });

  const fig = (id, v) => { $(id).textContent = v; };
  fig('fig-connections', status.connections ?? '–');
  fig('fig-registered', status.registered ?? '–');
  fig('fig-uptime', fmtUptime(status.uptime_s));
  fig('fig-msgs', rateIn === null ? '–' : rateIn.toFixed(1));
  fig('fig-busy', busy === null ? '–' : `${(busy * 100).toFixed(1)} %`);
  fig('fig-p99', p99s.length && p99s[0] !== null ? fmtSeconds(p99s[0]) : '–');
  $('fig-p99-name').textContent = S.histNames.length ? `p99 ${S.histNames[0].replace(/^lobbyd_/, '').replace(/_seconds$/, '')}` : 'p99 (no histograms)';
  fig('fig-tables', (status.tables || []).length);

  const s = S.series;
  s.t.push(now);
  s.conn.push(status.connections ?? null);
  s.reg.push(status.registered ?? null);
  s.msgIn.push(rateIn);
  s.msgOut.push(rateOut);
  s.busy.push(workers.map((w) => (w.busy_ratio ?? 0) * 100));
  s.p99.push(p99s.map((q) => (q === null ? null : q * 1000)));
  for (const k of Object.keys(s)) if (s[k].length > KEEP) s[k].shift();
  S.workers = Math.max(S.workers, workers.length);
  drawCharts();
}

function fmtUptime(sec) {
  if (sec == null) return '–';
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(sec % 60)}s`;
}

function fmtSeconds(s) {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}

const PALETTE = ['#2f6fde', '#d64545', '#1f9d55', '#d98c00', '#8a3ffc', '#0f8b8d', '#b5179e', '#6b7280'];

function chart(id, title, seriesDefs, data) {
  const box = $(id);
  const width = Math.max(240, box.clientWidth - 26); // inside the card's padding
  if (!S.charts[id] || S.charts[id].key !== `${title}|${seriesDefs.join('|')}`) {
    if (S.charts[id]) S.charts[id].plot.destroy();
    const opts = {
      title, width, height: 180,
      series: [{}, ...seriesDefs.map((d, i) => ({ label: d, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true }))],
      // Clock times only: uPlot's default date+time labels overlap at this width.
      axes: [{ values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toTimeString().slice(0, 8)) }, { size: 50 }],
      scales: { x: { time: true } },
      legend: { live: false },
    };
    S.charts[id] = { plot: new uPlot(opts, data, box), key: `${title}|${seriesDefs.join('|')}` };
  } else {
    S.charts[id].plot.setData(data);
    if (Math.abs(S.charts[id].plot.width - width) > 8) S.charts[id].plot.setSize({ width, height: 180 });
  }
}

function drawCharts() {
  const s = S.series;
  chart('chart-conn', 'Connections', ['connections', 'registered'], [s.t, s.conn, s.reg]);
  chart('chart-msgs', 'Messages / s', ['in', 'out'], [s.t, s.msgIn, s.msgOut]);
  const w = S.workers || 1;
  chart('chart-busy', 'Loop busy %', Array.from({ length: w }, (_, i) => `worker ${i}`),
    [s.t, ...Array.from({ length: w }, (_, i) => s.busy.map((row) => row[i] ?? null))]);
  // p99 needs histograms; while /metrics has none, the chart and figure stay hidden.
  const hasHist = S.histNames.length > 0;
  $('chart-p99').hidden = !hasHist;
  $('fig-p99').parentElement.hidden = !hasHist;
  if (!hasHist) return;
  const hn = S.histNames;
  chart('chart-p99', 'p99 (ms)', hn.map((n) => n.replace(/^lobbyd_/, '')),
    [s.t, ...hn.map((_, i) => s.p99.map((row) => row[i] ?? null))]);
}

function renderWorkers(status) {
  const tb = $('workers').querySelector('tbody');
  tb.replaceChildren();
  for (const w of status.workers || []) {
    const tr = el('tr', { 'data-worker': w.index });
    tr.append(el('td', {}, String(w.index)), el('td', { class: 'num' }, String(w.connections ?? '')),
      el('td', { class: 'num' }, w.busy_ratio == null ? '' : `${(w.busy_ratio * 100).toFixed(1)} %`));
    tb.append(tr);
  }
}

function renderLobbies(status) {
  const tb = $('lobbies').querySelector('tbody');
  tb.replaceChildren();
  for (const l of status.lobbies || []) {
    const tr = el('tr', { 'data-lobby': l.name });
    const btn = el('button', { class: 'small', 'data-action': 'members' }, S.expanded.has(l.name) ? 'hide' : 'members');
    btn.addEventListener('click', () => {
      if (S.expanded.has(l.name)) S.expanded.delete(l.name); else S.expanded.add(l.name);
      renderLobbies(status);
    });
    // An empty list means every game (docs/operations.md, lobbies.games).
    const games = (Array.isArray(l.games) ? l.games.join(', ') : l.games) || 'all';
    tr.append(el('td', {}, l.name), el('td', { class: 'num' }, String(l.members ?? '')), el('td', {}, games), el('td', {}, l.topic || ''), el('td', {}, ''));
    tr.lastChild.append(btn);
    tb.append(tr);
    if (S.expanded.has(l.name)) {
      const sub = el('tr', { class: 'sub', 'data-members-of': l.name });
      const td = el('td', { colspan: 5 }, 'loading…');
      sub.append(td);
      tb.append(sub);
      api(`/api/lobby?name=${encodeURIComponent(l.name)}`).then((info) => {
        td.textContent = '';
        const chips = el('div', { class: 'memberchips' });
        for (const nick of info.members || []) {
          const chip = el('span', { 'data-nick': nick }, nick);
          const k = el('button', { title: `kick ${nick}`, 'data-kick': nick }, '×');
          k.addEventListener('click', () => kick(nick, 'kicked by an operator'));
          chip.append(k);
          chips.append(chip);
        }
        if (!(info.members || []).length) chips.append(el('em', {}, 'empty'));
        td.append(chips);
      }).catch((e) => { td.textContent = e.message; });
    }
  }
}

function renderTables(status) {
  const tb = $('tables').querySelector('tbody');
  tb.replaceChildren();
  for (const t of status.tables || []) {
    const tr = el('tr', { 'data-table': t.id });
    tr.append(el('td', {}, t.id), el('td', {}, t.game), el('td', {}, t.lobby), el('td', { class: 'num' }, `${t.seated}/${t.seats}`), el('td', {}, t.phase));
    tb.append(tr);
  }
  if (!(status.tables || []).length) {
    const tr = el('tr');
    tr.append(el('td', { colspan: 5, class: 'muted' }, 'no tables'));
    tb.append(tr);
  }
}

function renderModules(status) {
  const tb = $('modules').querySelector('tbody');
  tb.replaceChildren();
  const rows = moduleRows(status.modules);
  const yes = (b) => (b ? 'yes' : 'no');
  for (const m of rows) {
    const tr = el('tr', { 'data-module': m.name, 'data-version': m.version, 'data-state': m.state, 'data-tables': m.tables });
    const state = el('td', {});
    state.append(el('span', { class: 'modstate', 'data-state': m.state }, m.state));
    tr.append(el('td', {}, m.name), el('td', { class: 'num' }, String(m.version)), state,
      el('td', { 'data-col': 'active' }, yes(m.active)), el('td', { 'data-col': 'serving' }, yes(m.serving)),
      el('td', { class: 'num', 'data-col': 'tables' }, String(m.tables)),
      el('td', { class: 'error', 'data-col': 'error' }, m.error));
    tb.append(tr);
  }
  if (!rows.length) {
    const tr = el('tr');
    tr.append(el('td', { colspan: 7, class: 'muted' }, Array.isArray(status.modules) ? 'no game modules' : 'this server reports no game modules'));
    tb.append(tr);
  }
}

// ---- actions -----------------------------------------------------------------

function moduleResult(text, state) {
  const r = $('module-result');
  r.textContent = text;
  r.dataset.state = state;
  r.hidden = !text;
}

// PUT /api/modules/<name>: the server compiles and self-checks the source
// first (422 with the Lua error if it does not load), then inserts it as the
// next version; its control plane serves it from the next database poll.
async function uploadModule(name, source) {
  if (!validModuleName(name)) return moduleResult(`'${name}' is no module name: 1 to 32 of a-z, 0-9 and _, starting with a letter.`, 'error');
  if (!source.trim()) return moduleResult('The source is empty.', 'error');
  moduleResult(`Uploading ${name}…`, 'busy');
  $('module-upload').disabled = true;
  try {
    const res = await api(`/api/modules/${encodeURIComponent(name)}`, { method: 'PUT', text: source });
    moduleResult(`${res.name} version ${res.version} inserted; the server serves it within a second.`, 'ok');
    setTimeout(poll, 1200);
  } catch (e) {
    const what = { 400: 'bad name', 401: 'token refused', 413: 'too large', 422: 'the source did not load', 503: 'no database' }[e.status] || `HTTP ${e.status || '?'}`;
    moduleResult(`Refused (${what}): ${e.detail ?? e.message}`, 'error');
  } finally {
    $('module-upload').disabled = false;
  }
}

async function kick(nick, reason) {
  try {
    await api('/api/kick', { method: 'POST', body: { nick, reason } });
    flash(`${nick} kicked`);
  } catch (e) { flash(`kick ${nick}: ${e.message}`, true); }
}

async function broadcast(text) {
  try {
    await api('/api/broadcast', { method: 'POST', body: { text } });
    flash('broadcast sent');
    $('broadcast-text').value = '';
  } catch (e) { flash(`broadcast: ${e.message}`, true); }
}

function renderProfilerSwitch(status) {
  S.profilerOn = !!(status.profiler && status.profiler.enabled);
  const b = $('prof-toggle');
  b.dataset.on = String(S.profilerOn);
  $('prof-switch').dataset.on = String(S.profilerOn);
  $('prof-state').textContent = S.profilerOn ? 'on' : 'off';
  b.textContent = S.profilerOn ? 'Switch off' : 'Switch on';
}

async function profiler(action) {
  try {
    await api(`/api/profile/${action}`, { method: 'POST' });
    if (action === 'start') S.profilerOn = true;
    if (action === 'stop') S.profilerOn = false;
    renderProfilerSwitch({ profiler: { enabled: S.profilerOn } });
    await refreshProfile();
  } catch (e) { flash(`profiler ${action}: ${e.message}`, true); }
}

async function refreshProfile() {
  try {
    const [report, folded] = await Promise.all([api('/api/profile/report'), api('/api/profile/folded', { as: 'text' })]);
    renderZones(report);
    const tip = $('flame-tip');
    if (folded.trim()) {
      $('flame-empty').hidden = true;
      $('flame').hidden = false;
      drawFlame($('flame'), tip, folded);
    } else {
      $('flame').hidden = true;
      $('flame-empty').hidden = false;
    }
  } catch (e) { flash(`profile: ${e.message}`, true); }
}

function renderZones(report) {
  const zones = [...(report.zones || [])].sort((a, b) => b.total_ns - a.total_ns).slice(0, 25);
  const tb = $('zones').querySelector('tbody');
  tb.replaceChildren();
  const busy = report.busy_ns || 0;
  for (const z of zones) {
    const tr = el('tr', { 'data-zone': z.name });
    tr.append(
      el('td', {}, z.name),
      el('td', { class: 'num' }, String(z.calls)),
      el('td', { class: 'num' }, formatNs(z.total_ns)),
      el('td', { class: 'num' }, formatNs(z.self_ns)),
      el('td', { class: 'num' }, formatNs(z.mean_ns)),
      el('td', { class: 'num' }, z.p99_ns == null ? '' : formatNs(z.p99_ns)),
      el('td', { class: 'num' }, busy ? `${((z.total_ns / busy) * 100).toFixed(1)} %` : '–'),
    );
    tb.append(tr);
  }
  $('zones-note').textContent = zones.length
    ? `${report.zones.length} zones over ${formatNs(report.profiled_ns || 0)} profiled`
    : 'No zones recorded yet: switch the profiler on and give the server some traffic.';
}

async function downloadTrace() {
  try {
    const blob = await api('/api/profile/trace', { as: 'blob' });
    const a = el('a', { href: URL.createObjectURL(blob), download: 'lobbyd-trace.json' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch (e) { flash(`trace: ${e.message}`, true); }
}

// ---- wiring ------------------------------------------------------------------

function init() {
  $('token-form').addEventListener('submit', (ev) => { ev.preventDefault(); login($('token').value.trim()); });
  $('logout').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); S.token = ''; showLogin(true); });
  $('kick-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nick = $('kick-nick').value.trim();
    if (nick) kick(nick, $('kick-reason').value.trim() || 'kicked by an operator');
  });
  $('broadcast-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('broadcast-text').value.trim();
    if (text) broadcast(text);
  });
  $('module-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    uploadModule($('module-name').value.trim(), $('module-source').value);
  });
  $('module-file').addEventListener('change', async () => {
    const file = $('module-file').files[0];
    if (!file) return;
    const text = await file.text();
    $('module-source').value = text;
    if (!$('module-name').value.trim()) $('module-name').value = moduleNameFromSource(text);
  });
  $('prof-toggle').addEventListener('click', () => profiler(S.profilerOn ? 'stop' : 'start'));
  $('prof-reset').addEventListener('click', () => profiler('reset'));
  $('prof-refresh').addEventListener('click', refreshProfile);
  $('prof-trace').addEventListener('click', downloadTrace);
  window.addEventListener('resize', () => drawCharts());
  if (S.token) login(S.token); else showLogin(true);
}

init();
