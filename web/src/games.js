// Boards for every game lobbyd has (docs/games.md). Each renderer draws the
// view JSON that the server sent to this client (GAME &id STATE) and turns a
// click into the game's move text; the server checks every move, so the
// board only offers what the view's `legal` lists. A game without a board
// here (a game module, docs/modules.md) gets the generic view (generic.js).

import { makeElement } from './dom.js';
import { renderGeneric } from './generic.js';

export const GAMES = {
  tictactoe: { title: 'Tic-tac-toe', seats: [2, 2], marks: ['X', 'O'] },
  connect4: { title: 'Connect four', seats: [2, 2], marks: ['red', 'yellow'] },
  reversi: { title: 'Reversi', seats: [2, 2], marks: ['black', 'white'] },
  crazyeights: { title: 'Crazy eights', seats: [2, 4], marks: [] },
};

/**
 * The compiled-in game `name` names (a plain name or a `name@version`
 * label), or null: a module, or a name this page does not know. Never an
 * Object.prototype member (a module may be called `constructor`).
 */
export function gameInfo(name) {
  const base = String(name || '').replace(/@\d+$/, '');
  return Object.hasOwn(GAMES, base) ? GAMES[base] : null;
}

/** How a game is named on the page: its title, or the label as the server gives it. */
export function gameTitle(name) {
  return gameInfo(name)?.title || name || '';
}

/** The mark (X, red, black...) of a seat in a game, or ''. */
export function seatMark(name, seat) {
  return gameInfo(name)?.marks?.[seat] || '';
}

const SUITS = { C: '♣', D: '♦', H: '♥', S: '♠' };
const SUIT_NAMES = { C: 'clubs', D: 'diamonds', H: 'hearts', S: 'spades' };

/** "TH" -> "10♥": how a card is shown (the move text keeps "TH"). */
export function cardLabel(card) {
  if (!card) return '';
  const rank = card.slice(0, -1) === 'T' ? '10' : card.slice(0, -1);
  return rank + (SUITS[card.slice(-1)] || card.slice(-1));
}

export function isRed(card) { return /[DH]$/.test(card || ''); }

/** The move text for a board square: tic-tac-toe digit, reversi a1..h8. */
export function squareMove(game, row, col) {
  if (game === 'tictactoe') return String(row * 3 + col);
  if (game === 'reversi') return 'abcdefgh'[col] + String(row + 1);
  if (game === 'connect4') return String(col + 1);
  return null;
}

/** One line that says how a game ended, from GAME OVER's JSON. */
export function describeResult(over, me) {
  const why = {
    line: 'a line', board_full: 'a full board', no_moves: 'no moves left',
    hand_empty: 'an empty hand', resign: 'resignation', timeout: 'timeout',
    module_error: 'a fault in the game module',
  }[over.reason] || over.reason || '';
  if (over.draw) return `Draw (${why}).`;
  if (over.winner == null) return `Game over (${why}).`;
  const who = me && over.winner === me ? 'You win' : `${over.winner} wins`;
  const scores = Array.isArray(over.scores) ? ` Scores: ${over.scores.join(' – ')}.` : '';
  return `${who} by ${why}.${scores}`;
}

const el = makeElement;

/**
 * Draws `view` into `box` (emptied first). `onMove(text)` sends a move.
 * Returns nothing; every clickable cell carries data-move for tests.
 */
export function renderBoard(box, view, onMove) {
  const doc = box.ownerDocument;
  // The generic view's text box keeps what was typed while the same ply is redrawn.
  const typing = box.querySelector ? box.querySelector('#move-text') : null;
  const typed = typing && String(box.dataset.ply) === String(view.ply) ? typing.value : '';
  box.replaceChildren();
  box.dataset.game = view.game;
  box.dataset.ply = view.ply;
  const myTurn = view.you !== null && view.you !== undefined && view.to_move === view.you;
  const legal = new Set(myTurn ? view.legal || [] : []);
  if (view.game === 'crazyeights') return renderEights(doc, box, view, legal, onMove);
  if (!gameInfo(view.game) || !Array.isArray(view.board)) return renderGeneric(doc, box, view, onMove, { typed });
  const grid = el(doc, 'div', { class: `grid grid-${view.game}`, role: 'grid' });
  const winning = new Set(view.line || []);
  view.board.forEach((row, r) => {
    [...row].forEach((ch, c) => {
      const move = squareMove(view.game, r, c);
      const playable = legal.has(move) && (view.game !== 'connect4' || isDropTarget(view.board, r, c));
      const cell = el(doc, playable ? 'button' : 'div', {
        class: `cell${ch === '.' ? '' : ` p${ch}`}${playable ? ' legal' : ''}${winning.has(r * 3 + c) && view.game === 'tictactoe' ? ' win' : ''}${isLast(view, move, r) ? ' last' : ''}`,
        'data-row': r, 'data-col': c, 'data-piece': ch,
        'data-move': playable ? move : undefined,
        'aria-label': `${view.game === 'tictactoe' ? 'cell ' + move : view.game === 'reversi' ? move : 'column ' + move}${ch === '.' ? '' : ` seat ${ch}`}`,
      });
      if (view.game === 'tictactoe' && ch !== '.') cell.textContent = GAMES.tictactoe.marks[+ch];
      if (view.game !== 'tictactoe' && ch !== '.') cell.append(el(doc, 'span', { class: `disc p${ch}` }));
      if (playable) cell.addEventListener('click', () => onMove(move));
      grid.append(cell);
    });
  });
  // connect four: a whole column is the target; show its number above.
  if (view.game === 'connect4') {
    const head = el(doc, 'div', { class: 'grid grid-connect4 colheads' });
    for (let c = 0; c < 7; c++) {
      const m = String(c + 1);
      head.append(legal.has(m)
        ? Object.assign(el(doc, 'button', { class: 'colhead legal', 'data-move': m, 'aria-label': `drop in column ${m}` }, '▼'), { onclick: () => onMove(m) })
        : el(doc, 'div', { class: 'colhead' }, ''));
    }
    box.append(head);
  }
  box.append(grid);
  if (view.game === 'reversi' && view.discs) {
    box.append(el(doc, 'p', { class: 'discs', id: 'discs' }, `● black ${view.discs[0]}   ○ white ${view.discs[1]}${view.passed != null ? `   (seat ${view.passed} had to pass)` : ''}`));
  }
}

