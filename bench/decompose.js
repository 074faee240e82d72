#!/usr/bin/env node
'use strict';
// Where the gap between this strategy and the floor comes from, measured side
// by side: `node bench/decompose.js [rounds] [logins per round] [--build]` (as
// root, like the bench). Three contestants take turns (A B C, then C B A, ...) on
// snsapi_userinfo callbacks at c50 against the TLS emulator:
//   floor                    the benchmark's floor
//   floor + Passport         the floor's GETs, user logged in with req.login()
//                            in the Passport app setup (contestants/diagnostic)
//   passport-wechat-oauth2   this package, as in the benchmark
// and the app process's CPU per callback and logins/s are reported as medians.
// floor -> floor + Passport is Passport's share; floor + Passport -> ours is
// the strategy's (passport-oauth2, axios, this package).
const path = require('node:path');
const processes = require('./processes');
const { Driver } = require('./driver');
const stats = require('./stats');
const { installSafetyNet, startTlsEmulator, startContestant, cpuMs } = require('./harness');
const { makeSnapshot } = require('./snapshot');

if (process.argv.includes('--help')) {
  console.log(`node bench/decompose.js [rounds=10] [logins per round=1000] [options]   (as root)
  --build                     compile lib/ into the run's snapshot instead of copying dist/cjs
  --variant=NAME=DIR          one more contestant: this package loaded from DIR (bench/variant.js builds one)
  --contestant=NAME=SCRIPT    one more contestant script under bench/
  --diagnostics               one more contestant: this package with a subscriber on every diagnostics
                              channel (docs/diagnostics.md), beside the package with none`);
  process.exit(0);
}
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const ROUNDS = Number(positional[0] || 10);
const N = Number(positional[1] || 1000);
// --build: compile lib/ into the run's snapshot instead of copying dist/cjs (see snapshot.js).
const BUILD = process.argv.includes('--build');
// --variant=NAME=DIR (repeatable): one more contestant, this package's contestant
// loading the package from DIR (a directory with package.json, dist/cjs and
// node_modules, e.g. a snapshot compiled from a patched copy of lib/), to
// measure a proposed change side by side without touching lib/.
const VARIANTS = process.argv.filter((a) => a.startsWith('--variant=')).map((a) => {
  const [name, dir] = a.slice('--variant='.length).split('=');
  if (!name || !dir) throw new Error(`--variant: expected NAME=DIR, got ${a}`);
  return [name, 'contestants/passport-wechat-oauth2.js', { BENCH_SELF_ROOT: path.resolve(dir) }];
});
// --contestant=NAME=SCRIPT (repeatable): one more contestant script under
// bench/, e.g. contestants/diagnostic/floor-passport-strategy.js.
const EXTRA = process.argv.filter((a) => a.startsWith('--contestant=')).map((a) => {
  const [name, script] = a.slice('--contestant='.length).split('=');
  if (!name || !script) throw new Error(`--contestant: expected NAME=SCRIPT, got ${a}`);
  return [name, script];
});
// --diagnostics: this package again, with a subscriber on every diagnostics
// channel (what an APM or the example app's /metrics attaches), to show the
// cost of publishing beside the package with no subscriber (which builds nothing).
const DIAGNOSTICS = process.argv.includes('--diagnostics')
  ? [['passport-wechat-oauth2 + subscriber', 'contestants/passport-wechat-oauth2.js', { BENCH_DIAGNOSTICS: '1' }]]
  : [];
const CONCURRENCY = 50;
const CONTESTANTS = [
  ['floor', 'contestants/floor.js'],
  ['floor + Passport', 'contestants/diagnostic/floor-passport.js'],
  ...EXTRA,
  ['passport-wechat-oauth2', 'contestants/passport-wechat-oauth2.js'],
  ...VARIANTS,
  ...DIAGNOSTICS,
];

installSafetyNet('decompose', 20 * 60 * 1000);

async function main() {
  const snap = makeSnapshot({ build: BUILD, log: (m) => console.log(`[decompose] ${m}`) });
  console.log(`[decompose] package: ${snap.source} at commit ${snap.commit}${snap.libDirty ? ' (lib/ had uncommitted changes)' : ''}`);
  const emulator = await startTlsEmulator({ logName: 'decompose-emulator' });
  const app = emulator.info.apps.mp;
  const contestants = [];
  for (const [name, script, env] of CONTESTANTS) {
    const { child, port } = await startContestant({
      script, certs: emulator.certs, app, scope: 'snsapi_userinfo', logName: `decompose-${name.replace(/[^\w.-]+/g, '_')}`, label: name, env,
    });
    contestants.push({ name, child, driver: new Driver({ port, concurrency: CONCURRENCY, ca: emulator.ca }), cpu: [], lps: [], round: [], errors: 0 });
  }
  const run = async (c, n) => {
    const items = await c.driver.prepare(n);
    const before = await cpuMs(c.child);
    const res = await c.driver.timedCallbacks(items);
    const cpu = (await cpuMs(c.child)) - before;
    return { cpuPerLogin: cpu / res.n, loginsPerSec: res.n / (res.wallMs / 1000), errors: res.errors };
  };
  try {
    // Warm-ups are not judged: a keep-alive connection the emulator closed
    // while this contestant sat idle can fail one login of a contestant that
    // does not retry (the floors).
    for (const c of contestants) await run(c, 500);
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of r % 2 ? [...contestants].reverse() : contestants) {
        await run(c, 100);
        const m = await run(c, N);
        c.cpu.push(m.cpuPerLogin);
        c.lps.push(m.loginsPerSec);
        c.round.push(m.loginsPerSec);
        c.errors += m.errors.length;
        if (m.errors.length > N / 100) throw new Error(`${c.name}: ${m.errors.length} of ${N} logins failed (${m.errors.slice(0, 3).join(' | ')})`);
      }
    }
  } finally {
    for (const c of contestants) c.driver.close();
    await Promise.all([...contestants.map((c) => processes.stop(c.child)), processes.stop(emulator.child)]);
  }
  const floor = contestants[0];
  const floorCpu = stats.median(floor.cpu);
  const floorLps = stats.median(floor.lps);
  console.log(`\nuserinfo callbacks at c${CONCURRENCY}, ${ROUNDS} rounds × ${N}, medians (app process only)\n`);
  // Paired: each round's logins/s over the floor's in the same round (the
  // contestants of a round run back to back), then the median over rounds.
  // On a shared machine whose speed drifts between rounds this moves less
  // than the ratio of the two separate medians.
  console.log('| contestant | app CPU ms/login | logins/s | × floor (logins/s) | × floor, paired by round | floor CPU ÷ CPU | failed logins |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const c of contestants) {
    const cpu = stats.median(c.cpu);
    const lps = stats.median(c.lps);
    const paired = stats.median(c.round.map((v, i) => v / floor.round[i]));
    console.log(`| ${c.name} | ${cpu.toFixed(3)} | ${lps.toFixed(0)} | ${(lps / floorLps).toFixed(2)} | ${paired.toFixed(2)} | ${(floorCpu / cpu).toFixed(2)} | ${c.errors} |`);
  }
}

main().then(() => {
  processes.killAllNow();
  process.exit(0);
}, (err) => {
  console.error(`[decompose] FAILED: ${err && err.stack ? err.stack : err}`);
  processes.killAllNow();
  process.exit(1);
});
