#!/usr/bin/env node
'use strict';
// Benchmark orchestrator: `npm run bench` (full run, writes
// bench/results/latest.{md,json}) or `npm run bench -- --quick` (CI smoke,
// writes bench/results/quick.{md,json}). Options:
//   --quick      1 round, ~50 logins per point, no soak, a short import check
//   --profile    start our contestant and the floor with --cpu-prof (profiles in
//                bench/.tmp/prof); skips the soak. Results are then distorted by
//                the profiler: look at the profiles, not at the figures
//   --only=a,b   run only these workloads (userinfo, base, authorize, and the
//                other surfaces' rows: wecom, wecom-member, miniprogram)
//   --concurrency=50   run only this concurrency (1 or 50)
//   --no-soak    skip the memory soak
//   --rtt=MS[,MS]  only the network-delay rows: userinfo and base callbacks
//                through a relay (bench/relay.js) that delays each direction
//                by MS/2; a full run includes them at 5 and 30 ms
//   --no-rtt     skip the network-delay rows
//   --no-redis   skip the Redis rows, standalone and cluster (also skipped,
//                with a notice, when redis-server is not installed, unless
//                REQUIRE_REDIS=1)
//   --no-redis-cluster  skip only the Redis Cluster row (3 masters the bench
//                starts; skipped with a notice without redis-cli)
//   --build      compile lib/ into the run's package snapshot (snapshot.js)
//                instead of copying dist/cjs
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
  ? { rounds: 1, n: { c1: 30, c50: 50 }, nAuthorize: { c1: 30, c50: 50 }, warmup: { c1: 10, c50: 50 }, chunk: { c1: 30, c50: 50 }, roundWarmup: { c1: 2, c50: 10 }, importRuns: 1, soak: null }
  : { rounds: 5, n: { c1: 300, c50: 2000 }, nAuthorize: { c1: 1000, c50: 4000 }, warmup: { c1: 100, c50: 400 }, chunk: { c1: 300, c50: 400 }, roundWarmup: { c1: 10, c50: 100 }, importRuns: 7,
    soak: { logins: 20000, chunk: 2000, concurrency: 50 } };
// Network-delay rows (--rtt): fewer logins, since each one waits for real round trips.
const RTT_CONFIG = QUICK
  ? { rounds: 1, n: { c1: 10, c50: 50 }, warmup: { c1: 3, c50: 20 }, chunk: { c1: 10, c50: 50 }, roundWarmup: { c1: 0, c50: 0 } }
  : { rounds: 3, n: { c1: 50, c50: 500 }, warmup: { c1: 10, c50: 100 }, chunk: { c1: 50, c50: 500 }, roundWarmup: { c1: 3, c50: 50 } };
const RTT_ARG = args.find((a) => a.startsWith('--rtt='));
const RTT_ONLY = Boolean(RTT_ARG);
const RTTS = RTT_ARG
  ? RTT_ARG.slice('--rtt='.length).split(',').filter(Boolean).map(Number)
  : args.includes('--no-rtt') || PROFILE ? [] : QUICK ? [5] : [5, 30];
