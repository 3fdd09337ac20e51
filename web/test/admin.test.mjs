import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetrics, sum, histograms, buckets, bucketDelta, quantile } from '../src/prom.js';
import { parseFolded, layout, formatNs } from '../src/flame.js';

const TEXT = `# HELP lobbyd_connections Open connections.
# TYPE lobbyd_connections gauge
lobbyd_connections{worker="0"} 3
lobbyd_connections{worker="1"} 4
lobbyd_lat_seconds_bucket{le="0.001"} 90
lobbyd_lat_seconds_bucket{le="0.01"} 99
lobbyd_lat_seconds_bucket{le="0.1"} 100
lobbyd_lat_seconds_bucket{le="+Inf"} 100
lobbyd_lat_seconds_sum 0.5
lobbyd_lat_seconds_count 100
odd{a="x,\\"y\\"",b="z"} 1.5e3
`;

test('parseMetrics: labels, sums, escapes', () => {
  const s = parseMetrics(TEXT);
  assert.equal(sum(s, 'lobbyd_connections'), 7);
  assert.equal(sum(s, 'missing'), null);
  const odd = s.find((x) => x.name === 'odd');
  assert.deepEqual(odd.labels, { a: 'x,"y"', b: 'z' });
  assert.equal(odd.value, 1500);
  assert.throws(() => parseMetrics('not a metric line at all {'), /bad metrics line/);
});

test('histogram quantile interpolates inside the bucket', () => {
  const s = parseMetrics(TEXT);
  assert.deepEqual(histograms(s), ['lobbyd_lat_seconds']);
  const b = buckets(s, 'lobbyd_lat_seconds');
  assert.equal(b.at(-1).le, Infinity);
  assert.ok(Math.abs(quantile(0.5, b) - 0.001 * (50 / 90)) < 1e-12);
  assert.ok(Math.abs(quantile(0.99, b) - 0.01) < 1e-12); // rank 99 ends the second bucket
  assert.equal(quantile(0.99, [{ le: 1, count: 0 }]), null);
  const d = bucketDelta(b, b.map((x) => ({ le: x.le, count: x.count - 10 })));
  assert.ok(d.every((x) => x.count === 10));
  assert.equal(quantile(0.99, [{ le: 0.5, count: 1 }, { le: Infinity, count: 100 }]), 0.5);
});

test('folded stacks: totals, self time and layout', () => {
  const root = parseFolded('a 10\na;b 20\na;b;c 5\nd 65\n');
  assert.equal(root.value, 100);
  const a = root.children.get('a');
  assert.equal(a.value, 35);
  assert.equal(a.self, 10);
  assert.equal(a.children.get('b').value, 25);
  const rects = layout(root);
  const c = rects.find((r) => r.name === 'c');
  assert.equal(c.depth, 3);
  assert.ok(Math.abs(c.w - 0.05) < 1e-12);
  const d = rects.find((r) => r.name === 'd');
  assert.ok(Math.abs(d.x - 0.35) < 1e-12);
  assert.throws(() => parseFolded('a;b notanumber'), /bad folded line/);
  assert.equal(formatNs(1500), '1.5 µs');
});
