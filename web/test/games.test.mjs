import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardLabel, squareMove, describeResult, isRed } from '../src/games.js';

test('move texts per game (docs/games.md)', () => {
  assert.equal(squareMove('tictactoe', 1, 1), '4');
  assert.equal(squareMove('tictactoe', 2, 0), '6');
  assert.equal(squareMove('reversi', 2, 3), 'd3');
  assert.equal(squareMove('connect4', 5, 6), '7');
});

test('cards and results', () => {
  assert.equal(cardLabel('TH'), '10♥');
  assert.equal(cardLabel('8S'), '8♠');
  assert.ok(isRed('QD') && !isRed('QC'));
  assert.equal(describeResult({ over: true, winner: 'alice', draw: false, reason: 'line', scores: [1, 0] }, 'alice'), 'You win by a line. Scores: 1 – 0.');
  assert.equal(describeResult({ over: true, winner: 'alice', draw: false, reason: 'timeout', scores: [1, 0] }, 'bob'), 'alice wins by timeout. Scores: 1 – 0.');
  assert.equal(describeResult({ over: true, winner: null, draw: true, reason: 'board_full' }, 'bob'), 'Draw (a full board).');
});
