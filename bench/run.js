#!/usr/bin/env node
'use strict';
// Benchmark orchestrator: `npm run bench` (full run, writes
// bench/results/latest.{md,json}) or `npm run bench -- --quick` (CI smoke,
// writes bench/results/quick.{md,json}). Options:
//   --quick      1 round, ~50 logins per point, no soak, a short import check
//   --profile    start our contestant and the floor with --cpu-prof (profiles in
//                bench/.tmp/prof); skips the soak. Results are then distorted by
//                the profiler: look at the profiles, not at the figures
//   --only=a,b   run only these workloads (userinfo, base, authorize)
//   --concurrency=50   run only this concurrency (1 or 50)
//   --no-soak    skip the memory soak
// See bench/README.md.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const TMP = path.join(BENCH, '.tmp');
const RESULTS = path.join(BENCH, 'results');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const PROFILE = args.includes('--profile');
const ONLY = (args.find((a) => a.startsWith('--only=')) || '').slice('--only='.length).split(',').filter(Boolean);

const CONFIG = QUICK
  ? { rounds: 1, n: { c1: 30, c50: 50 }, nAuthorize: { c1: 30, c50: 50 }, warmup: { c1: 10, c50: 50 }, chunk: { c1: 30, c50: 50 }, roundWarmup: { c1: 0, c50: 0 }, importRuns: 2, soak: null }
  : { rounds: 5, n: { c1: 300, c50: 2000 }, nAuthorize: { c1: 1000, c50: 4000 }, warmup: { c1: 100, c50: 400 }, chunk: { c1: 300, c50: 400 }, roundWarmup: { c1: 10, c50: 100 }, importRuns: 7,
    soak: { logins: 20000, chunk: 2000, concurrency: 50 } };
const WORKLOADS = ['userinfo', 'base', 'authorize'].filter((w) => ONLY.length === 0 || ONLY.includes(w));
const ONLY_CONCURRENCY = Number((args.find((a) => a.startsWith('--concurrency=')) || '').slice('--concurrency='.length)) || 0;
const CONCURRENCIES = [1, 50].filter((c) => !ONLY_CONCURRENCY || c === ONLY_CONCURRENCY);
const NO_SOAK = args.includes('--no-soak');
const GLOBAL_TIMEOUT_MS = QUICK ? 4 * 60 * 1000 : 90 * 60 * 1000;

const log = (...a) => console.log('[bench]', ...a);
const { requireSelf } = require('./self');
const processes = require('./processes');
const harness = require('./harness');

harness.installSafetyNet('bench', GLOBAL_TIMEOUT_MS);

// ---------------------------------------------------------------- setup
function ensureBenchDeps() {
  const need = ['passport-wechat', 'wechat-oauth'].filter((p) => !fs.existsSync(path.join(BENCH, 'node_modules', p, 'package.json')));
  if (need.length === 0) return;
  log(`installing bench devDependencies (missing: ${need.join(', ')}): npm ci --prefix bench`);
  execFileSync('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit', timeout: 180000 });
}

function ensureBuild() {
  const need = ['dist/cjs/index.js', 'dist/cjs/testing/index.js'].filter((f) => !fs.existsSync(path.join(ROOT, f)));
  if (need.length) {
    log(`dist/ is missing ${need.join(', ')}: npm run build`);
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 240000 });
  }
  // The package must resolve by its own name from bench/ (self-reference).
  for (const id of ['passport-wechat-oauth2', 'passport-wechat-oauth2/testing']) {
    try { requireSelf.resolve(id); } catch (err) {
      throw new Error(`cannot resolve ${id} from bench/: ${err.message}`);
    }
  }
}

function checkPort443() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the emulator must listen on 127.0.0.1:443 (the default WeChat port): run the bench as root');
  }
}

// ---------------------------------------------------------------- emulator
const { cpuMs } = harness;

async function emulatorCounters(emulator) {
  const msg = await processes.ask(emulator.child, 'stats');
  return msg.stats;
}

// ---------------------------------------------------------------- contestants
const { CONTESTANTS, OURS } = require('./report');
const { Driver } = require('./driver');
const stats = require('./stats');