for (const rtt of RTTS) {
  if (!Number.isFinite(rtt) || rtt <= 0 || rtt > 1000) throw new Error(`--rtt: ${rtt} is not a round-trip time in ms (0 < MS <= 1000)`);
}
// The rows of the other login surfaces: this package's strategy for the surface
// beside a hand-written floor making the same upstream calls (no peer package
// covers them). `extra` joins the contestants' BENCH_CONTESTANT config.
//   wecom         WeComStrategy, profile 'ids': in-client login, auth/getuserinfo with the cached corp token
//   wecom-member  the same with profile 'member' (adds user/get)
//   miniprogram   WeChatMiniProgramStrategy: POST a code minted by the emulator, jscode2session
const SURFACES = {
  wecom: {
    scripts: { 'passport-wechat-oauth2': 'passport-wechat-oauth2-wecom', floor: 'floor-wecom' },
    extra: (info) => ({ wecom: info.apps.wecom, profile: 'ids' }),
  },
  'wecom-member': {
    scripts: { 'passport-wechat-oauth2': 'passport-wechat-oauth2-wecom', floor: 'floor-wecom' },
    extra: (info) => ({ wecom: info.apps.wecom, profile: 'member' }),
  },
  miniprogram: {
    scripts: { 'passport-wechat-oauth2': 'passport-wechat-oauth2-miniprogram', floor: 'floor-miniprogram' },
    app: (info) => info.apps.miniprogram,
    codeUser: (info) => info.user.key,
  },
};
const WORKLOADS = RTT_ONLY ? [] : ['userinfo', 'base', 'authorize', ...Object.keys(SURFACES)].filter((w) => ONLY.length === 0 || ONLY.includes(w));
const RTT_WORKLOADS = (QUICK ? ['userinfo'] : ['userinfo', 'base']).filter((w) => ONLY.length === 0 || ONLY.includes(w));
const WITH_REDIS = !args.includes('--no-redis') && !PROFILE && WORKLOADS.some((w) => w === 'userinfo' || w === 'base');
const WITH_REDIS_CLUSTER = WITH_REDIS && !args.includes('--no-redis-cluster');
const CLUSTER_MASTERS = 3;
const BUILD = args.includes('--build');
const ONLY_CONCURRENCY = Number((args.find((a) => a.startsWith('--concurrency=')) || '').slice('--concurrency='.length)) || 0;
const CONCURRENCIES = [1, 50].filter((c) => !ONLY_CONCURRENCY || c === ONLY_CONCURRENCY);
// The CI smoke run stays under a minute: one network-delay point (userinfo-rtt5-c1).
const RTT_CONCURRENCIES = QUICK ? [1] : CONCURRENCIES;
const NO_SOAK = args.includes('--no-soak');
const GLOBAL_TIMEOUT_MS = QUICK ? 4 * 60 * 1000 : 90 * 60 * 1000;
const ROUND_TRIPS = { userinfo: 2, base: 1 }; // WeChat calls per login, each one round trip once connections are warm
// MemoryDeduplicator's default settledMs (lib/coordination/dedupe.ts): how long the
// duplicate-callback memory keeps each login's outcome. The soak's RSS is judged
// from the first sample taken at least this long after its first timed login.
const DEDUPE_SETTLED_MS = 10000;

const log = (...a) => console.log('[bench]', ...a);
const { requireSelf } = require('./self');
const processes = require('./processes');
const harness = require('./harness');
const redis = require('./redis');
const { makeSnapshot } = require('./snapshot');

harness.installSafetyNet('bench', GLOBAL_TIMEOUT_MS);

// ---------------------------------------------------------------- setup
function ensureBenchDeps() {
  const need = ['passport-wechat', 'wechat-oauth'].filter((p) => !fs.existsSync(path.join(BENCH, 'node_modules', p, 'package.json')));
  if (need.length === 0) return;
  log(`installing bench devDependencies (missing: ${need.join(', ')}): npm ci --prefix bench`);
  execFileSync('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit', timeout: 180000 });
}

function ensureBuild() {
  if (BUILD) return; // the snapshot compiles lib/ itself
  const need = ['dist/cjs/index.js', 'dist/cjs/testing/index.js'].filter((f) => !fs.existsSync(path.join(ROOT, f)));
  if (need.length) {
    log(`dist/ is missing ${need.join(', ')}: npm run build`);
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 240000 });
  }
}

