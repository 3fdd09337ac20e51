// Prometheus text exposition (format 0.0.4) parsing and the few computations
// the admin page needs: counter rates and a quantile from histogram buckets.

/** Parses exposition text into [{name, labels, value}] (comments skipped). */
export function parseMetrics(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) throw new Error(`bad metrics line: ${line.slice(0, 80)}`);
    const labels = {};
    if (m[3]) {
      // label="value" pairs; values may hold escaped \" \\ \n and commas.
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;
      let lm;
      while ((lm = re.exec(m[3]))) labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: parseValue(m[4]) });
  }
  return out;
}

function parseValue(v) {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Sum of all series of one metric name (over every label set). */
export function sum(samples, name) {
  let s = 0;
  let found = false;
  for (const x of samples) if (x.name === name) { s += x.value; found = true; }
  return found ? s : null;
}

/** Names of the histograms present (those with a _bucket series). */
export function histograms(samples) {
  const names = new Set();
  for (const x of samples) if (x.name.endsWith('_bucket') && 'le' in x.labels) names.add(x.name.slice(0, -7));
  return [...names];
}

/**
 * Cumulative buckets of one histogram, summed over its other labels:
 * [{le, count}] sorted by le.
 */
export function buckets(samples, name) {
  const by = new Map();
  for (const x of samples) {
    if (x.name !== `${name}_bucket`) continue;
    const le = parseValue(x.labels.le);
    by.set(le, (by.get(le) || 0) + x.value);
  }
  return [...by].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** Bucket counts of `now` minus `before` (the window between two polls). */
export function bucketDelta(now, before) {
  if (!before) return now;
  const prev = new Map(before.map((b) => [b.le, b.count]));
  return now.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prev.get(b.le) || 0)) }));
}

/**
 * The q-quantile from cumulative buckets, interpolated linearly inside the
 * bucket as Prometheus's histogram_quantile() does. null without samples.
 */
export function quantile(q, bs) {
  if (!bs.length) return null;
  const total = bs[bs.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of bs) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe; // the highest finite bound is all we know
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket) : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
