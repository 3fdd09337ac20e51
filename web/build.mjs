// Bundles web/src into web/dist: the two pages, their scripts (with the npm
// dependencies inlined) and the stylesheets. Run through tools/build-web.sh.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'src');
const dist = path.join(here, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [path.join(src, 'play.js'), path.join(src, 'admin.js')],
  outdir: dist,
  bundle: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const f of ['index.html', 'admin.html', 'style.css']) await copyFile(path.join(src, f), path.join(dist, f));
await copyFile(path.join(here, 'node_modules/uplot/dist/uPlot.min.css'), path.join(dist, 'admin.css'));
console.log(`web: built ${path.relative(process.cwd(), dist) || dist}`);