async function startContestant(name, { certs, app, scope, tag, profile }) {
  const nodeArgs = ['--expose-gc'];
  if (profile) {
    fs.mkdirSync(path.join(TMP, 'prof'), { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.join(TMP, 'prof')}`, `--cpu-prof-name=${name}-${tag}.cpuprofile`);
  }
  const { child, port } = await harness.startContestant({
    script: path.join('contestants', `${name}.js`), certs, app, scope, nodeArgs, logName: `${name}-${tag}`, label: `contestant ${name}`,
  });
  return { name, child, port };
}

// One batch of n logins (or /login redirects) against one contestant. Logins
// are prepared (untimed) and then timed in chunks, so that the contestant's
// upstream keep-alive connections never sit idle for longer than the
// emulator's keep-alive timeout (Node's default 5 s) while the driver prepares:
// an idle gap the real traffic would not have must not cost new connections.
async function batch(ctx, c, workload, n, chunkSize) {
  const out = { n: 0, latencies: [], wallMs: 0, prepareMs: 0, cpuMs: 0, errors: [], counters: stats.emptyCounters() };
  for (let done = 0; done < n; done += chunkSize) {
    const k = Math.min(chunkSize, n - done);
    let res;
    let before;
    let cpu0;
    if (workload === 'authorize') {
      before = await emulatorCounters(ctx.emulator);
      cpu0 = await cpuMs(c.child);
      res = await c.driver.timedAuthorize(k);
    } else {
      const p0 = Date.now();
      const items = await c.driver.prepare(k);
      out.prepareMs += Date.now() - p0;
      before = await emulatorCounters(ctx.emulator);
      cpu0 = await cpuMs(c.child);
      res = await c.driver.timedCallbacks(items);
    }
    out.cpuMs += (await cpuMs(c.child)) - cpu0;
    const after = await emulatorCounters(ctx.emulator);
    out.n += res.n;
    out.latencies.push(...res.latencies);
    out.wallMs += res.wallMs;
    out.errors.push(...res.errors);
    out.counters = stats.addCounters(out.counters, stats.diffCounters(before, after));
  }
  return out;
}

async function runPoint(ctx, workload, concurrency) {
  const point = `${workload}-c${concurrency}`;
  const scope = workload === 'base' ? 'snsapi_base' : 'snsapi_userinfo';
  const key = `c${concurrency}`;
  const n = workload === 'authorize' ? CONFIG.nAuthorize[key] : CONFIG.n[key];
  const warmup = CONFIG.warmup[key];
  const chunk = workload === 'authorize' ? n : CONFIG.chunk[key];
  const roundWarmup = workload === 'authorize' ? 0 : CONFIG.roundWarmup[key];
  log(`${point}: starting contestants (scope ${scope}; ${CONFIG.rounds} round(s) × ${n} timed, warm-up ${warmup})`);
  const contestants = [];
  try {
    for (const name of CONTESTANTS) {
      const profile = PROFILE && (name === OURS || name === 'floor');
      const c = await startContestant(name, { certs: ctx.certs, app: ctx.app, scope, tag: point, profile });
      c.driver = new Driver({ port: c.port, concurrency, ca: ctx.ca });
      c.rounds = [];
      contestants.push(c);
    }
    for (const c of contestants) {
      const w = await batch(ctx, c, workload, warmup, chunk);
      if (w.errors.length) throw new Error(`${point} ${c.name}: warm-up failed (${w.errors.length}/${w.n}): ${w.errors.filter(Boolean).join(' | ')}`);
    }
    for (let r = 0; r < CONFIG.rounds; r++) {
      for (const c of contestants) {
        // While the other contestants ran, this one's idle upstream
        // connections may have been closed by the emulator (keep-alive
        // timeout): a short untimed warm-up first, so new connections
        // counted below are those of steady state.
        if (roundWarmup) await batch(ctx, c, workload, roundWarmup, roundWarmup);
        const b = await batch(ctx, c, workload, n, chunk);
        c.rounds.push(b);
        const lps = b.n / (b.wallMs / 1000);
        log(`${point} round ${r + 1}/${CONFIG.rounds} ${c.name.padEnd(22)} ${lps.toFixed(0).padStart(6)} logins/s  p50 ${stats.percentile(b.latencies, 50).toFixed(2)} ms  p99 ${stats.percentile(b.latencies, 99).toFixed(2)} ms  upstream ${(b.counters.totalRequests / b.n).toFixed(2)}/login  new conns ${b.counters.connections}  cpu ${(b.cpuMs / b.n).toFixed(3)} ms/login  (prep ${b.prepareMs} ms, timed ${b.wallMs.toFixed(0)} ms)${b.errors.length ? `  ERRORS ${b.errors.length}: ${b.errors.filter(Boolean).join(' | ')}` : ''}`);
      }
    }
    const metrics = {};
    const details = {};
    for (const c of contestants) {
      const mem = stats.processMemory(c.child.pid);
      let counters = stats.emptyCounters();
      let logins = 0;
      let errors = 0;
      let cpu = 0;
      for (const b of c.rounds) { counters = stats.addCounters(counters, b.counters); logins += b.n; errors += b.errors.length; cpu += b.cpuMs; }
      metrics[c.name] = {
        loginsPerSec: stats.median(c.rounds.map((b) => b.n / (b.wallMs / 1000))),
        p50Ms: stats.median(c.rounds.map((b) => stats.percentile(b.latencies, 50))),
        p99Ms: stats.median(c.rounds.map((b) => stats.percentile(b.latencies, 99))),
        upstreamPerLogin: counters.totalRequests / logins,
        newConnectionsPerLogin: counters.connections / logins,
        peakRssMB: mem.peakRssMB,
      };
      details[c.name] = {
        logins,
        errors,
        cpuMsPerLogin: stats.round(cpu / logins, 4),
        emulatorCpuMsPerLogin: stats.round(counters.emulatorCpuMs / logins, 4),
        errorSamples: [...new Set(c.rounds.flatMap((b) => b.errors.filter(Boolean)))].slice(0, 5),
        counters,
        rounds: c.rounds.map((b) => ({
          loginsPerSec: stats.round(b.n / (b.wallMs / 1000), 1),
          p50Ms: stats.round(stats.percentile(b.latencies, 50), 3),
          p99Ms: stats.round(stats.percentile(b.latencies, 99), 3),
        })),
      };
    }
    const floor = metrics.floor && metrics.floor.loginsPerSec;
    for (const m of Object.values(metrics)) m.ratioToFloor = floor ? m.loginsPerSec / floor : NaN;
    return { point, metrics, details };
  } finally {
    for (const c of contestants) c.driver.close();
    await Promise.all(contestants.map((c) => processes.stop(c.child)));
  }
}

// ---------------------------------------------------------------- soak
async function soak(ctx, name) {
  const { logins, chunk, concurrency } = CONFIG.soak;
  log(`soak: ${logins} userinfo logins at c${concurrency} through ${name}`);
  const c = await startContestant(name, { certs: ctx.certs, app: ctx.app, scope: 'snsapi_userinfo', tag: 'soak', profile: false });
  const driver = new Driver({ port: c.port, concurrency, ca: ctx.ca });
  const samples = [];
  let errors = 0;
  try {
    for (let done = 0; done < logins; done += chunk) {
      const res = await batch(ctx, { driver, child: c.child }, 'userinfo', chunk, CONFIG.chunk.c50);
      errors += res.errors.length;
      const raw = stats.processMemory(c.child.pid);
      const cleared = await driver.post('/__bench/clear-sessions');
      if (cleared.status !== 200) throw new Error(`soak: clear-sessions answered ${cleared.status}`);
      const memRes = await driver.app('/__bench/mem');
      const mem = JSON.parse(memRes.body).memory;
      const s = {
        logins: done + chunk,
        rssMB: raw.rssMB,
        rssAfterGcMB: stats.processMemory(c.child.pid).rssMB,
        heapUsedMB: mem.heapUsed / 1048576,
        loginsPerSec: res.n / (res.wallMs / 1000),
      };
      samples.push(s);
      log(`soak ${name} ${String(s.logins).padStart(6)} logins: RSS ${s.rssMB.toFixed(1)} MB, after GC ${s.rssAfterGcMB.toFixed(1)} MB, heap ${s.heapUsedMB.toFixed(1)} MB, ${s.loginsPerSec.toFixed(0)} logins/s${res.errors.length ? `, ERRORS ${res.errors.length}: ${res.errors.filter(Boolean).join(' | ')}` : ''}`);
    }
  } finally {
    driver.close();
    await processes.stop(c.child);
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  return {
    contestant: name, logins, chunk, concurrency, samples, errors,
    rssAt2000MB: first.rssMB, rssAtEndMB: last.rssMB, growthPct: ((last.rssMB - first.rssMB) / first.rssMB) * 100,
    heapAt2000MB: first.heapUsedMB, heapAtEndMB: last.heapUsedMB,
  };
}

// ---------------------------------------------------------------- import cost
function importCost() {
  const names = [OURS, 'passport-wechat', 'wechat-oauth'];
  const runs = {};
  for (const n of names) runs[n] = [];
  const baseline = [];
  for (let i = 0; i < CONFIG.importRuns; i++) {
    for (const n of names) {
      const out = execFileSync(process.execPath, [path.join(BENCH, 'import-cost.js'), n], { cwd: BENCH, env: processes.cleanEnv({}), timeout: 30000 });
      runs[n].push(JSON.parse(out.toString()));
    }
    const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))'], { timeout: 30000 });
    baseline.push(Number(out.toString()) / 1048576);
  }
  const packages = {};
  for (const n of names) {
    packages[n] = {
      ms: stats.median(runs[n].map((r) => r.ms)),
      rssMB: stats.median(runs[n].map((r) => r.rssMB)),
      rssDeltaMB: stats.median(runs[n].map((r) => r.rssDeltaMB)),
    };
  }
  return { runs: CONFIG.importRuns, baselineRssMB: stats.median(baseline), packages };
}

// ---------------------------------------------------------------- main
async function main() {
  const started = Date.now();
  log(`mode ${QUICK ? 'quick' : 'full'}; node ${process.version}; ${os.cpus().length} CPUs`);
  ensureBenchDeps();
  ensureBuild();
  checkPort443();
  const emulator = await harness.startTlsEmulator();
  const app = emulator.info.apps.mp;
  log(`emulator ready at 127.0.0.1:443 (${emulator.info.url}); app ${app.appID}; user ${emulator.info.user.key}`);
  const ctx = { certs: emulator.certs, emulator, app, ca: emulator.ca };

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: (os.cpus()[0] && os.cpus()[0].model || '').trim(),
    // A run with filters writes partial.{md,json}: latest.* is only ever a whole run.
    mode: QUICK ? 'quick' : PROFILE ? 'profile' : ONLY.length || ONLY_CONCURRENCY || NO_SOAK ? 'partial' : 'full',
    config: { rounds: CONFIG.rounds, n: CONFIG.n, nAuthorize: CONFIG.nAuthorize, warmup: CONFIG.warmup, roundWarmup: CONFIG.roundWarmup, chunk: CONFIG.chunk },
    workloads: {},
    details: {},
  };
  try {
    for (const workload of WORKLOADS) {
      for (const concurrency of CONCURRENCIES) {
        const { point, metrics, details } = await runPoint(ctx, workload, concurrency);
        results.workloads[point] = metrics;
        results.details[point] = details;
      }
    }
    if (CONFIG.soak && !PROFILE && !NO_SOAK && WORKLOADS.includes('userinfo')) {
      results.soak = await soak(ctx, OURS);
      results.soakFloor = await soak(ctx, 'floor'); // reference: what the app setup alone does
    }
  } finally {
    await processes.stop(emulator.child);
  }
  log('import cost');
  results.importCost = importCost();

  const { write, table, targets } = require('./report');
  const { files } = write(results, RESULTS);
  console.log('\n' + table(results) + '\n\n' + targets(results) + '\n');
  log(`wrote ${files.map((f) => path.relative(ROOT, f)).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const failed = Object.entries(results.details).flatMap(([point, byC]) =>
    Object.entries(byC).filter(([, d]) => d.errors > 0).map(([name, d]) => `${point} ${name}: ${d.errors} failed requests (${d.errorSamples.join(' | ')})`));
  for (const s of [results.soak, results.soakFloor]) if (s && s.errors) failed.push(`soak ${s.contestant}: ${s.errors} failed logins`);
  if (failed.length) {
    console.error(`[bench] FAILED: some logins failed:\n  ${failed.join('\n  ')}\n(contestant logs in bench/.tmp/logs/)`);
    process.exitCode = 1;
  }
}

main().then(() => {
  processes.killAllNow();
  process.exit(process.exitCode || 0);
}, (err) => {
  console.error(`[bench] FAILED: ${err && err.stack ? err.stack : err}`);
  processes.killAllNow();
  process.exit(1);
});
