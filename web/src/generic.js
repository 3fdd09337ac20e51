// The generic view: how the play client draws a game it has no board of its
// own for (a game module, docs/modules.md). It knows only the view's shape:
//   - the fields the server adds to every view (game, seats, you, to_move,
//     ply, last, result) go to the panel's players, turn and result lines;
//   - `board`, a list of rows, is drawn as a grid (see boardModel);
//   - `legal`, a list of move texts, becomes one button per move while it is
//     this client's turn; a text box takes any other move;
//   - every other field is listed as `key: value` (objects and lists as
//     compact JSON).
// genericModel and boardModel are pure (web/test checks them); renderGeneric
// draws a model into a box.

import { makeElement } from './dom.js';

/** The fields lobbyd adds to every view (docs/modules.md, "The contract"). */
export const COMMON_FIELDS = ['game', 'seats', 'you', 'to_move', 'ply', 'last', 'result'];

/** At most this many move buttons; the text box takes the rest. */
export const MAX_MOVE_BUTTONS = 120;

const EMPTY = new Set(['', '.', '-', '_', '·']);

function cell(text, seats) {
  const t = text === null || text === undefined ? '' : String(text);
  const empty = EMPTY.has(t.trim());
  // A cell that is a seat number (0 .. seats-1) is that seat's piece.
  const seat = /^\d{1,2}$/.test(t) && Number(t) < (seats || 0) ? Number(t) : null;
  return { text: empty ? '' : t, piece: t, empty, seat };
}

/**
 * How a view's `board` is drawn:
 * - a list of strings without spaces: a grid, one cell per character
 *   (`"..01..."`);
 * - a list of strings with spaces in which every row has the same number of
 *   words: a grid, one cell per word (`"10 . K"`, for pieces longer than one
 *   character);
 * - a list of lists of scalars: a grid, one cell per item;
 * - other lists of strings (rows of prose): text lines.
 * Empty cells are `.`, `-`, `_`, `·`, empty or null; a cell that is a seat
 * number (below `seats`) is marked as that seat's. Returns
 * {kind: 'grid', rows, cols} or {kind: 'lines', lines}, or null when
 * `board` is not a list of rows (it is then shown as a field).
 */
export function boardModel(board, seats = 0) {
  if (!Array.isArray(board) || board.length === 0 || board.length > 200) return null;
  let rows;
  if (board.every((r) => typeof r === 'string')) {
    if (!board.some((r) => /\s/.test(r.trim()))) {
      rows = board.map((r) => Array.from(r.trim()));
    } else {
      const words = board.map((r) => r.trim().split(/\s+/));
      if (words.every((w) => w.length === words[0].length) && words[0].length > 1) rows = words;
      else return { kind: 'lines', lines: board.slice() };
    }
  } else if (board.every((r) => Array.isArray(r) && r.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x)))) {
    rows = board;
  } else {
    return null;
  }
  const cols = Math.max(0, ...rows.map((r) => r.length));
  if (cols === 0 || cols > 64) return cols === 0 ? null : { kind: 'lines', lines: board.map((r) => (Array.isArray(r) ? r.join(' ') : r)) };
  return { kind: 'grid', rows: rows.map((r) => r.map((x) => cell(x, seats))), cols };
}

/**
 * JSON laid out compactly: on one line while it fits in `width` characters,
 * else one item per line, indented by two spaces per level.
 */
export function compactJson(value, width = 60, indent = '') {
  const flat = oneLine(value);
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= width) return flat;
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((x) => inner + compactJson(x, width, inner))
    : Object.entries(value).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, width, inner)}`);
  if (!entries.length) return flat;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${entries.join(',\n')}\n${indent}${close}`;
}

function oneLine(value) {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  return `{${Object.entries(value).map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(', ')}}`;
}

/** A field's value as text: strings as they are, the rest as compact JSON. */
export function fieldText(value) {
  return typeof value === 'string' ? value : compactJson(value);
}

/**
 * What the generic view shows of `view` (a GAME STATE JSON):
 * {myTurn, over, board, legal (move texts offered as buttons: only on this
 * client's turn), moreLegal (how many were not made buttons), canType
 * (offer the text box), fields [{key, text, multiline}], meta (ply and
 * last move, one line)}.
 */
