'use strict';
// require() for this package by its own name, through its package.json
// "exports", exactly as a user's app gets it (dist/cjs). Plain
// require('passport-wechat-oauth2') from bench/ does not work: the nearest
// package.json is bench/package.json, so Node's package self-reference does not
// apply. A require function anchored at the repository's package.json does.
//
// When BENCH_SELF_ROOT is set (bench/snapshot.js sets it for the orchestrator
// and every child), the anchor is a frozen copy of package.json + dist/cjs
// instead, so a rebuild of dist/ during a run (someone's `npm test`) cannot
// pull the package out from under a contestant being started.
const { createRequire } = require('node:module');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

// Anchored on first use, so an orchestrator can make its snapshot after loading this file.
let anchored = null;
function anchor() {
  if (!anchored) anchored = createRequire(path.join(process.env.BENCH_SELF_ROOT || ROOT, 'package.json'));
  return anchored;
}
const requireSelf = (id) => anchor()(id);
requireSelf.resolve = (id) => anchor().resolve(id);

module.exports = { requireSelf, ROOT };