// The package must resolve by its own name, from the snapshot (see self.js).
function checkSelfResolves() {
  for (const id of ['passport-wechat-oauth2', 'passport-wechat-oauth2/testing', ...(WITH_REDIS ? ['passport-wechat-oauth2/redis'] : [])]) {
    try { requireSelf.resolve(id); } catch (err) {
      throw new Error(`cannot resolve ${id} from the package snapshot: ${err.message}`);
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
const { CONTESTANTS, OURS, REDIS_ROW, REDIS_CLUSTER_ROW } = require('./report');
const { Driver } = require('./driver');
const stats = require('./stats');

// `script`: the file under contestants/ when it is not the contestant's name (the SURFACES rows).
async function startContestant(name, { certs, app, scope, tag, profile, extra, script }) {
  const nodeArgs = ['--expose-gc'];
  if (profile) {
    fs.mkdirSync(path.join(TMP, 'prof'), { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.join(TMP, 'prof')}`, `--cpu-prof-name=${name}-${tag}.cpuprofile`);
  }
  const { child, port } = await harness.startContestant({
    script: path.join('contestants', `${script || name}.js`), certs, app, scope, nodeArgs, logName: `${name}-${tag}`, label: `contestant ${script || name}`, extra,
  });
  return { name, child, port };
}

// One batch of n logins (or /login redirects) against one contestant. Logins
// are prepared (untimed) and then timed in chunks, so that the contestant's
// upstream keep-alive connections never sit idle for longer than the
// emulator's keep-alive timeout (Node's default 5 s) while the driver prepares:
// an idle gap the real traffic would not have must not cost new connections.
async function batch(ctx, c, workload, n, chunkSize) {
  const out = { n: 0, latencies: [], wallMs: 0, prepareMs: 0, cpuMs: 0, errors: [], counters: stats.emptyCounters(), redisCommands: {}, redisByNode: {}, firstTimedAt: null };
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
      // The Redis rows: INFO commandstats of every server (the cluster's masters) before and
      // after, once the counts have settled (the outcome's SET may land after the answer).
      const redis0 = c.redisPorts ? await redis.settledCounts(c.redisPorts) : null;
      if (out.firstTimedAt === null) out.firstTimedAt = Date.now();
      res = await c.driver.timedCallbacks(items);
      if (redis0) {
        const redis1 = await redis.settledCounts(c.redisPorts);
        c.redisPorts.forEach((p, i) => {
          const d = redis.diffCounts(redis0[i], redis1[i]);
          out.redisCommands = redis.addCounts(out.redisCommands, d);
          out.redisByNode = redis.addCounts(out.redisByNode, { [`127.0.0.1:${p}`]: Object.values(d).reduce((a, b) => a + b, 0) });
        });
      }
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

// One workload at one concurrency, every contestant side by side. With `rtt`
// the contestants reach the emulator through ctx.relay (the point is then
// named userinfo-rtt30-c1 and so on); ctx.redis adds the Redis row, and
// ctx.redisCluster the Redis Cluster row, to the callback workloads on loopback.
async function runPoint(ctx, workload, concurrency, rtt = 0) {
  const point = rtt ? `${workload}-rtt${rtt}-c${concurrency}` : `${workload}-c${concurrency}`;
  const config = rtt ? RTT_CONFIG : CONFIG;
  const surface = SURFACES[workload];
  const scope = workload === 'base' || workload.startsWith('wecom') ? 'snsapi_base' : 'snsapi_userinfo';
  const key = `c${concurrency}`;
  const n = workload === 'authorize' ? config.nAuthorize[key] : config.n[key];
  const warmup = config.warmup[key];
  const chunk = workload === 'authorize' ? n : config.chunk[key];
  const roundWarmup = workload === 'authorize' ? 0 : config.roundWarmup[key];
  // The Redis rows: callback workloads on loopback (in the quick smoke run, userinfo only).
  const redisCallback = !rtt && (workload === 'userinfo' || (workload === 'base' && !QUICK));
  const redisRows = redisCallback ? [ctx.redis && REDIS_ROW, ctx.redisCluster && REDIS_CLUSTER_ROW].filter(Boolean) : [];
  const names = surface ? [OURS, 'floor'] : [OURS, ...redisRows, ...CONTESTANTS.slice(1)];
  const info = ctx.emulator.info;
  log(`${point}: starting contestants (scope ${scope}; ${config.rounds} round(s) × ${n} timed, warm-up ${warmup})`);
  const contestants = [];
  try {
    // Started side by side (each is idle until driven); the slowest start sets the pace.
    const started = await Promise.allSettled(names.map((name) => {
      const profile = PROFILE && (name === OURS || name === 'floor');
      const extra = surface ? surface.extra ? surface.extra(info) : {}
        : name === REDIS_ROW ? { redisURL: ctx.redis.url }
          : name === REDIS_CLUSTER_ROW ? { redisCluster: ctx.redisCluster.rootNodes.map((n) => n.url) } : {};
      const app = surface && surface.app ? surface.app(info) : ctx.app;
      const script = surface ? surface.scripts[name] : name === REDIS_CLUSTER_ROW ? REDIS_ROW : undefined;
      return startContestant(name, { certs: ctx.certs, app, scope, tag: point, profile, extra, script });
    }));
    for (const [i, s] of started.entries()) {
      if (s.status === 'rejected') continue;
      const c = s.value;
      c.driver = new Driver({ port: c.port, concurrency, ca: ctx.ca, emulatorPort: ctx.emulatorPort, codeUser: surface && surface.codeUser ? surface.codeUser(info) : undefined });
      c.redisPorts = names[i] === REDIS_ROW ? [ctx.redis.port] : names[i] === REDIS_CLUSTER_ROW ? ctx.redisCluster.ports : null;
      c.rounds = [];
      contestants.push(c);
    }
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (ctx.relay) await processes.ask(ctx.relay, 'reset');
    for (const c of contestants) {
      const w = await batch(ctx, c, workload, warmup, chunk);
      if (w.errors.length) throw new Error(`${point} ${c.name}: warm-up failed (${w.errors.length}/${w.n}): ${w.errors.filter(Boolean).join(' | ')}`);
    }
    for (let r = 0; r < config.rounds; r++) {
      for (const c of contestants) {
        // While the other contestants ran, this one's idle upstream
        // connections may have been closed by the emulator (keep-alive
        // timeout): a short untimed warm-up first, so new connections
        // counted below are those of steady state.
        if (roundWarmup) await batch(ctx, c, workload, roundWarmup, roundWarmup);
        const b = await batch(ctx, c, workload, n, chunk);
        c.rounds.push(b);
        const lps = b.n / (b.wallMs / 1000);
        log(`${point} round ${r + 1}/${config.rounds} ${c.name.padEnd(22)} ${lps.toFixed(0).padStart(6)} logins/s  p50 ${stats.percentile(b.latencies, 50).toFixed(2)} ms  p99 ${stats.percentile(b.latencies, 99).toFixed(2)} ms  upstream ${(b.counters.totalRequests / b.n).toFixed(2)}/login${surface && workload.startsWith('wecom') ? ` (gettoken ${b.counters.wecomGettoken})` : ''}  new conns ${b.counters.connections}  cpu ${(b.cpuMs / b.n).toFixed(3)} ms/login  (prep ${b.prepareMs} ms, timed ${b.wallMs.toFixed(0)} ms)${b.errors.length ? `  ERRORS ${b.errors.length}: ${b.errors.filter(Boolean).join(' | ')}` : ''}`);
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
      let redisCommands = {};
      let redisByNode = {};
      for (const b of c.rounds) {
        counters = stats.addCounters(counters, b.counters);
        logins += b.n;
        errors += b.errors.length;
        cpu += b.cpuMs;
        redisCommands = redis.addCounts(redisCommands, b.redisCommands);
        redisByNode = redis.addCounts(redisByNode, b.redisByNode);
      }
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
        ...(c.redisPorts ? {
          redisCommands,
          redisCommandsPerLogin: stats.round(Object.values(redisCommands).reduce((a, b) => a + b, 0) / logins, 4),
          // Commands per server (port), over the timed rounds: how the cluster row's keys spread over the masters.
          redisCommandsByNode: Object.fromEntries(c.redisPorts.map((p) => [`127.0.0.1:${p}`, redisByNode[`127.0.0.1:${p}`] || 0])),
        } : {}),
        rounds: c.rounds.map((b) => ({
          loginsPerSec: stats.round(b.n / (b.wallMs / 1000), 1),
          p50Ms: stats.round(stats.percentile(b.latencies, 50), 3),
          p99Ms: stats.round(stats.percentile(b.latencies, 99), 3),
        })),
      };
    }
    const floor = metrics.floor && metrics.floor.loginsPerSec;
    for (const m of Object.values(metrics)) m.ratioToFloor = floor ? m.loginsPerSec / floor : NaN;
    let network = null;
    if (rtt) {
      const relayStats = (await processes.ask(ctx.relay, 'stats')).stats;
      network = {
        rttMs: rtt, workload, concurrency, roundTrips: ROUND_TRIPS[workload], physicalLimitMs: ROUND_TRIPS[workload] * rtt,
        // What the relay actually applied (timers run on whole milliseconds; see relay.js).
        effectiveRttMs: relayStats.holdMeanMs === null ? null : stats.round(2 * relayStats.holdMeanMs, 3),
        relay: relayStats,
      };
    }
    return { point, metrics, details, network };
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
  let firstTimedAt = null; // when the soak's first timed callback was sent
  try {
    for (let done = 0; done < logins; done += chunk) {
      const res = await batch(ctx, { driver, child: c.child }, 'userinfo', chunk, CONFIG.chunk.c50);
      errors += res.errors.length;
      if (firstTimedAt === null) firstTimedAt = res.firstTimedAt;
      const raw = stats.processMemory(c.child.pid);
      const elapsedMs = Date.now() - firstTimedAt;
      const cleared = await driver.post('/__bench/clear-sessions');
      if (cleared.status !== 200) throw new Error(`soak: clear-sessions answered ${cleared.status}`);
      const memRes = await driver.app('/__bench/mem');
      const mem = JSON.parse(memRes.body).memory;
      const s = {
        logins: done + chunk,
        elapsedS: elapsedMs / 1000,
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
  // RSS is judged from the duplicate-callback memory's steady state: the first
  // sample read at least settledMs after the first timed login, when the
  // memory holds a full window of outcomes (each one evicted settledMs after it
  // was stored; MemoryDeduplicator's 10,000-entry cap can only make that
  // sooner), to the end. The floor's soak uses the same rule.
  const first = samples[0];
  const start = samples.find((x) => x.elapsedS * 1000 >= DEDUPE_SETTLED_MS) || null;
  const last = samples[samples.length - 1];
  return {
    contestant: name, logins, chunk, concurrency, samples, errors,
    settledMs: DEDUPE_SETTLED_MS,
    start: start ? { logins: start.logins, elapsedS: start.elapsedS } : null,
    rssAtStartMB: start ? start.rssMB : null, rssAtEndMB: last.rssMB,
    growthPct: start ? ((last.rssMB - start.rssMB) / start.rssMB) * 100 : null,
    heapAtStartMB: start ? start.heapUsedMB : null, heapAtEndMB: last.heapUsedMB,
    // For comparison with runs before the steady-state rule: from the first sample.
    rssAtFirstMB: first.rssMB, growthFromFirstPct: ((last.rssMB - first.rssMB) / first.rssMB) * 100,
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
// The Redis row's server, or null (with the reason in results.redis) when redis-server is missing.
async function maybeStartRedis(results) {
  if (!WITH_REDIS) return null;
  if (!redis.REDIS_BIN) {
    if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)');
    log('redis-server is not installed: the Redis rows are skipped (apt-get install redis-server)');
    results.redis = { skipped: 'redis-server is not installed' };
    return null;
  }
  const server = await redis.startRedis({ logFile: path.join(TMP, 'logs', 'redis-server.log') });
  log(`redis-server ready at ${server.url} (no persistence) for the Redis row`);
  results.redis = { server: redis.REDIS_BIN };
  return server;
}

// The Redis Cluster row's 3 masters, or null (with the reason in results.redis.cluster).
async function maybeStartRedisCluster(results) {
  if (!WITH_REDIS_CLUSTER || !redis.REDIS_BIN) return null;
  if (!redis.REDIS_CLI) {
    if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1 but redis-cli is not installed next to redis-server (apt-get install redis-tools)');
    log('redis-cli is not installed: the Redis Cluster row is skipped (apt-get install redis-tools)');
    results.redis.cluster = { skipped: 'redis-cli is not installed' };
    return null;
  }
  const t0 = Date.now();
  const cluster = await redis.startRedisCluster({ masters: CLUSTER_MASTERS, logDir: path.join(TMP, 'logs') });
  const startMs = Date.now() - t0;
  log(`Redis Cluster ready in ${startMs} ms: ${CLUSTER_MASTERS} masters at 127.0.0.1:${cluster.ports.join(', ')} (no replicas, no persistence) for the Redis Cluster row`);
  results.redis.cluster = { masters: CLUSTER_MASTERS, ports: cluster.ports, startMs };
  return cluster;
}

async function startRelay(rtt, targetPort) {
  const { child } = await processes.startChild({
    script: path.join(BENCH, 'relay.js'),
    cwd: BENCH,
    env: { BENCH_RELAY: JSON.stringify({ rtt, listenPort: 443, targetPort, lifetimeMs: 30 * 60 * 1000 }) },
    logFile: path.join(TMP, 'logs', `relay-rtt${rtt}.log`),
    label: `relay 127.0.0.1:443 -> 127.0.0.1:${targetPort} (RTT ${rtt} ms)`,
  });
  return child;
}

function emulatorContext(emulator) {
  const app = emulator.info.apps.mp;
  log(`emulator ready at 127.0.0.1:${emulator.port} (${emulator.info.url}); app ${app.appID}; user ${emulator.info.user.key}`);
  return { certs: emulator.certs, emulator, app, ca: emulator.ca, emulatorPort: emulator.port === 443 ? null : emulator.port };
}

async function main() {
  const started = Date.now();
  log(`mode ${QUICK ? 'quick' : 'full'}; node ${process.version}; ${os.cpus().length} CPUs`);
  ensureBenchDeps();
  ensureBuild();
  const snapshot = makeSnapshot({ build: BUILD, log });
  log(`package under test: ${snapshot.source} at commit ${snapshot.commit}${snapshot.libDirty ? ' (lib/ had uncommitted changes)' : ''}`);
  checkSelfResolves();
  checkPort443();

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: (os.cpus()[0] && os.cpus()[0].model || '').trim(),
    // A run with filters writes partial.{md,json}: latest.* is only ever a whole run.
    mode: QUICK ? 'quick' : PROFILE ? 'profile' : ONLY.length || ONLY_CONCURRENCY || NO_SOAK || RTT_ONLY || args.includes('--no-rtt') || args.includes('--no-redis') || args.includes('--no-redis-cluster') ? 'partial' : 'full',
    package: { commit: snapshot.commit, libDirty: snapshot.libDirty, source: snapshot.source },
    config: { rounds: CONFIG.rounds, n: CONFIG.n, nAuthorize: CONFIG.nAuthorize, warmup: CONFIG.warmup, roundWarmup: CONFIG.roundWarmup, chunk: CONFIG.chunk },
    rttConfig: RTTS.length ? { rtts: RTTS, ...RTT_CONFIG } : null,
    workloads: {},
    details: {},
    network: {},
  };
  // Each finished point is also written to in-progress.{md,json} at once, so a
  // run that cannot finish (deadline, crash) still leaves what it measured.
  const { write } = require('./report');
  const record = ({ point, metrics, details, network }) => {
    results.workloads[point] = metrics;
    results.details[point] = details;
    if (network) results.network[point] = network;
    write({ ...results, mode: 'in-progress' }, RESULTS);
  };
  let emulator = null;
  let redisServer = null;
  let redisCluster = null;
  let relay = null;
  try {
    if (RTTS.length && RTT_WORKLOADS.length) {
      // First, so that a run cut short still has them (in-progress.*). The emulator
      // sits on a free port and the relay takes 443, the port the contestants' default URLs use.
      emulator = await harness.startTlsEmulator({ port: 0, logName: 'emulator-rtt' });
      const ctx = emulatorContext(emulator);
      for (const rtt of RTTS) {
        relay = await startRelay(rtt, emulator.port);
        log(`relay on 127.0.0.1:443 -> 127.0.0.1:${emulator.port}, RTT ${rtt} ms (${rtt / 2} ms each way)`);
        ctx.relay = relay;
        for (const workload of RTT_WORKLOADS) {
          for (const concurrency of RTT_CONCURRENCIES) record(await runPoint(ctx, workload, concurrency, rtt));
        }
        await processes.stop(relay);
        relay = null;
      }
      await processes.stop(emulator.child);
      emulator = null;
    }
    if (WORKLOADS.length) {
      emulator = await harness.startTlsEmulator();
      const ctx = emulatorContext(emulator);
      ctx.redis = redisServer = await maybeStartRedis(results);
      ctx.redisCluster = redisCluster = redisServer ? await maybeStartRedisCluster(results) : null;
      for (const workload of WORKLOADS) {
        for (const concurrency of CONCURRENCIES) record(await runPoint(ctx, workload, concurrency));
      }
      if (redisServer) { await redisServer.stop(); redisServer = null; }
      if (redisCluster) { await redisCluster.stop(); redisCluster = null; }
      if (CONFIG.soak && !PROFILE && !NO_SOAK && WORKLOADS.includes('userinfo')) {
        results.soak = await soak(ctx, OURS);
        results.soakFloor = await soak(ctx, 'floor'); // reference: what the app setup alone does
      }
      await processes.stop(emulator.child);
      emulator = null;
    }
  } finally {
    if (relay) await processes.stop(relay);
    if (emulator) await processes.stop(emulator.child);
    if (redisServer) await redisServer.stop();
    if (redisCluster) await redisCluster.stop();
  }
  if (!RTT_ONLY) {
    log('import cost');
    results.importCost = importCost();
  }

  const { table, networkTable, targets } = require('./report');
  const { files } = write(results, RESULTS);
  for (const ext of ['md', 'json']) fs.rmSync(path.join(RESULTS, `in-progress.${ext}`), { force: true });
  console.log('\n' + table(results) + '\n\n' + networkTable(results) + '\n\n' + targets(results) + '\n');
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
