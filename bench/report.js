'use strict';
// Turns the orchestrator's results into the printed table, latest.md and
// latest.json (quick.* in --quick mode).
const fs = require('node:fs');
const path = require('node:path');
const { round, median } = require('./stats');

const CONTESTANTS = ['passport-wechat-oauth2', 'passport-wechat', 'wechat-oauth', 'floor'];
const OURS = 'passport-wechat-oauth2';
const PEERS = ['passport-wechat', 'wechat-oauth'];
// This package with RedisSeenStore + RedisDeduplicator (callback workloads on loopback only).
const REDIS_ROW = 'passport-wechat-oauth2-redis';
// The same on a 3-master Redis Cluster the bench starts (node-redis createCluster).
const REDIS_CLUSTER_ROW = 'passport-wechat-oauth2-redis-cluster';
const REDIS_ROWS = [REDIS_ROW, REDIS_CLUSTER_ROW];
const ROWS = [OURS, ...REDIS_ROWS, ...PEERS, 'floor'];
// Targets at c1 under network delay: p50 within this many RTTs.
const RTT_TARGET = { userinfo: 2.3, base: 1.3 };
const FLOOR_P50_TARGET = 1.1;
// Upstream requests a login must make once warm (reported, not asserted). The
// other surfaces' rows (run.js SURFACES): a WeCom login with profile 'ids' is
// one auth/getuserinfo with the cached corp token (no gettoken), 'member' adds
// user/get; a Mini Program login is one jscode2session.
const UPSTREAM_PER_LOGIN = { userinfo: 2, base: 1, wecom: 1, 'wecom-member': 2, miniprogram: 1 };
const SURFACE_WORKLOADS = ['wecom', 'wecom-member', 'miniprogram'];
const isSurfacePoint = (point) => SURFACE_WORKLOADS.some((w) => point === `${w}-c1` || point === `${w}-c50`);
const isNetworkPoint = (point) => /-rtt\d/.test(point);

