// The generic view of a game the page has no board for (web/src/generic.js),
// and renderBoard's choice between it and the compiled-in games' boards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardModel, compactJson, genericModel, renderGeneric, MAX_MOVE_BUTTONS } from '../src/generic.js';
import { gameInfo, gameTitle, seatMark, renderBoard, describeResult } from '../src/games.js';

// connect4.lua's view (docs/modules.md), with the fields the server adds.
const C4 = {
  game: 'connect4_lua', seats: 2, you: 0, to_move: 0, ply: 2, result: { over: false },
  last: { seat: 1, move: '2' },
  board: ['.......', '.......', '.......', '.......', '.......', '01.....'],
  legal: ['1', '2', '3', '4', '5', '6', '7'],
};

test('boardModel: characters, words, lists, prose', () => {
  const g = boardModel(C4.board, 2);
  assert.equal(g.kind, 'grid');
  assert.equal(g.cols, 7);
  assert.equal(g.rows.length, 6);
  assert.deepEqual(g.rows[5][0], { text: '0', piece: '0', empty: false, seat: 0 });
  assert.deepEqual(g.rows[5][1], { text: '1', piece: '1', empty: false, seat: 1 });
  assert.deepEqual(g.rows[0][0], { text: '', piece: '.', empty: true, seat: null });
  // A digit that is no seat of this game is just text.
  assert.equal(boardModel(['.5.'], 2).rows[0][1].seat, null);
  // Words: every row the same number of them.
  const w = boardModel(['10 . K', 'Q 0 .'], 2);
  assert.equal(w.kind, 'grid');
  assert.equal(w.cols, 3);
  assert.deepEqual(w.rows[0].map((c) => c.text), ['10', '', 'K']);
  assert.equal(w.rows[1][1].seat, 0);
  // Lists of scalars.
  const l = boardModel([[1, null, 'x'], [true, 0]], 3);
  assert.equal(l.cols, 3);
  assert.deepEqual(l.rows[0].map((c) => c.text), ['1', '', 'x']);
  assert.equal(l.rows[1].length, 2);
  // Rows of prose (liars_dice.lua): lines.
  assert.deepEqual(boardModel(['seat 0: 5 dice (to move)', 'seat 1: 5 dice', 'you: 1 3 3 5 6'], 2),
    { kind: 'lines', lines: ['seat 0: 5 dice (to move)', 'seat 1: 5 dice', 'you: 1 3 3 5 6'] });
  // Unicode: one cell per code point.
  assert.deepEqual(boardModel(['♜.♞'], 0).rows[0].map((c) => c.text), ['♜', '', '♞']);
  // Not boards.
  for (const b of [undefined, null, 'xo', [], [{ a: 1 }], [[{}]], ['']]) assert.equal(boardModel(b, 2), null, JSON.stringify(b));
});

test('compactJson: one line while it fits, else one item a line', () => {
  assert.equal(compactJson({ a: 1, b: [1, 2], c: null }), '{"a": 1, "b": [1, 2], "c": null}');
  assert.equal(compactJson([]), '[]');
  assert.equal(compactJson('x'), '"x"');
  const long = { reveal: { dice: [[1, 2, 3, 4, 5], [6, 6, 6, 6, 6]], bid: '3x4', bidder: 0, caller: 1, found: 2 } };
  const text = compactJson(long, 40);
  assert.ok(text.split('\n').every((l) => l.length <= 60), text);
  assert.deepEqual(JSON.parse(text), long);
  assert.ok(text.includes('\n    "dice": ['), text);
});

test('genericModel: buttons only on my turn, fields without the common ones', () => {
  const m = genericModel(C4);
  assert.equal(m.myTurn, true);
  assert.deepEqual(m.legal, C4.legal);
  assert.equal(m.canType, true);
  assert.deepEqual(m.fields, []); // board and legal are drawn, the rest is the panel's
  assert.equal(m.meta, 'ply 2 · last move: 2 (seat 1)');
  // The other seat, a spectator, and after the end: no buttons.
  assert.deepEqual(genericModel({ ...C4, you: 1 }).legal, []);
  assert.deepEqual(genericModel({ ...C4, you: null }).legal, []);
  assert.equal(genericModel({ ...C4, you: null }).canType, false);
  assert.deepEqual(genericModel({ ...C4, result: { over: true, winner: 0 } }).legal, []);
  // Other fields, nested ones as JSON; a board that is no board is a field.
  const dice = genericModel({ game: 'liars_dice', seats: 2, you: 1, to_move: 0, ply: 0, result: { over: false }, last: null,
    dice: [1, 3, 3, 5, 6], bid: { count: 2, face: 3, seat: 0, text: '2x3' }, round: 1, board: 'not a list', legal: ['liar'] });
  assert.deepEqual(dice.fields.map((f) => [f.key, f.text]), [
    ['dice', '[1, 3, 3, 5, 6]'], ['bid', '{"count": 2, "face": 3, "seat": 0, "text": "2x3"}'], ['round', '1'], ['board', 'not a list']]);
  assert.equal(dice.board, null);
  // Without `legal`: no buttons, but the text box.
  const free = genericModel({ game: 'x', seats: 1, you: 0, to_move: 0, ply: 0, result: { over: false } });
  assert.deepEqual([free.legal, free.canType], [[], true]);
  // A long list: capped.
  const many = genericModel({ ...C4, legal: Array.from({ length: 500 }, (_, i) => `m${i}`) });
  assert.equal(many.legal.length, MAX_MOVE_BUTTONS);
  assert.equal(many.moreLegal, 500 - MAX_MOVE_BUTTONS);
});

