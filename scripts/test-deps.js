#!/usr/bin/env node
// Installs the locked dependencies of the test folders that have their own
// package.json (the framework apps, the tarball consumers) when they are
// missing or older than their lock, so that `npm test` on a fresh clone runs
// every test instead of skipping those suites. .ci/run installs them itself
// first, which makes this a no-op there.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const folder of ['test/frameworks', 'test/package']) {
  const dir = path.join(root, folder);
  const lock = path.join(dir, 'package-lock.json');
  const installed = path.join(dir, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(lock)) continue;
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) continue;
  console.log(`test-deps: npm ci --prefix ${folder}`);
  execFileSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
