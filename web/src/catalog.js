// What games and game modules the server has: the GAMES listing of the play
// client's table picker (docs/protocol.md) and the helpers of the admin
// page's Modules section (docs/modules.md). Pure, so web/test checks them.

/**
 * One `:srv GAMES ENTRY <label> <min>-<max> <default> <aliases|*> :<opts>`
 * line's params (after the command) as a game, or null when it is not one.
 * `label` is `name@version` for a game module, the plain name for a
 * compiled-in game; `name` is what TABLE NEW takes.
 */
export function parseGamesEntry(params) {
  if (!Array.isArray(params) || (params[0] || '').toUpperCase() !== 'ENTRY' || !params[1]) return null;
  const label = params[1];
  const at = label.lastIndexOf('@');
  const version = at > 0 && /^\d+$/.test(label.slice(at + 1)) ? Number(label.slice(at + 1)) : null;
  const name = version === null ? label : label.slice(0, at);
  const range = /^(\d+)-(\d+)$/.exec(params[2] || '');
  const min = range ? Number(range[1]) : null;
  const max = range ? Number(range[2]) : null;
  const def = /^\d+$/.test(params[3] || '') ? Number(params[3]) : min;
  const aliases = !params[4] || params[4] === '*' ? [] : params[4].split(',').filter(Boolean);
  const options = [];
  for (const word of (params[5] || '').split(/\s+/)) {
    const m = /^([A-Za-z0-9_]+)=(-?\d+)\.\.(-?\d+)$/.exec(word);
    if (m) options.push({ key: m[1], min: Number(m[2]), max: Number(m[3]) });
  }
  return { label, name, version, module: version !== null, min, max, default: def, aliases, options };
}

/**
 * Collects one GAMES answer: feed every GAMES line's params; `done` turns
 * true at END, and `games` then holds the listing in the server's order.
 */
export class GamesListing {
  constructor() { this.games = []; this.done = false; this.count = null; }

  add(params) {
    const sub = (params[0] || '').toUpperCase();
    if (sub === 'ENTRY') {
      const g = parseGamesEntry(params);
      if (g) this.games.push(g);
    } else if (sub === 'END') {
      this.done = true;
      const n = /^(\d+)/.exec(params[params.length - 1] || '');
      this.count = n ? Number(n[1]) : this.games.length;
    }
    return this.done;
  }
}

/** A key that changes when the listing does (so a picker is rebuilt only then). */
export function listingKey(games) {
  return games.map((g) => `${g.label}|${g.min}-${g.max}|${g.default}|${g.options.map((o) => `${o.key}=${o.min}..${o.max}`).join(',')}`).join(';');
}

/**
 * The TABLE NEW line for `game` (a parsed entry or a bare name): `seats`
 * only where the game lets the number vary, and the options given (an
 * empty or out-of-range value is left out: the server's default applies).
 */
export function tableNewLine(lobby, game, { seats, options = {} } = {}) {
  const g = typeof game === 'string' ? { name: game, min: null, max: null, options: [] } : game;
  const words = ['TABLE', 'NEW', lobby, g.name];
  const n = Number(seats);
  if (seats !== undefined && seats !== '' && Number.isInteger(n) && g.min !== null && g.max !== null && g.min < g.max && n >= g.min && n <= g.max) words.push(`seats=${n}`);
  for (const o of g.options || []) {
    const v = options[o.key];
    if (v === undefined || v === null || v === '') continue;
    const x = Number(v);
    if (Number.isInteger(x) && x >= o.min && x <= o.max) words.push(`${o.key}=${x}`);
  }
  return words.join(' ');
}

// ---- admin: game modules -------------------------------------------------------

/** What the server takes as a module name (core/game_catalog.cpp): 1-32 of a-z 0-9 _, from a letter. */
export function validModuleName(name) {
  return /^[a-z][a-z0-9_]{0,31}$/.test(name || '');
}

/** The `name = "..."` a module's source gives itself, to fill the upload form; or ''. */
export function moduleNameFromSource(source) {
  const m = /\bname\s*=\s*["']([a-z][a-z0-9_]{0,31})["']/.exec(source || '');
  return m ? m[1] : '';
}

/**
 * /api/status "modules" ([{name, version, active, serving, error, tables}])
 * as table rows: by name, newest version first, with a state word
 * (serving: new tables get it; loaded: older or inactive but tables may
 * run it; refused: its source did not load; inactive).
 */
export function moduleRows(modules) {
  const rows = (Array.isArray(modules) ? modules : []).map((m) => ({
    name: String(m.name ?? ''),
    version: Number(m.version ?? 0),
    active: !!m.active,
    serving: !!m.serving,
    tables: Number(m.tables ?? 0),
    error: m.error ? String(m.error) : '',
  }));
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : b.version - a.version));
  for (const r of rows) r.state = r.error ? 'refused' : r.serving ? 'serving' : r.active ? 'loaded' : 'inactive';
  return rows;
}
