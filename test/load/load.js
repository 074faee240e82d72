#!/usr/bin/env node
/**
 * Load test: complete logins through the BUILT example app (dist/example-app)
 * against its in-process WeChat emulator, on loopback.
 *
 *   npm run build && node --expose-gc test/load/load.js
 *
 * Env: LOGINS (default 2000), CONCURRENCY (50), LOAD_TIMEOUT_MS (120000),
 * RSS_TOLERANCE (0.10).
 * Each login: GET /login?client=mp (WeChat UA) → emulator authorize
 * (auto-consent) → GET callback → 302 /profile → GET /profile, which must be
 * the profile page of the expected user; then POST /logout (not timed). Logins run in two halves (alice,
 * then bob) because the emulator's auto-consent is global.
 * Exits 1 on any failed login, on the time limit, or if RSS after the run
 * (after gc) grew more than RSS_TOLERANCE over the baseline measured after a
 * warm-up.
 *
 * Then MP_LOGINS (default 2000) Mini Program logins at the same concurrency:
 * mint a js_code in the emulator (what wx.login does) for one of 50 users,
 * POST /auth/wechat/miniprogram, and check the JSON names that very user (no
 * mix-ups between concurrent logins). They run against a second app instance
 * using a standalone emulator with 50 users, because WeChat's quota (and the
 * emulator's) is 100 jscode2session calls per user per minute.
 */
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..', '..');
const LOGINS = Number(process.env.LOGINS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const TIMEOUT_MS = Number(process.env.LOAD_TIMEOUT_MS ?? 120000);
const RSS_TOLERANCE = Number(process.env.RSS_TOLERANCE ?? 0.1);
const WARMUP = 200;
const MP_LOGINS = Number(process.env.MP_LOGINS ?? 2000);
const MP_USERS = 50;
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';

function load(rel) {
  try {
    return require(path.join(root, rel));
  } catch (err) {
    console.error(`cannot load ${rel}: run \`npm run build\` first (${err.message})`);
    process.exit(2);
  }
}

async function gcRss() {
  if (typeof globalThis.gc !== 'function') {
    console.warn('warning: run node with --expose-gc for a meaningful RSS comparison');
  } else {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return process.memoryUsage().rss;
}

class Jar {
  constructor() {
    this.cookies = new Map();
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url, method = 'GET') {
    const res = await globalThis.fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: this.header(), 'user-agent': WECHAT_UA, origin: new URL(url).origin },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }
}

async function oneLogin(base, expected) {
  const jar = new Jar();
  const started = performance.now();
  const step = async (url, want, method) => {
    const res = await jar.get(url, method);
    const text = await res.text();
    if (res.status !== want)
      throw new Error(`${new URL(url).pathname} answered ${res.status}, expected ${want}: ${text.slice(0, 200)}`);
    return { res, text };
  };
  const login = await step(`${base}/login?client=mp`, 302);
  const consent = await step(login.res.headers.get('location'), 302);
  const cb = await step(new URL(consent.res.headers.get('location'), base).href, 302);
  const profileURL = new URL(cb.res.headers.get('location'), base).href;
  const profile = await step(profileURL, 200);
  if (!profile.text.includes('data-page="profile"')) throw new Error('not the profile page');
  if (!profile.text.includes(expected.openid)) throw new Error(`profile of the wrong user (expected ${expected.key})`);
  const elapsed = performance.now() - started;
  // Log out (destroys the session) so that the RSS comparison measures leaks,
  // not 2,000 sessions legitimately kept by the in-memory session store.
  await step(`${base}/logout`, 303, 'POST');
  return elapsed;
}

async function batch(base, count, expected, latencies, errors) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        latencies.push(await oneLogin(base, expected));
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

/** One Mini Program login: a fresh js_code for `user`, posted as JSON; the answer must be that user. */
async function oneMiniProgramLogin(base, mock, user) {
  const started = performance.now();
  const res = await globalThis.fetch(`${base}/auth/wechat/miniprogram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: mock.miniProgramLogin(user) }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`/auth/wechat/miniprogram answered ${res.status}: ${JSON.stringify(body)}`);
  if (body.user?.openid !== mock.openidOf('miniprogram', user))
    throw new Error(`mix-up: ${user} was answered as ${body.user?.openid}`);
  return performance.now() - started;
}

async function miniProgramRun() {
  const { createApp } = load('dist/example-app/app.js');
  const { loadConfig } = load('dist/example-app/config.js');
  const { createMockWeChat } = load('dist/cjs/testing/index.js');
  const users = Array.from({ length: MP_USERS }, (_, i) => ({ key: `u${i}`, nickname: `User ${i}` }));
  const mock = await createMockWeChat({ users });
  const quiet = { info() {}, warn() {}, error: (m) => console.error(`app error: ${m}`) };
  const example = await createApp(
    loadConfig({ SESSION_SECRET: 'load-test-session-secret-0123456789abcdef-0123456789', WECHAT_MOCK_URL: mock.url }),
    { logger: quiet },
  );
  const server = example.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const latencies = [];
  const errors = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < MP_LOGINS) {
      const user = users[next++ % MP_USERS].key;
      try {
        latencies.push(await oneMiniProgramLogin(base, mock, user));
      } catch (err) {
        errors.push(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, MP_LOGINS) }, worker));
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await example.close();
    await mock.close();
  }
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `mini program logins: ${latencies.length} ok, ${errors.length} failed, concurrency ${CONCURRENCY}, ${MP_USERS} users`,
  );
  console.log(
    `mini program throughput: ${(latencies.length / elapsed).toFixed(1)} logins/s (${elapsed.toFixed(1)} s); p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`,
  );
  if (errors.length) console.error(`FAIL: ${errors.length} Mini Program logins failed; first: ${errors[0].message}`);
  return errors.length === 0;
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const { createApp } = load('dist/example-app/app.js');
  const { loadConfig } = load('dist/example-app/config.js');
  const quiet = { info() {}, warn() {}, error: (m) => console.error(`app error: ${m}`) };
  const config = loadConfig({ SESSION_SECRET: 'load-test-session-secret-0123456789abcdef-0123456789' });
  const example = await createApp(config, { logger: quiet });
  const mock = example.mock;
  if (!mock) throw new Error('the example app did not start its emulator (mock mode expected)');
  const server = example.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const users = ['alice', 'bob'].map((key) => ({ key, openid: mock.openidOf('mp', key) }));

  let exitCode = 0;
  const timer = setTimeout(() => {
    console.error(`FAIL: time limit of ${TIMEOUT_MS} ms exceeded`);
    process.exit(1);
  }, TIMEOUT_MS);
  timer.unref();

  try {
    // Warm-up (JIT, connection pools, session store) before the baseline.
    const warmErrors = [];
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
    await batch(base, WARMUP, users[0], [], warmErrors);
    if (warmErrors.length) throw warmErrors[0];
    const baseline = await gcRss();

    const latencies = [];
    const errors = [];
    const t0 = performance.now();
    const half = Math.ceil(LOGINS / 2);
    for (const [i, user] of users.entries()) {
      mock.setAutoConsent({ user: user.key, decision: 'allow' });
      await batch(base, i === 0 ? half : LOGINS - half, user, latencies, errors);
    }
    const elapsed = (performance.now() - t0) / 1000;
    mock.setAutoConsent(null);
    const after = await gcRss();

    latencies.sort((a, b) => a - b);
    const growth = (after - baseline) / baseline;
    const mb = (n) => (n / 1024 / 1024).toFixed(1);
    console.log(`logins: ${latencies.length} ok, ${errors.length} failed, concurrency ${CONCURRENCY}`);
    console.log(`throughput: ${(latencies.length / elapsed).toFixed(1)} logins/s (${elapsed.toFixed(1)} s)`);
    console.log(
      `latency: p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1]?.toFixed(1)} ms`,
    );
    console.log(
      `RSS: baseline ${mb(baseline)} MB, after ${mb(after)} MB (${(growth * 100).toFixed(1)}%, limit ${(RSS_TOLERANCE * 100).toFixed(0)}%)`,
    );
    if (errors.length) {
      console.error(`FAIL: ${errors.length} logins failed; first: ${errors[0].message}`);
      exitCode = 1;
    }
    if (growth > RSS_TOLERANCE) {
      console.error('FAIL: RSS grew beyond the tolerance');
      exitCode = 1;
    }
    if (MP_LOGINS > 0 && !(await miniProgramRun())) exitCode = 1;
  } catch (err) {
    console.error(`FAIL: ${err.stack || err}`);
    exitCode = 1;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await example.close();
  }
  process.exitCode = exitCode;
}

main();
