// A flame graph of folded stacks ("a;b;c <self ns>" per line, docs/profiler.md)
// drawn on a canvas: small enough to own rather than pull in d3.

/** Folded text -> a tree {name, value (total), self, children: Map}. */
export function parseFolded(text) {
  const root = { name: 'all', value: 0, self: 0, children: new Map() };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const sp = line.lastIndexOf(' ');
    const n = Number(line.slice(sp + 1));
    if (sp <= 0 || !Number.isFinite(n) || n < 0) throw new Error(`bad folded line: ${line.slice(0, 80)}`);
    let node = root;
    root.value += n;
    for (const frame of line.slice(0, sp).split(';')) {
      let child = node.children.get(frame);
      if (!child) { child = { name: frame, value: 0, self: 0, children: new Map() }; node.children.set(frame, child); }
      child.value += n;
      node = child;
    }
    node.self += n;
  }
  return root;
}

/**
 * Lays the tree out as rectangles [{name, value, depth, x, w}] with x and w
 * as fractions of the root's width; children sorted by name (as flamegraph.pl
 * does), frames narrower than minFrac dropped.
 */
export function layout(root, minFrac = 0.001) {
  const rects = [];
  const total = root.value || 1;
  (function walk(node, depth, x) {
    rects.push({ name: node.name, value: node.value, self: node.self, depth, x, w: node.value / total });
    let cx = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const w = child.value / total;
      if (w >= minFrac) walk(child, depth + 1, cx);
      cx += w;
    }
  })(root, 0, 0);
  return rects;
}

function color(name) {
  // Stable warm colours per frame name, like flamegraph.pl's "hot" palette.
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${10 + (h % 45)}, ${70 + (h % 20)}%, ${55 + ((h >> 8) % 15)}%)`;
}

export function formatNs(ns) {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** Draws the graph (root at the bottom) and wires a hover tooltip. Returns the rects. */
export function drawFlame(canvas, tip, text) {
  const root = parseFolded(text);
  const rects = layout(root);
  const rowH = 18;
  const depth = rects.reduce((d, r) => Math.max(d, r.depth), 0) + 1;
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 800;
  const cssH = depth * rowH + 2;
  canvas.style.height = `${cssH}px`;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (const r of rects) {
    const x = r.x * cssW;
    const w = r.w * cssW;
    const y = cssH - (r.depth + 1) * rowH;
    ctx.fillStyle = r.depth === 0 ? '#c9ccd3' : color(r.name);
    ctx.fillRect(x, y, Math.max(w - 1, 0.5), rowH - 1);
    if (w > 40) {
      ctx.fillStyle = '#1d2330';
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y, w - 2, rowH);
      ctx.clip();
      ctx.fillText(r.depth === 0 ? `all (${formatNs(r.value)})` : r.name, x + 3, y + rowH / 2);
      ctx.restore();
    }
  }
  canvas.dataset.frames = String(rects.length - 1);
  canvas.dataset.depth = String(depth - 1);
  canvas.onmousemove = (ev) => {
    const b = canvas.getBoundingClientRect();
    const fx = (ev.clientX - b.left) / cssW;
    const d = Math.floor((cssH - (ev.clientY - b.top)) / rowH);
    const hit = rects.find((r) => r.depth === d && fx >= r.x && fx < r.x + r.w);
    if (!hit) { tip.hidden = true; return; }
    tip.hidden = false;
    tip.textContent = `${hit.name}: ${formatNs(hit.value)} total, ${formatNs(hit.self)} self (${((hit.value / (root.value || 1)) * 100).toFixed(1)} %)`;
    tip.style.left = `${Math.min(ev.clientX - b.left + 12, cssW - 260)}px`;
    tip.style.top = `${ev.clientY - b.top - 28}px`;
  };
  canvas.onmouseleave = () => { tip.hidden = true; };
  return rects;
}
