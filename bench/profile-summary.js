#!/usr/bin/env node
'use strict';
// `node bench/profile-summary.js <file.cpuprofile> [top]`: where a contestant
// spent its CPU (from `npm run bench -- --profile`). Prints self time by
// package (express, axios, this package's dist, node internals, ...) and the
// top functions by self time.
const fs = require('node:fs');

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg) || 25;
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] || 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) || 0) + dt);
}

function bucket(url, name) {
  if (!url) return name === '(garbage collector)' ? '(gc)' : name === '(idle)' || name === '(program)' ? name : '(native/v8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/cjs/') || url.includes('/dist/esm/')) return 'passport-wechat-oauth2 (dist)';
  if (url.includes('/bench/')) return 'bench app code';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] || url.slice(5)}`;
  return url;
}

const byBucket = new Map();
const byFn = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  const { url, functionName, lineNumber } = n.callFrame;
  const name = functionName || '(anonymous)';
  const b = bucket(url, name);
  byBucket.set(b, (byBucket.get(b) || 0) + us);
  const key = `${name} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : ''}`;
  byFn.set(key, (byFn.get(key) || 0) + us);
  total += us;
}
const busy = total - (byBucket.get('(idle)') || 0);
const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (percentages of busy time)\n`);
console.log('self time by package:');
for (const [b, us] of [...byBucket].filter(([b]) => b !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${b}`);
}
console.log(`\ntop ${top} functions by self time:`);
for (const [k, us] of [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${pct(us)}  ${k}`);
}