function isDropTarget(board, r, c) {
  // The lowest empty cell of a column: where the disc would land.
  if (board[r][c] !== '.') return false;
  return r === board.length - 1 || board[r + 1][c] !== '.';
}

function isLast(view, move, r) {
  if (!view.last || view.last.move !== move) return false;
  if (view.game !== 'connect4') return true;
  // connect four logs the column: mark the top disc of that column.
  const col = +move - 1;
  const top = view.board.findIndex((row) => row[col] !== '.');
  return top === r;
}

function renderEights(doc, box, view, legal, onMove) {
  const table = el(doc, 'div', { class: 'eights' });
  const pile = el(doc, 'div', { class: 'pile' });
  pile.append(
    el(doc, 'div', { class: `card top${isRed(view.top) ? ' red' : ''}`, id: 'top-card', 'data-card': view.top }, cardLabel(view.top)),
    el(doc, 'div', { class: 'pileinfo' }, `suit ${SUITS[view.suit] || view.suit} (${SUIT_NAMES[view.suit] || ''}) · draw pile ${view.draw_pile} · discards ${view.discard_pile}`),
  );
  const counts = el(doc, 'ul', { class: 'counts' });
  (view.hand_counts || []).forEach((n, s) => counts.append(el(doc, 'li', {
    'data-seat': s, class: `${view.to_move === s ? 'to-move' : ''}${view.out && view.out[s] ? ' out' : ''}`,
  }, `seat ${s}${s === view.you ? ' (you)' : ''}: ${n} card${n === 1 ? '' : 's'}${view.out && view.out[s] ? ' — out' : ''}`)));
  table.append(pile, counts);

  if (Array.isArray(view.hand)) {
    const hand = el(doc, 'div', { class: 'hand', id: 'hand' });
    const chooser = el(doc, 'div', { class: 'suit-chooser', id: 'suit-chooser', hidden: true });
    for (const card of view.hand) {
      const move = `play ${card}`;
      // An 8 may name any suit: legal lists "play 8H C" etc. Offer a chooser.
      const eightMoves = [...legal].filter((m) => m.startsWith(`play ${card} `));
      const playable = legal.has(move) || eightMoves.length > 0;
      const b = el(doc, playable ? 'button' : 'div', {
        class: `card${isRed(card) ? ' red' : ''}${playable ? ' legal' : ''}`,
        'data-card': card, 'data-move': playable && !card.startsWith('8') ? move : undefined,
      }, cardLabel(card));
      if (playable) {
        b.addEventListener('click', () => {
          if (!card.startsWith('8')) return onMove(move);
          chooser.replaceChildren(el(doc, 'span', {}, `${cardLabel(card)}: name a suit `));
          for (const s of 'CDHS') {
            const sb = el(doc, 'button', { class: `suit${'DH'.includes(s) ? ' red' : ''}`, 'data-move': `play ${card} ${s}` }, SUITS[s]);
            sb.addEventListener('click', () => onMove(`play ${card} ${s}`));
            chooser.append(sb);
          }
          chooser.hidden = false;
        });
      }
      hand.append(b);
    }
    const actions = el(doc, 'div', { class: 'actions' });
    for (const word of ['draw', 'pass']) {
      const b = el(doc, 'button', { class: 'action', 'data-move': legal.has(word) ? word : undefined, disabled: !legal.has(word) }, word);
      b.addEventListener('click', () => onMove(word));
      actions.append(b);
    }
    table.append(hand, chooser, actions);
  }
  box.append(table);
}
