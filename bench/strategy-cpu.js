#!/usr/bin/env node
'use strict';
// The strategy's own CPU per callback, in one process, without sockets:
// `node bench/strategy-cpu.js [n] [name=dir ...]`. Each contestant is this
// package's Strategy (from dist/cjs, or from each bench/variant.js build dir),
// in its default configuration (session state store, in-memory deduplicator,
// the private axios instance with the lean keep-alive adapter). `https.get`
// is replaced by a fake that answers WeChat's token and userinfo GETs on the
// next tick, so what is measured is passport-oauth2's flow, axios's request
// pipeline, this package's code and the garbage they make: no Express, no
// express-session, no TLS, no emulator. Passport's authenticate middleware is
// modelled as it is (a per-request Object.create of the strategy with its
// actions). Callbacks run 50 at a time. Each contestant runs in a process of
// its own (two builds in one process share axios's and passport-oauth2's
// inline caches, which slows whichever sees the other's shapes), the
// contestants' processes take turns (A B, B A, ...; BLOCKS turns, 3 timed
// rounds each after a warm-up), and the median CPU µs per callback over all
// rounds is printed with its range.
const https = require('node:https');
const { execFileSync } = require('node:child_process');
const { EventEmitter } = require('node:events');
const path = require('node:path');
const { createRequire } = require('node:module');
const { median } = require('./stats');
const { pool } = require('./driver');

const positional = process.argv.slice(2).filter((a) => !a.includes('=') && !a.startsWith('--'));
const N = Number(positional[0] || 5000);
const ROUNDS = 3;
const BLOCKS = Number(process.env.BLOCKS || 6);
const ONLY = (process.argv.find((a) => a.startsWith('--only=')) || '').slice('--only='.length);
const ROOT = path.resolve(__dirname, '..');
const contestants = [
  ['HEAD dist/', ROOT],
  ...process.argv.slice(2).filter((a) => a.includes('=') && !a.startsWith('--')).map((a) => {
    const [name, dir] = a.split('=');
    return [name, path.resolve(dir)];
  }),
];

const TOKEN = { access_token: 'ACCESS_TOKEN_0123456789', expires_in: 7200, refresh_token: 'REFRESH_0123456789', openid: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', scope: 'snsapi_userinfo', unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' };
const USER = { openid: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', nickname: '微信用户', sex: 0, province: '', city: '', country: '', headimgurl: 'https://thirdwx.qlogo.cn/mmopen/g3Mon/0', privilege: [], unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' };
const HEADERS = { connection: 'keep-alive', 'content-type': 'text/plain', date: 'Sun, 29 Nov 2026 02:00:00 GMT', 'content-length': '200' };
const bodies = { token: JSON.stringify(TOKEN), user: JSON.stringify(USER) };

// What the lean adapter calls: https.get(url, options, onResponse).
https.get = (url, _options, onResponse) => {
  const req = new EventEmitter();
  req.destroy = () => {};
  process.nextTick(() => {
    const res = new EventEmitter();
    res.statusCode = 200;
    res.statusMessage = 'OK';
    // As Node's IncomingMessage: rawHeaders always, `headers` built from them.
    res.rawHeaders = Object.entries(HEADERS).flat();
    res.headers = { ...HEADERS };
    res.setEncoding = () => {};
    onResponse(res);
    res.emit('data', url.includes('/sns/userinfo') ? bodies.user : bodies.token);
    res.emit('end');
  });
  return req;
};

function load(dir) {
  const { Strategy } = createRequire(path.join(dir, 'package.json'))('passport-wechat-oauth2');
  const strategy = new Strategy(
    { appID: 'wx0123456789abcdef', appSecret: 'secret0123456789abcdef0123456789', callbackURL: 'http://127.0.0.1:3000/callback', scope: 'snsapi_userinfo' },
    (accessToken, refreshToken, profile, done) => done(null, { openid: profile.openid, nickname: profile.displayName }),
  );
  // passport's authenticate middleware: a per-request copy with the request's actions.
  const run = (req, actions) => {
    const copy = Object.create(strategy);
    Object.assign(copy, actions);
    copy.authenticate(req, {});
  };
  let sid = 0;
  const startLogin = () =>
    new Promise((resolve, reject) => {
      const req = { method: 'GET', url: '/login', query: {}, headers: { host: '127.0.0.1:3000', cookie: `sid=s%3A${++sid}abcdefghijklmnopqrstuvwx.signature0123456789` }, session: {} };
      run(req, {
        redirect: (location) => resolve({ req, state: new URL(location).searchParams.get('state') }),
        fail: reject, error: reject, success: reject, pass: reject,
      });
    });
  const callback = ({ req: started, state }, i) =>
    new Promise((resolve, reject) => {
      const code = `code${i}x0123456789abcdef`;
      const req = { method: 'GET', url: `/callback?code=${code}&state=${state}`, query: { code, state }, headers: started.headers, session: started.session };
      run(req, { success: resolve, fail: (c) => reject(new Error(JSON.stringify(c))), error: reject, redirect: reject, pass: reject });
    });
  return { startLogin, callback };
}

async function measure(c, n) {
  const started = [];
  for (let i = 0; i < n; i++) started.push(await c.startLogin());
  const before = process.cpuUsage();
  await pool(n, 50, (i) => c.callback(started[i], i));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

// One process's share: warm up, then ROUNDS timed rounds; prints them as JSON.
async function child(dir) {
  const c = load(dir);
  await measure(c, 2000);
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await measure(c, N));
  console.log(JSON.stringify(runs));
}

async function main() {
  if (ONLY) return child(ONLY);
  const runs = new Map(contestants.map(([name]) => [name, []]));
  for (let b = 0; b < BLOCKS; b++) {
    for (const [name, dir] of b % 2 ? [...contestants].reverse() : contestants) {
      const out = execFileSync(process.execPath, [__filename, String(N), `--only=${dir}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      runs.get(name).push(...JSON.parse(out.trim().split('\n').pop()));
    }
  }
  console.log(`strategy callbacks in-process, no I/O, c50, ${BLOCKS} processes × ${ROUNDS} rounds × ${N}, median CPU µs per callback:`);
  for (const [name, r] of runs) {
    const sorted = [...r].sort((a, b) => a - b);
    console.log(`  ${median(r).toFixed(1).padStart(7)}  (${sorted[0].toFixed(1)}–${sorted[sorted.length - 1].toFixed(1)})  ${name}`);
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