test('game names: modules have no board of their own, prototype names are no games', () => {
  assert.equal(gameInfo('connect4').title, 'Connect four');
  assert.equal(gameInfo('connect4@7').title, 'Connect four');
  for (const n of ['connect4_lua', 'connect4_lua@1', 'constructor', 'tostring', '__proto__', '', undefined]) assert.equal(gameInfo(n), null, n);
  assert.equal(gameTitle('connect4_lua@1'), 'connect4_lua@1');
  assert.equal(seatMark('tictactoe', 1), 'O');
  assert.equal(seatMark('constructor', 1), '');
  assert.equal(describeResult({ over: true, winner: null, draw: false, reason: 'module_error' }, 'a'), 'Game over (a fault in the game module).');
});

// ---- a small DOM, enough for the renderers ------------------------------------

class FakeNode {
  constructor(tag, doc) { this.tagName = tag.toUpperCase(); this.ownerDocument = doc; this.children = []; this.attrs = {}; this.dataset = {}; this.listeners = {}; this._text = ''; this.value = ''; }
  set className(v) { this.attrs.class = v; }
  get className() { return this.attrs.class || ''; }
  setAttribute(k, v) { this.attrs[k] = String(v); if (k.startsWith('data-')) this.dataset[k.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = String(v); }
  getAttribute(k) { return this.attrs[k] ?? null; }
  set textContent(v) { this._text = String(v); this.children = []; }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(''); }
  append(...cs) { this.children.push(...cs); }
  replaceChildren(...cs) { this.children = cs; this._text = ''; }
  addEventListener(ev, fn) { (this.listeners[ev] ||= []).push(fn); }
  dispatch(ev, e = { preventDefault() {} }) { for (const fn of this.listeners[ev] || []) fn(e); }
  *walk() { for (const c of this.children) { yield c; if (c.walk) yield* c.walk(); } }
  all(pred) { return [...this.walk()].filter(pred); }
  querySelector(sel) { const id = /^#(.+)$/.exec(sel); return id ? this.all((n) => n.attrs && n.attrs.id === id[1])[0] || null : null; }
}
class FakeDoc {
  createElement(tag) { return new FakeNode(tag, this); }
  createTextNode(text) { return { textContent: String(text) }; }
}

test('renderGeneric: grid cells, a button per legal move, the text box', () => {
  const doc = new FakeDoc();
  const box = doc.createElement('div');
  const sent = [];
  renderBoard(box, C4, (m) => sent.push(m));
  assert.equal(box.dataset.game, 'connect4_lua');
  const cells = box.all((n) => n.className && n.className.startsWith('cell'));
  assert.equal(cells.length, 42);
  const disc = cells.find((c) => c.dataset.row === '5' && c.dataset.col === '1');
  assert.equal(disc.className, 'cell p1');
  assert.equal(disc.dataset.piece, '1');
  const buttons = box.all((n) => n.tagName === 'BUTTON' && n.dataset.move);
  assert.deepEqual(buttons.map((b) => b.dataset.move), C4.legal);
  buttons[2].dispatch('click');
  assert.deepEqual(sent, ['3']);
  // Typed text goes as the move; it survives a redraw of the same ply.
  const input = box.querySelector('#move-text');
  input.value = '4 ';
  renderBoard(box, C4, (m) => sent.push(m));
  const again = box.querySelector('#move-text');
  assert.equal(again.value, '4 ');
  box.all((n) => n.attrs && n.attrs.id === 'move-form')[0].dispatch('submit');
  assert.deepEqual(sent, ['3', '4']);
  // Not my turn: nothing to click.
  renderBoard(box, { ...C4, you: 1 }, (m) => sent.push(m));
  assert.equal(box.all((n) => n.dataset && n.dataset.move).length, 0);
  assert.equal(box.querySelector('#move-text'), null);
  // Fields are listed; prose boards are text.
  const other = doc.createElement('div');
  renderGeneric(doc, other, { game: 'liars_dice', seats: 2, you: 0, to_move: 1, ply: 0, result: { over: false }, board: ['seat 0: 5 dice', 'seat 1: 5 dice (to move)'], round: 1 }, () => {});
  assert.equal(other.querySelector('#board-text').textContent, 'seat 0: 5 dice\nseat 1: 5 dice (to move)');
  const dd = other.all((n) => n.tagName === 'DD');
  assert.deepEqual(dd.map((d) => [d.dataset.field, d.textContent]), [['round', '1']]);
});

test('renderBoard keeps the compiled-in boards', () => {
  const doc = new FakeDoc();
  const box = doc.createElement('div');
  renderBoard(box, { game: 'tictactoe', seats: 2, you: 0, to_move: 0, ply: 0, board: ['...', '...', '...'], legal: ['0', '4'], result: { over: false } }, () => {});
  assert.equal(box.all((n) => n.dataset && n.dataset.view === 'generic').length, 0);
  assert.deepEqual(box.all((n) => n.dataset && n.dataset.move).map((n) => n.dataset.move), ['0', '4']);
  assert.ok(box.all((n) => n.className === 'grid grid-tictactoe').length === 1);
});