export function genericModel(view) {
  const v = view && typeof view === 'object' ? view : {};
  const over = !!(v.result && v.result.over);
  const mine = v.you !== null && v.you !== undefined;
  const myTurn = mine && !over && v.to_move === v.you;
  const board = boardModel(v.board, v.seats);
  const allLegal = Array.isArray(v.legal) ? v.legal.filter((m) => m !== null && typeof m !== 'object').map(String) : null;
  const legal = myTurn && allLegal ? allLegal.slice(0, MAX_MOVE_BUTTONS) : [];
  const skip = new Set(COMMON_FIELDS);
  if (board) skip.add('board');
  if (allLegal) skip.add('legal');
  const fields = Object.keys(v).filter((k) => !skip.has(k)).map((k) => {
    const text = fieldText(v[k]);
    return { key: k, text, multiline: text.includes('\n') };
  });
  const meta = [];
  if (v.ply !== undefined) meta.push(`ply ${v.ply}`);
  if (v.last && v.last.move !== undefined) meta.push(`last move: ${v.last.move} (seat ${v.last.seat})`);
  return {
    myTurn,
    over,
    board,
    legal,
    moreLegal: myTurn && allLegal ? allLegal.length - legal.length : 0,
    canType: myTurn,
    fields,
    meta: meta.join(' · '),
  };
}

/**
 * Draws the generic view of `view` into `box` (already emptied). Every move
 * button carries data-move (the move text); `onMove(text)` sends it.
 */
export function renderGeneric(doc, box, view, onMove, { typed = '' } = {}) {
  const el = (tag, attrs, text) => makeElement(doc, tag, attrs, text);
  const m = genericModel(view);
  const wrap = el('div', { class: 'generic', 'data-view': 'generic' });
  if (m.board && m.board.kind === 'grid') {
    const grid = el('div', { class: 'grid grid-generic', role: 'grid', id: 'board-grid', style: `--cols: ${m.board.cols}`, 'data-cols': m.board.cols });
    m.board.rows.forEach((row, r) => {
      for (let c = 0; c < m.board.cols; c++) {
        const x = row[c] || { text: '', piece: '', empty: true, seat: null };
        grid.append(el('div', {
          class: `cell${x.empty ? ' empty' : ''}${x.seat !== null ? ` p${x.seat}` : ''}`,
          'data-row': r, 'data-col': c, 'data-piece': x.piece,
        }, x.text));
      }
    });
    wrap.append(grid);
  } else if (m.board && m.board.kind === 'lines') {
    wrap.append(el('pre', { class: 'boardtext', id: 'board-text' }, m.board.lines.join('\n')));
  }
  if (m.legal.length) {
    const moves = el('div', { class: 'legal-moves', id: 'legal-moves', role: 'group', 'aria-label': 'legal moves' });
    for (const mv of m.legal) {
      const b = el('button', { class: 'move legal', type: 'button', 'data-move': mv }, mv);
      b.addEventListener('click', () => onMove(mv));
      moves.append(b);
    }
    if (m.moreLegal > 0) moves.append(el('span', { class: 'muted' }, `and ${m.moreLegal} more: type one below`));
    wrap.append(moves);
  }
  if (m.canType) {
    const form = el('form', { class: 'moveform', id: 'move-form' });
    const input = el('input', { id: 'move-text', autocomplete: 'off', maxlength: 200, placeholder: 'a move', 'aria-label': 'move text' });
    input.value = typed;
    form.append(input, el('button', { type: 'submit', id: 'move-send' }, 'Move'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (text) { input.value = ''; onMove(text); }
    });
    wrap.append(form);
  }
  if (m.fields.length) {
    const dl = el('dl', { class: 'fields', id: 'view-fields' });
    for (const f of m.fields) {
      dl.append(el('dt', {}, f.key));
      const dd = el('dd', { 'data-field': f.key });
      dd.append(f.multiline ? el('pre', {}, f.text) : doc.createTextNode(f.text));
      dl.append(dd);
    }
    wrap.append(dl);
  }
  if (m.meta) wrap.append(el('p', { class: 'viewmeta muted' }, m.meta));
  box.append(wrap);
}