function fmt(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

function table(results) {
  const points = Object.entries(results.workloads).filter(([point]) => !isNetworkPoint(point));
  const head = '| workload | contestant | logins/s | p50 ms | p99 ms | upstream req/login | new TCP/TLS conn/login | peak RSS MB | × floor | app CPU ms/login | emulator CPU ms/login |';
  const sep = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const rows = [head, sep];
  for (const [point, byContestant] of points) {
    for (const name of ROWS) {
      const m = byContestant[name];
      if (!m) continue;
      const d = (results.details[point] && results.details[point][name]) || {};
      const err = d.errors;
      rows.push(`| ${point} | ${name === OURS ? `**${name}**` : name}${err ? ` ⚠ ${err} errors` : ''} | ${fmt(m.loginsPerSec, 0)} | ${fmt(m.p50Ms)} | ${fmt(m.p99Ms)} | ${fmt(m.upstreamPerLogin, 3)} | ${fmt(m.newConnectionsPerLogin, 3)} | ${fmt(m.peakRssMB, 1)} | ${fmt(m.ratioToFloor)} | ${fmt(d.cpuMsPerLogin, 3)} | ${fmt(d.emulatorCpuMsPerLogin, 3)} |`);
    }
  }
  return rows.join('\n');
}

function importTable(importCost) {
  if (!importCost) return '';
  const rows = ['| require(…) in a fresh process | time ms (median) | RSS after MB | RSS added MB |', '|---|--:|--:|--:|'];
  for (const [name, m] of Object.entries(importCost.packages)) {
    rows.push(`| \`${name}\` | ${fmt(m.ms, 1)} | ${fmt(m.rssMB, 1)} | ${fmt(m.rssDeltaMB, 1)} |`);
  }
  return rows.join('\n') + `\n\nMedian of ${importCost.runs} runs each, runs interleaved; \`node\` itself starts at about ${fmt(importCost.baselineRssMB, 1)} MB RSS.`;
}

function soakRows(soak) {
  const rows = ['| logins so far | s since first timed login | RSS MB | RSS after forced GC MB | heap used after GC MB | logins/s in chunk |', '|--:|--:|--:|--:|--:|--:|'];
  for (const s of soak.samples) {
    const mark = soak.start && s.logins === soak.start.logins ? ' (start)' : '';
    rows.push(`| ${s.logins}${mark} | ${fmt(s.elapsedS, 1)} | ${fmt(s.rssMB, 1)} | ${fmt(s.rssAfterGcMB, 1)} | ${fmt(s.heapUsedMB, 1)} | ${fmt(s.loginsPerSec, 0)} |`);
  }
  return rows.join('\n');
}

const pct = (x) => `${x >= 0 ? '+' : ''}${fmt(x, 1)} %`;

function soakSummary(soak) {
  if (!soak.start) {
    return `The soak ended ${fmt(soak.samples[soak.samples.length - 1].elapsedS, 1)} s after its first timed login, before the duplicate-callback `
      + `memory's ${soak.settledMs / 1000} s window had filled: no steady-state figure. From the first sample: ${fmt(soak.rssAtFirstMB, 1)} → `
      + `${fmt(soak.rssAtEndMB, 1)} MB, ${pct(soak.growthFromFirstPct)}. Errors: ${soak.errors}.`;
  }
  return `From the steady state (${soak.start.logins} logins, ${fmt(soak.start.elapsedS, 1)} s after the first timed login) to the end: RSS `
    + `${fmt(soak.rssAtStartMB, 1)} → ${fmt(soak.rssAtEndMB, 1)} MB, ${pct(soak.growthPct)}; heap used after GC ${fmt(soak.heapAtStartMB, 1)} → `
    + `${fmt(soak.heapAtEndMB, 1)} MB. (From the first sample, after ${soak.chunk} logins: ${fmt(soak.rssAtFirstMB, 1)} MB, ${pct(soak.growthFromFirstPct)}.) `
    + `Errors: ${soak.errors}.`;
}

function soakSection(results) {
  const soak = results.soak;
  if (!soak) return 'Not run (quick mode).';
  const out = [
    `${soak.logins} \`snsapi_userinfo\` logins at c${soak.concurrency} in one process, in chunks of ${soak.chunk}, through ${OURS} `
    + 'and, as a reference for what the app setup alone does, through the floor. After each chunk the driver reads VmRSS, empties the '
    + 'MemoryStore (the sessions a soak leaves behind are the app\'s, not the strategy\'s), forces a GC and reads RSS and heap again. '
    + 'The target is judged on VmRSS as read (no forced GC). RSS after a forced GC jumps around by tens of MB from sample to sample '
    + '(V8 and malloc give pages back, or not), so heap used after GC is the sharper leak signal.',
    '',
    `**Where the measurement starts.** The duplicate-callback memory (\`MemoryDeduplicator\`) keeps each login's outcome for its `
    + `settled window, \`settledMs\` = ${soak.settledMs / 1000} s, and evicts it after (at most 10,000 entries). Until that window has filled it grows `
    + 'with every login by design, so RSS growth over the first seconds is that memory filling, not a leak. The start is therefore the first '
    + `sample read at least ${soak.settledMs / 1000} s (wall clock) after the soak's first timed login: from then on the memory holds one window of `
    + 'outcomes and stays that size. Growth is measured from that sample to the last one (target: within 10 %); the floor\'s soak uses the '
    + 'same rule. The figure from the first sample is given beside it for comparison with earlier runs.',
    '',
    `**${OURS}**`,
    '',
    soakRows(soak),
    '',
    soakSummary(soak),
  ];
  if (results.soakFloor) out.push('', '**floor** (reference)', '', soakRows(results.soakFloor), '', soakSummary(results.soakFloor));
  return out.join('\n');
}

// The network-delay rows: latency in ms and in RTTs beside the physical limit.
function networkTable(results) {
  const points = Object.keys(results.network || {});
  if (points.length === 0) return '';
  const head = '| workload | contestant | p50 ms | p50 × RTT | p99 ms | p99 × RTT | p50 × floor p50 | logins/s | new conn/login | app CPU ms/login |';
  const rows = [head, '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|'];
  for (const point of points) {
    const net = results.network[point];
    const byContestant = results.workloads[point];
    const floorP50 = byContestant.floor && byContestant.floor.p50Ms;
    rows.push(`| ${point} | *physical limit: ${net.roundTrips} round trip${net.roundTrips > 1 ? 's' : ''}* | ${fmt(net.physicalLimitMs)} | ${fmt(net.roundTrips)} | | | | | | |`);
    for (const name of ROWS) {
      const m = byContestant[name];
      if (!m) continue;
      const d = (results.details[point] && results.details[point][name]) || {};
      rows.push(`| ${point} | ${name === OURS ? `**${name}**` : name}${d.errors ? ` ⚠ ${d.errors} errors` : ''} | ${fmt(m.p50Ms)} | ${fmt(m.p50Ms / net.rttMs)} | ${fmt(m.p99Ms)} | ${fmt(m.p99Ms / net.rttMs)} | ${fmt(floorP50 ? m.p50Ms / floorP50 : NaN)} | ${fmt(m.loginsPerSec, 0)} | ${fmt(m.newConnectionsPerLogin, 3)} | ${fmt(d.cpuMsPerLogin, 3)} |`);
    }
  }
  return rows.join('\n');
}

function networkSection(results) {
  const points = Object.keys(results.network || {});
  if (points.length === 0) return 'Not run.';
  const rtts = [...new Set(points.map((p) => results.network[p].rttMs))];
  const eff = rtts.map((rtt) => {
    const holds = points.filter((p) => results.network[p].rttMs === rtt).map((p) => results.network[p].effectiveRttMs).filter(Number.isFinite);
    return `${rtt} ms: ${holds.map((h) => fmt(h)).join(' / ')} ms`;
  });
  return [
    'The contestants reach the emulator through a TCP relay (`bench/relay.js`, its own process) on 127.0.0.1:443 that holds '
    + 'every chunk for RTT/2 in each direction; the emulator sits behind it on another port. TLS passes through unchanged, so '
    + 'a new connection pays its TCP and TLS round trips as on a real network; the contestants are not changed. The driver\'s '
    + 'own untimed authorize requests go round the relay. "× RTT" divides by the nominal RTT; the physical limit is the WeChat '
    + 'calls a login needs once connections are warm (userinfo 2, base 1), each one round trip; "× floor p50" divides by the '
    + 'floor\'s p50 at the same point. The relay\'s timers run on whole milliseconds; it corrects for that and reports the '
    + `RTT it actually applied (mean of its holds × 2), per point: ${eff.join('; ')}.`,
    '',
    networkTable(results),
  ].join('\n');
}

function redisSection(results) {
  const r = results.redis;
  if (!r) return 'Not run.';
  if (r.skipped) return `Not run: ${r.skipped}.`;
  const c = r.cluster;
  const rows = ['| workload | Redis | Redis commands per login (timed callbacks) | by command | logins/s: memory → Redis | p50 ms: memory → Redis | app CPU ms/login: memory → Redis |', '|---|---|--:|---|--:|--:|--:|'];
  for (const [point, byContestant] of Object.entries(results.details)) {
    for (const name of REDIS_ROWS) {
      const d = byContestant[name];
      if (!d) continue;
      const m = results.workloads[point][name];
      const o = results.workloads[point][OURS];
      const od = byContestant[OURS] || {};
      const by = Object.entries(d.redisCommands || {}).map(([k, v]) => `${k.toUpperCase()} ${fmt(v / d.logins, 3)}`).join(', ') || 'none';
      const nodes = Object.values(d.redisCommandsByNode || {});
      const where = name === REDIS_CLUSTER_ROW ? `cluster, ${nodes.length} masters${nodes.length ? ` (per master per login: ${nodes.map((v) => fmt(v / d.logins, 2)).join(' / ')})` : ''}` : 'standalone';
      rows.push(`| ${point} | ${where} | ${fmt(d.redisCommandsPerLogin, 3)} | ${by} | ${fmt(o && o.loginsPerSec, 0)} → ${fmt(m.loginsPerSec, 0)} | ${fmt(o && o.p50Ms)} → ${fmt(m.p50Ms)} | ${fmt(od.cpuMsPerLogin, 3)} → ${fmt(d.cpuMsPerLogin, 3)} |`);
    }
  }
  const clusterText = !c ? `The Redis Cluster row (**${REDIS_CLUSTER_ROW}**) was not run.`
    : c.skipped ? `The Redis Cluster row (**${REDIS_CLUSTER_ROW}**) was not run: ${c.skipped}.`
      : `**${REDIS_CLUSTER_ROW}** is the same contestant script with one node-redis \`createCluster({ rootNodes })\` client instead, against a `
      + `${c.masters}-master Redis Cluster (no replicas, no persistence) the bench starts on free 127.0.0.1 ports (cluster bus ports +10000 free too) `
      + `with \`redis-server --cluster-enabled yes\` and \`redis-cli --cluster create\` (ready in ${fmt(c.startMs / 1000, 1)} s in this run) and stops at the end. `
      + 'The stores hash every key, so a login\'s keys fall on any master; each command goes to its key\'s master. Its round trips are '
      + '`INFO commandstats` of every master before and after each timed batch, summed (per master in the Redis column); the client\'s own '
      + 'slot discovery (`CLUSTER SLOTS`) happens when it connects, before the warm-up, so it is not in the count unless it rediscovers.';
  return [
    `**${REDIS_ROW}** is this package with the Redis coordination a multi-instance deployment uses: \`new SessionStateStore({ seen: new RedisSeenStore(client) })\` `
    + 'as `store` and `new RedisDeduplicator(client, { secret })` as `deduplicator`, over one node-redis client, against a redis-server the '
    + 'bench starts on a free 127.0.0.1 port with no persistence (sessions stay in the same MemoryStore as every other contestant, so the '
    + 'difference to passport-wechat-oauth2 is the coordination alone). Its Redis round trips are counted with `INFO commandstats` '
    + 'before and after each timed batch (INFO itself left out), each read repeated every 50 ms until two reads agree, since the last '
    + 'command of a login (the SET of its outcome) is sent without waiting and can land after the answer; every command is one round trip.',
    '',
    clusterText,
    '',
    rows.join('\n'),
  ].join('\n');
}

function targets(results) {
  const w = results.workloads;
  const lines = [];
  const check = (ok, text) => lines.push(`- ${ok === null ? '–' : ok ? '✅' : '❌'} ${text}`);
  const ours50 = w['userinfo-c50'] && w['userinfo-c50'][OURS];
  if (ours50) {
    const floor50 = w['userinfo-c50'].floor;
    check(ours50.ratioToFloor >= 0.8, `userinfo c50 throughput ≥ 0.8× floor: ${fmt(ours50.ratioToFloor)}× (${fmt(ours50.loginsPerSec, 0)} vs ${fmt(floor50 && floor50.loginsPerSec, 0)} logins/s)`);
    const d50 = results.details['userinfo-c50'] || {};
    const ourRounds = (d50[OURS] && d50[OURS].rounds) || [];
    const floorRounds = (d50.floor && d50.floor.rounds) || [];
    if (ourRounds.length > 1 && ourRounds.length === floorRounds.length) {
      // The contestants of a round run back to back, so each round's ratio
      // shares that round's machine; the medians above come from different rounds.
      const paired = ourRounds.map((r, i) => r.loginsPerSec / floorRounds[i].loginsPerSec);
      lines.push(`  - Paired by round (each round's logins/s ÷ the floor's in the same round), median ${fmt(median(paired))}× `
        + `(rounds: ${paired.map((x) => fmt(x)).join(', ')}); the ✅/❌ above is judged on the ratio of the medians.`);
    }
    if (d50[OURS] && d50.floor) {
      lines.push(`  - CPU view, less sensitive to other load on the machine: the app process spends ${fmt(d50[OURS].cpuMsPerLogin, 3)} ms of CPU per login with ${OURS} `
        + `and ${fmt(d50.floor.cpuMsPerLogin, 3)} ms with the floor (floor ÷ ours = ${fmt(d50.floor.cpuMsPerLogin / d50[OURS].cpuMsPerLogin)}).`);
    }
    const ahead = PEERS.every((p) => !w['userinfo-c50'][p] || ours50.loginsPerSec > w['userinfo-c50'][p].loginsPerSec);
    check(ahead, `userinfo c50 ahead of every peer: ${PEERS.map((p) => `${p} ${fmt(w['userinfo-c50'][p] && w['userinfo-c50'][p].loginsPerSec, 0)}`).join(', ')}`);
  }
  for (const [wl, want] of Object.entries(UPSTREAM_PER_LOGIN)) {
    const cs = ['c1', 'c50'].filter((c) => w[`${wl}-${c}`] && w[`${wl}-${c}`][OURS]);
    const got = cs.map((c) => w[`${wl}-${c}`][OURS].upstreamPerLogin);
    if (!got.length) continue;
    const gettoken = wl.startsWith('wecom') ? cs.map((c) => ((results.details[`${wl}-${c}`] || {})[OURS] || { counters: {} }).counters.wecomGettoken || 0) : [];
    check(got.every((g) => g === want) && gettoken.every((g) => g === 0),
      `upstream requests per ${wl} login exactly ${want}: ${got.map((g) => fmt(g, 3)).join(' / ')} (${cs.join(' / ')})`
      + (gettoken.length ? `; gettoken calls in the timed rounds: ${gettoken.join(' / ')} (want 0: the corp token is cached)` : ''));
  }
  for (const wl of SURFACE_WORKLOADS) {
    const pts = ['c1', 'c50'].map((c) => `${wl}-${c}`).filter((p) => w[p] && w[p][OURS] && w[p].floor);
    if (pts.length) {
      check(null, `${wl} (reported, no target): ${pts.map((p) => `${p} ${fmt(w[p][OURS].loginsPerSec, 0)} vs floor ${fmt(w[p].floor.loginsPerSec, 0)} logins/s (${fmt(w[p][OURS].ratioToFloor)}×), `
        + `p50 ${fmt(w[p][OURS].p50Ms)} vs ${fmt(w[p].floor.p50Ms)} ms`).join('; ')}`);
    }
  }
  const conns = ['userinfo', 'base'].flatMap((wl) => ['c1', 'c50'].map((c) => w[`${wl}-${c}`] && w[`${wl}-${c}`][OURS])).filter(Boolean).map((m) => m.newConnectionsPerLogin);
  if (conns.length) check(conns.every((c) => c <= 0.02), `new TLS connections per login ≈ 0 after warm-up (keep-alive): ${conns.map((c) => fmt(c, 3)).join(', ')} (userinfo c1, c50, base c1, c50)`);
  for (const [point, net] of Object.entries(results.network || {})) {
    if (net.concurrency !== 1) continue;
    const byC = results.workloads[point];
    const ours = byC[OURS];
    if (!ours) continue;
    const want = RTT_TARGET[net.workload];
    const peers = PEERS.filter((p) => byC[p]).map((p) => `${p} ${fmt(byC[p].p50Ms / net.rttMs)}`).join(', ');
    check(ours.p50Ms <= want * net.rttMs, `${point}: p50 within ${want} RTT: ${fmt(ours.p50Ms / net.rttMs)} RTT (${fmt(ours.p50Ms)} ms; physical limit ${net.roundTrips} RTT; floor ${fmt(byC.floor && byC.floor.p50Ms / net.rttMs)}, ${peers})`);
    if (byC.floor) check(ours.p50Ms <= FLOOR_P50_TARGET * byC.floor.p50Ms, `${point}: p50 within ${FLOOR_P50_TARGET}× the floor's: ${fmt(ours.p50Ms / byC.floor.p50Ms)}× (${fmt(ours.p50Ms)} vs ${fmt(byC.floor.p50Ms)} ms)`);
  }
  for (const [name, label] of [[REDIS_ROW, 'standalone Redis'], [REDIS_CLUSTER_ROW, 'Redis Cluster']]) {
    const redisPoints = Object.entries(results.details).filter(([, byC]) => byC[name]);
    if (redisPoints.length) {
      check(null, `Redis round trips per login with RedisSeenStore + RedisDeduplicator, ${label} (reported, no target): ${redisPoints.map(([p, byC]) => `${p} ${fmt(byC[name].redisCommandsPerLogin, 3)} (${fmt(w[p][name].loginsPerSec, 0)} logins/s)`).join(', ')}`);
    }
  }
  if (results.soak) {
    const s = results.soak;
    const f = results.soakFloor;
    const from = (x) => (x.start ? `from ${x.start.logins} logins (${fmt(x.start.elapsedS, 1)} s in)` : 'no steady-state sample');
    check(s.start ? Math.abs(s.growthPct) <= 10 : null, `RSS flat from the duplicate-callback memory's steady state (the first sample ≥ ${s.settledMs / 1000} s after the first timed login) `
      + `to the end of ${s.logins} logins, within 10 %: ${from(s)}, ${fmt(s.rssAtStartMB, 1)} → ${fmt(s.rssAtEndMB, 1)} MB, ${s.start ? pct(s.growthPct) : '–'}; heap used after GC `
      + `${fmt(s.heapAtStartMB, 1)} → ${fmt(s.heapAtEndMB, 1)} MB`
      + (f ? ` (floor, same soak and rule: ${from(f)}, ${fmt(f.rssAtStartMB, 1)} → ${fmt(f.rssAtEndMB, 1)} MB RSS, ${f.start ? pct(f.growthPct) : '–'}; heap ${fmt(f.heapAtStartMB, 1)} → ${fmt(f.heapAtEndMB, 1)} MB)` : ''));
  }
  else check(null, `RSS soak: not run (${results.mode} mode)`);
  if (results.importCost) {
    const p = results.importCost.packages;
    const o = p[OURS];
    check(null, `import cost (reported, no target): ${OURS} ${fmt(o && o.ms, 1)} ms / +${fmt(o && o.rssDeltaMB, 1)} MB; `
      + PEERS.map((n) => `${n} ${fmt(p[n] && p[n].ms, 1)} ms / +${fmt(p[n] && p[n].rssDeltaMB, 1)} MB`).join('; '));
  }
  return lines.join('\n');
}

function upstreamDetail(results) {
  const rows = ['| workload | contestant | upstream requests (timed rounds, by host+path) | TCP conns | TLS handshakes (resumed) | timed logins | errors |', '|---|---|---|--:|--:|--:|--:|'];
  for (const [point, byContestant] of Object.entries(results.details)) {
    for (const name of ROWS) {
      const d = byContestant[name];
      if (!d) continue;
      const req = (Object.entries(d.counters.requests).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none')
        + (isSurfacePoint(point) && point.startsWith('wecom') ? ` (emulator's wecomGettoken: ${d.counters.wecomGettoken || 0})` : '');
      rows.push(`| ${point} | ${name} | ${req} | ${d.counters.connections} | ${d.counters.handshakes} (${d.counters.resumed}) | ${d.logins} | ${d.errors} |`);
    }
  }
  return rows.join('\n');
}

const HOW_DRIVEN = `
Every contestant is a small Express 5 app in its own process with the same setup (express-session with its MemoryStore, the same
secret and cookie; passport.initialize() + passport.session() for the two Passport strategies) and the same two routes. On success
each stores the same user \`{ openid, nickname }\` in the session and answers \`200 ok\`. Each uses its default WeChat URLs: the
processes are started with \`--require bench/preload-hosts.js\` (which makes \`*.weixin.qq.com\` resolve to 127.0.0.1, and nothing else)
and \`NODE_EXTRA_CA_CERTS\` pointing at a CA made at bench start; the package's WeChat emulator serves HTTPS on 127.0.0.1:443 with a
certificate from that CA, in a process of its own. No contestant is patched or pointed elsewhere.

- **passport-wechat-oauth2** (this package): \`new Strategy({ appID, appSecret, callbackURL, scope }, verify)\`, everything else
  default (client \`mp\`, session-bound state, default URLs). Routes: \`passport.authenticate(name)\` on /login and /callback.
- **passport-wechat-oauth2-redis** (the Redis row, callback workloads on loopback): the same, plus
  \`store: new SessionStateStore({ seen: new RedisSeenStore(client) })\` and \`deduplicator: new RedisDeduplicator(client, { secret })\`
  over one node-redis client connected to the bench's own redis-server (see "Redis coordination").
- **passport-wechat-oauth2-redis-cluster** (the Redis Cluster row, the same workloads): the same script and stores over one node-redis
  \`createCluster({ rootNodes })\` client connected to the bench's own 3-master Redis Cluster (see "Redis coordination").
- **passport-wechat** 2.0.4: \`new WechatStrategy({ appID, appSecret, client: 'wechat', callbackURL, scope, state: 'STATE' }, verify)\`
  as its README shows (it sends a fixed state and never checks it; its wechat-oauth client keeps tokens in memory, and its urllib
  uses an https.Agent without keep-alive). Its README's 4-argument verify is wrong: the source calls
  \`verify(accessToken, refreshToken, profile, expires_in, done)\`, so the bench uses 5 arguments.
- **wechat-oauth** 1.5.0, called from Express routes as its README shows: \`new OAuth(appid, secret)\`,
  \`getAuthorizeURL(callbackURL, 'STATE', scope)\` on /login, \`getAccessToken(code)\` then, for snsapi_userinfo, \`getUser(openid)\`
  on /callback.
- **floor**: hand-written routes in the same app: /login puts a random state in the session and redirects to the authorize URL
  built by hand; /callback checks the state and makes the same GETs (\`/sns/oauth2/access_token\`, and \`/sns/userinfo\` for
  snsapi_userinfo) with \`https.get\` and one \`new https.Agent({ keepAlive: true })\`, then stores the user in the session.
  Nothing else (no Passport, no session regeneration).

**The other surfaces' rows** (\`wecom\`, \`wecom-member\`, \`miniprogram\`) have two contestants: this package's strategy for the
surface (shown as passport-wechat-oauth2) and a floor for that surface (shown as floor) that makes the same upstream calls by hand.
No peer package is run there.

- **wecom** / **wecom-member** (企业微信, self-built app; the emulator's app \`apps.wecom\`, auto-consent as its default member):
  \`new WeComStrategy({ corpID, agentID, agentSecret, callbackURL, client: 'wecom', profile }, verify)\` with profile \`'ids'\`
  (default) or \`'member'\`, default URLs, session-bound state (\`client: 'wecom'\` because the driver sends no WeCom User-Agent, so
  \`'auto'\` would pick the browser login). Its floor (\`contestants/floor-wecom.js\`): /login keeps a random state in the session and
  redirects to the in-client authorize URL; /callback checks the state and calls \`GET /cgi-bin/auth/getuserinfo\` (and \`GET
  /cgi-bin/user/get\` for member) with a corp token it fetched once and caches. Both store \`{ userid, name }\` in the session. The
  token is fetched during the warm-up, so a timed login should make 1 upstream call (member: 2) and no \`gettoken\`; gettoken calls are
  counted by the emulator itself (\`wecomGettoken\`, what \`GET /__mock/stats\` reports, read over IPC so that reading it is not a request).
- **miniprogram**: \`new WeChatMiniProgramStrategy({ appID, appSecret }, verify)\` (the emulator's \`apps.miniprogram\`) on
  \`app.post('/login', express.json(), passport.authenticate(name, { session: false }))\`. Its floor (\`contestants/floor-miniprogram.js\`)
  reads the posted code and calls \`GET /sns/jscode2session\` with \`https.get\` and a keep-alive agent. The driver's untimed preparation
  mints each code at the emulator's control API (\`POST /__mock/miniprogram/login {user}\`, what \`wx.login\` does on a phone); the timed
  request is \`POST /login\` with \`{"code"}\` as JSON. The emulator's per-user minute quota (45011) is lifted for the bench.

**Driving.** All of them are driven the same way, like a browser: for each login the driver first, untimed, GETs /login on the
contestant (a fresh cookie jar per virtual user), follows the 302 to \`https://open.weixin.qq.com/connect/oauth2/authorize\` on the
emulator (auto-consent on), which answers 302 back with a freshly minted code and the state. Only then, in a separate timed batch,
it fires the \`GET /callback?code&state\` requests with each user's cookie at the given concurrency. Preparation and timing
alternate in chunks (see the header), so that no contestant's upstream keep-alive connections idle longer than the emulator's
keep-alive timeout (Node's default 5 s) while the driver prepares; logins/s divides all timed requests by the sum of the timed
wall times. This start is needed for this
package and the floor (state check) and harmless for the two peers, which ignore the state. Every callback uses a fresh, never-used
code. The authorize workload times \`GET /login\` alone (a new visitor each time, no cookie). The driver runs in the orchestrator
process (keep-alive http.Agent to the app with maxSockets = concurrency, keep-alive https.Agent to the emulator).

**Network-delay rows** (\`userinfo-rtt30-c1\` and so on) are driven the same way, with the contestants' WeChat traffic going
through the relay described under "Under network delay"; fewer logins per round (see the header), since each waits for real
round trips.

**Figures.** Per point and contestant: a warm-up batch (not counted), then several rounds, the contestants alternated A B C D A B C D;
each round starts with a few untimed logins, since idle upstream connections may have been closed while the others ran.
logins/s = timed requests / wall time of the timed batch; logins/s, p50 and p99 are medians over rounds. Upstream requests and new
TCP connections per login are counted by the emulator process over the timed batches only (the driver sends nothing to the emulator
while a timed batch runs), so they are exactly what the contestant sent. Peak RSS is the contestant process's VmHWM at the end of the
point (a fresh process per point; it includes the MemoryStore's sessions, which pile up over the point's logins, alike for all).
× floor = logins/s ÷ the floor's logins/s at the same point. App CPU ms/login is the contestant process's own CPU time (user +
system, \`process.cpuUsage()\`) over the timed batches divided by the logins; emulator CPU ms/login is the same for the emulator
process (what each contestant costs WeChat's side, mostly TLS handshakes). The machine is shared (2 CPUs for driver, emulator and
app, and other jobs), so throughput and latency move with outside load; CPU per login is much steadier.`;

function markdown(results) {
  const title = results.mode === 'quick' ? 'Benchmark (quick smoke run, not for comparison)'
    : results.mode === 'in-progress' ? 'Benchmark: PARTIAL results of a run that had not finished when this was written'
      : results.mode === 'partial' ? 'Benchmark: partial run (some workloads, rows or the soak left out)' : 'Benchmark: what a WeChat login costs';
  return [
    `# ${title}`,
    '',
    `${results.date} · node ${results.node} · ${results.cpus} CPUs (${results.cpuModel}) · mode ${results.mode} · `
    + `${results.config.rounds} round(s); timed requests per round: c1 ${results.config.n.c1}, c50 ${results.config.n.c50} `
    + `(authorize: c1 ${results.config.nAuthorize.c1}, c50 ${results.config.nAuthorize.c50}), prepared and timed in chunks of `
    + `${results.config.chunk.c1} (c1) / ${results.config.chunk.c50} (c50); warm-up c1 ${results.config.warmup.c1}, c50 ${results.config.warmup.c50} per contestant and point, `
    + `plus ${results.config.roundWarmup.c1} (c1) / ${results.config.roundWarmup.c50} (c50) untimed logins before each round.`,
    'The driver, the emulator and the contestant share the same CPUs, so absolute numbers are those of this loaded machine; compare the ratios.',
    results.package ? `Package under test: ${results.package.source} at commit ${results.package.commit}${results.package.libDirty ? ' (lib/ had uncommitted changes)' : ''}.` : '',
    results.rttConfig ? `Network-delay rows: RTT ${results.rttConfig.rtts.join(' and ')} ms; ${results.rttConfig.rounds} round(s); timed requests per round c1 ${results.rttConfig.n.c1}, c50 ${results.rttConfig.n.c50}; warm-up c1 ${results.rttConfig.warmup.c1}, c50 ${results.rttConfig.warmup.c50}, plus ${results.rttConfig.roundWarmup.c1} / ${results.rttConfig.roundWarmup.c50} before each round.` : '',
    '',
    '## Results (loopback)',
    '',
    table(results),
    '',
    '## Targets (reported, not asserted)',
    '',
    targets(results),
    '',
    '## Under network delay',
    '',
    networkSection(results),
    '',
    '## Redis coordination',
    '',
    redisSection(results),
    '',
    '## Memory soak',
    '',
    soakSection(results),
    '',
    '## Import cost',
    '',
    importTable(results.importCost) || 'Not run.',
    '',
    '## Upstream traffic seen by the emulator (timed rounds)',
    '',
    upstreamDetail(results),
    '',
    '## How each contestant was set up and driven',
    HOW_DRIVEN,
    '',
  ].join('\n');
}

function toJSON(results) {
  const workloads = {};
  for (const [point, byContestant] of Object.entries(results.workloads)) {
    workloads[point] = {};
    const net = results.network && results.network[point];
    for (const name of ROWS) {
      const m = byContestant[name];
      if (!m) continue;
      workloads[point][name] = {
        loginsPerSec: round(m.loginsPerSec, 1),
        p50Ms: round(m.p50Ms, 3),
        p99Ms: round(m.p99Ms, 3),
        upstreamPerLogin: round(m.upstreamPerLogin, 4),
        newConnectionsPerLogin: round(m.newConnectionsPerLogin, 4),
        peakRssMB: round(m.peakRssMB, 1),
        ratioToFloor: round(m.ratioToFloor, 3),
        ...(net ? { p50Rtt: round(m.p50Ms / net.rttMs, 3), p99Rtt: round(m.p99Ms / net.rttMs, 3) } : {}),
      };
    }
  }
  return {
    date: results.date,
    node: results.node,
    cpus: results.cpus,
    cpuModel: results.cpuModel,
    workloads,
    mode: results.mode,
    package: results.package || null,
    config: results.config,
    rttConfig: results.rttConfig || null,
    network: results.network || {},
    redis: results.redis || null,
    soak: results.soak || null,
    soakFloor: results.soakFloor || null,
    importCost: results.importCost || null,
    details: results.details,
  };
}

function write(results, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const base = results.mode === 'full' ? 'latest' : results.mode; // quick.* / profile.*
  const md = markdown(results);
  fs.writeFileSync(path.join(dir, `${base}.md`), md);
  fs.writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(toJSON(results), null, 2) + '\n');
  return { md, files: [path.join(dir, `${base}.md`), path.join(dir, `${base}.json`)] };
}

module.exports = { write, table, networkTable, targets, CONTESTANTS, OURS, PEERS, REDIS_ROW, REDIS_CLUSTER_ROW };
