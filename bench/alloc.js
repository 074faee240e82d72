#!/usr/bin/env node
'use strict';
// What one userinfo callback allocates, per contestant: `node bench/alloc.js
// [n] [name=dir ...]` (as root, like the bench). Runs floor, floor + Passport
// and this package (and, for each name=dir, this package loaded from dir, a
// bench/variant.js build) one after another against the TLS emulator, each
// with bench/heap-sampler.js: after 500 warm-up callbacks it samples n timed
// callbacks at c50 and prints KB allocated per login, by package and by
// function. Allocation does not move with the machine's load the way CPU
// time does, so it separates changes that CPU figures on a busy machine
// cannot (bench/results/profile-notes.md). With --cpu it writes a CPU profile
// of the same n timed callbacks instead (no warm-up, no /login in it) to
// bench/.tmp/alloc/NAME.cpuprofile, and prints self time per login by package
// and function; `node bench/profile-summary.js FILE --per=n` reads it further.
const fs = require('node:fs');
const path = require('node:path');
const processes = require('./processes');
const { Driver } = require('./driver');
const { installSafetyNet, startTlsEmulator, startContestant, TMP } = require('./harness');
const { makeSnapshot } = require('./snapshot');

const positional = process.argv.slice(2).filter((a) => !a.includes('=') && !a.startsWith('--'));
const N = Number(positional[0] || 1500);
const CPU = process.argv.includes('--cpu');
const CONTESTANTS = [
  ['floor', 'contestants/floor.js', {}],
  ['floor + Passport', 'contestants/diagnostic/floor-passport.js', {}],
  ['passport-wechat-oauth2', 'contestants/passport-wechat-oauth2.js', {}],
  // --contestant=NAME=SCRIPT: one more contestant script (as in decompose.js).
  ...process.argv.slice(2).filter((a) => a.startsWith('--contestant=')).map((a) => [...a.slice('--contestant='.length).split('='), {}]),
  ...process.argv.slice(2).filter((a) => a.includes('=') && !a.startsWith('--')).map((a) => {
    const [name, dir] = a.split('=');
    return [name, 'contestants/passport-wechat-oauth2.js', { BENCH_SELF_ROOT: path.resolve(dir) }];
  }),
];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

installSafetyNet('alloc', 15 * 60 * 1000);

function bucket(url) {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/cjs/')) return `this package: ${url.split('/dist/cjs/')[1]}`;
  if (url.includes('/bench/')) return 'bench app code';
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

// (callFrame, amount) for every sample: bytes from a heap profile, µs of
// self time from a CPU profile (idle left out).
function samplesOf(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!CPU) {
    const byId = new Map();
    const walk = (node) => { byId.set(node.id, node); for (const c of node.children) walk(c); };
    walk(profile.head);
    return profile.samples.map((s) => [byId.get(s.nodeId).callFrame, s.size]);
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  return profile.samples.map((id, i) => [byId.get(id).callFrame, profile.timeDeltas[i] || 0])
    .filter(([frame]) => frame.functionName !== '(idle)');
}

// Per login, by package and by function: KB allocated, or µs of CPU with --cpu.
function summarise(file, n, top = CPU ? 30 : 12) {
  const byBucket = new Map();
  const byFn = new Map();
  let total = 0;
  for (const [{ url, functionName, lineNumber }, amount] of samplesOf(file)) {
    const b = !url && CPU ? functionName : bucket(url);
    byBucket.set(b, (byBucket.get(b) || 0) + amount);
    const fn = `${functionName || '(anonymous)'} ${b}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) || 0) + amount);
    total += amount;
  }
  const perLogin = (v) => (CPU ? v / n : v / n / 1024);
  const show = (v) => perLogin(v).toFixed(CPU ? 1 : 2).padStart(7);
  const lines = [`${show(total)} ${CPU ? 'µs' : 'KB'} per login in all`, 'by package:'];
  for (const [b, v] of [...byBucket].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${show(v)}  ${b}`);
  lines.push('by function:');
  for (const [f, v] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${show(v)}  ${f}`);
  return { perLogin: perLogin(total), text: lines.join('\n') };
}

async function main() {
  const snap = makeSnapshot({ build: process.argv.includes('--build') });
  console.log(`[alloc] package: ${snap.source} at commit ${snap.commit}`);
  const emulator = await startTlsEmulator({ logName: 'alloc-emulator' });
  const app = emulator.info.apps.mp;
  const totals = [];
  try {
    for (const [name, script, env] of CONTESTANTS) {
      const out = path.join(TMP, 'alloc', `${name.replace(/[^\w.-]+/g, '_')}.${CPU ? 'cpuprofile' : 'heapprofile'}`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.rmSync(out, { force: true });
      const { child, port } = await startContestant({
        script, certs: emulator.certs, app, scope: 'snsapi_userinfo', logName: `alloc-${name.replace(/[^\w.-]+/g, '_')}`, label: name,
        nodeArgs: ['--require', path.join(__dirname, 'heap-sampler.js')], env: { ...env, BENCH_HEAP_OUT: out, BENCH_SAMPLE: CPU ? 'cpu' : 'heap' },
      });
      const driver = new Driver({ port, concurrency: 50, ca: emulator.ca });
      try {
        await driver.timedCallbacks(await driver.prepare(500));
        const items = await driver.prepare(N);
        child.kill('SIGUSR2');
        await sleep(300);
        const res = await driver.timedCallbacks(items);
        if (res.errors.length) throw new Error(`${name}: ${res.errors.length} failed callbacks (${res.errors.filter(Boolean)[0]})`);
        child.kill('SIGHUP');
        for (let i = 0; i < 100 && !fs.existsSync(out); i++) await sleep(100);
        await sleep(500); // the file is written in one call; let it finish
      } finally {
        driver.close();
        await processes.stop(child);
      }
      const s = summarise(out, N);
      totals.push([name, s.perLogin]);
      console.log(`\n== ${name}\n${s.text}`);
    }
  } finally {
    await processes.stop(emulator.child);
  }
  console.log(`\nuserinfo callbacks at c50, ${N} sampled after 500 warm-up; ${CPU ? 'µs of CPU (busy samples)' : 'KB allocated'} per login:`);
  for (const [name, v] of totals) console.log(`  ${v.toFixed(1).padStart(7)}  ${name}`);
}

main().then(() => { processes.killAllNow(); process.exit(0); }, (err) => {
  console.error(`[alloc] FAILED: ${err && err.stack ? err.stack : err}`);
  processes.killAllNow();
  process.exit(1);
});
