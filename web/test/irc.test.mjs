// Unit checks of the pure parts of the pages (no browser): IRC parsing,
// Prometheus parsing and quantiles, folded stacks, game helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, fold, saslPlain, validNick, wsUrl } from '../src/irc.js';

test('parse: source, command, params and trailing', () => {
  const m = parse(':alice!alice@127.0.0.1 PRIVMSG #lobby :hello there :)');
  assert.equal(m.nick, 'alice');
  assert.equal(m.command, 'PRIVMSG');
  assert.deepEqual(m.params, ['#lobby', 'hello there :)']);
});

test('parse: tags, numerics, no trailing, GAME json', () => {
  const m = parse('@time=2026-01-01T00:00:00Z;x :srv 322 me #lobby 3 :Welcome');
  assert.deepEqual(m.tags, { time: '2026-01-01T00:00:00Z', x: true });
  assert.deepEqual(m.params, ['me', '#lobby', '3', 'Welcome']);
  assert.deepEqual(parse(':srv TABLE INFO &1 tictactoe 1/2 waiting').params, ['INFO', '&1', 'tictactoe', '1/2', 'waiting']);
  const g = parse(':lobbyd.local GAME &1 STATE :{"board":["...",".0.","..."],"to_move":1}');
  assert.deepEqual(JSON.parse(g.params[2]).board, ['...', '.0.', '...']);
  assert.deepEqual(parse('PING :abc').params, ['abc']);
  assert.equal(parse('ping x').command, 'PING');
});

test('fold is ASCII only; nick rules; SASL PLAIN payload; ws url', () => {
  assert.equal(fold('AbC[]'), 'abc[]');
  assert.equal(fold('Ä'), 'Ä');
  assert.ok(validNick('alice_1'));
  assert.ok(!validNick('1alice'));
  assert.ok(!validNick('a b'));
  assert.ok(!validNick('x'.repeat(31)));
  assert.equal(Buffer.from(saslPlain('bob', 'pä'), 'base64').toString('utf8'), '\0bob\0pä');
  assert.equal(wsUrl({ protocol: 'https:', host: 'h:1' }), 'wss://h:1/ws');
  assert.equal(wsUrl({ protocol: 'http:', host: 'h' }), 'ws://h/ws');
});
