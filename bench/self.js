'use strict';
// require() for this package by its own name, through its package.json
// "exports", exactly as a user's app gets it (dist/cjs). Plain
// require('passport-wechat-oauth2') from bench/ does not work: the nearest
// package.json is bench/package.json, so Node's package self-reference does not
// apply. A require function anchored at the repository's package.json does.
const { createRequire } = require('node:module');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

module.exports = { requireSelf: requireFromRoot, ROOT };
