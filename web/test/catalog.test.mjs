// The GAMES listing of the table picker and the admin page's module helpers
// (web/src/catalog.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../src/irc.js';
import { GamesListing, listingKey, moduleNameFromSource, moduleRows, parseGamesEntry, tableNewLine, validModuleName } from '../src/catalog.js';

// What lobbyd answers to GAMES (src/core/cmd_table.cpp games_list).
const LINES = [
  ':lobbyd.local GAMES ENTRY tictactoe 2-2 2 ttt :',
  ':lobbyd.local GAMES ENTRY connect4 2-2 2 connectfour,connect_four :',
  ':lobbyd.local GAMES ENTRY crazyeights 2-4 2 crazy8,crazy8s,eights :hand=1..10',
  ':lobbyd.local GAMES ENTRY connect4_lua@1 2-2 2 connectfour_lua :',
  ':lobbyd.local GAMES ENTRY liars_dice@12 2-6 2 liarsdice,dudo :dice=1..5',
  ':lobbyd.local GAMES ENTRY solo_lua@3 1-1 1 * :',
  ':lobbyd.local GAMES END :6 games',
];

test('parseGamesEntry: compiled-in games and modules (name@version)', () => {
  const ttt = parseGamesEntry(parse(LINES[0]).params);
  assert.deepEqual(ttt, { label: 'tictactoe', name: 'tictactoe', version: null, module: false, min: 2, max: 2, default: 2, aliases: ['ttt'], options: [] });
  const c8 = parseGamesEntry(parse(LINES[2]).params);
  assert.deepEqual([c8.min, c8.max, c8.default, c8.aliases], [2, 4, 2, ['crazy8', 'crazy8s', 'eights']]);
  assert.deepEqual(c8.options, [{ key: 'hand', min: 1, max: 10 }]);
  const lua = parseGamesEntry(parse(LINES[3]).params);
  assert.equal(lua.label, 'connect4_lua@1');
  assert.equal(lua.name, 'connect4_lua');
  assert.equal(lua.version, 1);
  assert.equal(lua.module, true);
  const dice = parseGamesEntry(parse(LINES[4]).params);
  assert.deepEqual([dice.name, dice.version, dice.min, dice.max, dice.options], ['liars_dice', 12, 2, 6, [{ key: 'dice', min: 1, max: 5 }]]);
  assert.deepEqual(parseGamesEntry(parse(LINES[5]).params).aliases, []); // '*': none
  assert.equal(parseGamesEntry(parse(LINES[6]).params), null);
  assert.equal(parseGamesEntry(['ENTRY']), null);
  // Without the trailing options parameter (an older server), and junk options.
  assert.deepEqual(parseGamesEntry(['ENTRY', 'x', '2-2', '2', '*']).options, []);
  assert.deepEqual(parseGamesEntry(['ENTRY', 'x', '2-2', '2', '*', 'a=1..2 junk b=x..y c=-1..3']).options, [{ key: 'a', min: 1, max: 2 }, { key: 'c', min: -1, max: 3 }]);
});

test('GamesListing collects ENTRY lines until END', () => {
  const l = new GamesListing();
  for (const line of LINES.slice(0, -1)) assert.equal(l.add(parse(line).params), false);
  assert.equal(l.add(parse(LINES[LINES.length - 1]).params), true);
  assert.equal(l.count, 6);
  assert.deepEqual(l.games.map((g) => g.label), ['tictactoe', 'connect4', 'crazyeights', 'connect4_lua@1', 'liars_dice@12', 'solo_lua@3']);
  // A new version of a module changes the key (the picker is rebuilt); the same listing does not.
  const again = new GamesListing();
  for (const line of LINES) again.add(parse(line).params);
  assert.equal(listingKey(again.games), listingKey(l.games));
  const newer = new GamesListing();
  for (const line of LINES) newer.add(parse(line.replace('connect4_lua@1', 'connect4_lua@2')).params);
  assert.notEqual(listingKey(newer.games), listingKey(l.games));
});

test('tableNewLine: seats only where they vary, options in range', () => {
  const games = new GamesListing();
  for (const line of LINES) games.add(parse(line).params);
  const [ttt, , c8, lua, dice] = games.games;
  assert.equal(tableNewLine('#games', ttt, { seats: '2' }), 'TABLE NEW #games tictactoe');
  assert.equal(tableNewLine('#games', lua), 'TABLE NEW #games connect4_lua'); // the name, never name@version
  assert.equal(tableNewLine('#games', c8, { seats: '3', options: { hand: '5' } }), 'TABLE NEW #games crazyeights seats=3 hand=5');
  assert.equal(tableNewLine('#games', c8, { seats: '9', options: { hand: '' } }), 'TABLE NEW #games crazyeights');
  assert.equal(tableNewLine('#games', dice, { seats: 6, options: { dice: 9 } }), 'TABLE NEW #games liars_dice seats=6');
  assert.equal(tableNewLine('#games', 'reversi'), 'TABLE NEW #games reversi');
});

test('module names and the admin rows', () => {
  assert.ok(validModuleName('connect4_lua'));
  for (const bad of ['', 'Connect4', '4row', 'a-b', 'x'.repeat(33), 'a b']) assert.ok(!validModuleName(bad), bad);
  assert.equal(moduleNameFromSource('local game = {\n  name = "connect4_lua",\n  seats = 2 }'), 'connect4_lua');
  assert.equal(moduleNameFromSource("local g = {name='ttt_x'}"), 'ttt_x');
  assert.equal(moduleNameFromSource('return {'), '');
  const rows = moduleRows([
    { name: 'liars_dice', version: 1, active: true, serving: true, error: null, tables: 0 },
    { name: 'connect4_lua', version: 1, active: true, serving: false, error: null, tables: 2 },
    { name: 'connect4_lua', version: 2, active: true, serving: true, error: null, tables: 1 },
    { name: 'broken', version: 1, active: true, serving: false, error: 'broken@1:1: unexpected symbol', tables: 0 },
    { name: 'old', version: 4, active: false, serving: false, error: null, tables: 0 },
  ]);
  assert.deepEqual(rows.map((r) => `${r.name}@${r.version}:${r.state}:${r.tables}`),
    ['broken@1:refused:0', 'connect4_lua@2:serving:1', 'connect4_lua@1:loaded:2', 'liars_dice@1:serving:0', 'old@4:inactive:0']);
  assert.equal(rows[0].error, 'broken@1:1: unexpected symbol');
  assert.deepEqual(moduleRows(undefined), []);
});
