// ctest entry point: skips (exit 77, SKIP_RETURN_CODE) when chromium is not
// installed, builds web/dist if needed, then runs the e2e tests with node's
// test runner.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, CHROMIUM } from './harness.mjs';

if (!existsSync(CHROMIUM)) {
  console.log(`e2e: ${CHROMIUM} is not installed (apt-get install chromium); skipping`);
  process.exit(77);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  // playwright-core needs Node.js 20 (its package.json "engines").
  console.error(`e2e: Node.js ${process.versions.node} is too old; playwright-core needs 20 or newer`);
  process.exit(1);
}
const build = spawnSync('bash', [path.join(ROOT, 'tools/build-web.sh')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, ['--test', path.join(ROOT, 'tests/e2e/e2e.test.mjs')], { stdio: 'inherit' });
process.exit(run.status ?? 1);
