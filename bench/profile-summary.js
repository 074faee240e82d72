#!/usr/bin/env node
'use strict';
// `node bench/profile-summary.js <file.cpuprofile> [top] [--inclusive=a,b,...]
// [--per=LOGINS]`: where a contestant spent its CPU (from `npm run bench --
// --profile`). Prints self time by package (express, axios, this package's
// dist, node internals, ...) and the top functions by self time. With
// --inclusive, also the time of every sample whose stack holds a frame whose
// "functionName url" contains one of the given strings (each sample counted
// once per string, so callees are included), e.g.
// --inclusive=handleCallback,Axios.request,dedupeKey; with --per, times are
// also given in µs per login.
const fs = require('node:fs');

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [file, topArg] = positional;
const INCLUSIVE = ((process.argv.find((a) => a.startsWith('--inclusive=')) || '').slice('--inclusive='.length)).split(',').filter(Boolean);
const PER = Number((process.argv.find((a) => a.startsWith('--per=')) || '').slice('--per='.length)) || 0;
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top] [--inclusive=a,b] [--per=LOGINS]');
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

if (INCLUSIVE.length) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url || ''}`;
  // For each node: which patterns appear on its stack (itself or any caller).
  const memo = new Map();
  const onStack = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const mine = new Set(INCLUSIVE.filter((p) => label(n).includes(p)));
    const up = parent.has(id) ? onStack(parent.get(id)) : new Set();
    const all = new Set([...mine, ...up]);
    memo.set(id, all);
    return all;
  };
  const inclusive = new Map(INCLUSIVE.map((p) => [p, 0]));
  for (const [id, us] of selfUs) for (const p of onStack(id)) inclusive.set(p, inclusive.get(p) + us);
  console.log(`\ninclusive time (samples with a matching frame on the stack)${PER ? `, and per login over ${PER} logins` : ''}:`);
  for (const [p, us] of inclusive) console.log(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms${PER ? `  ${(us / PER).toFixed(1).padStart(7)} µs/login` : ''}  ${p}`);
}
