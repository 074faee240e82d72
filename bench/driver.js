'use strict';
// The load driver. It runs in the orchestrator's process and talks to one
// contestant over plain HTTP (keep-alive, maxSockets = concurrency) and to the
// emulator over HTTPS (keep-alive, the bench CA, *.weixin.qq.com -> 127.0.0.1
// by its own lookup; nothing global is patched here).
//
// A login is driven like a browser would: GET /login on the contestant (a
// fresh cookie jar per virtual user), follow the 302 to the emulator's
// authorize page, which with auto-consent answers 302 back to the callback
// with a freshly minted code and the state. That preparation is untimed and
// done as one batch; then the timed batch fires GET /callback?code&state with
// each user's cookie at the chosen concurrency.
//
// A code login (the Mini Program row, `codeUser` set) has no redirect: the
// untimed preparation mints a `wx.login` code for that user at the
// emulator's control API (`POST /__mock/miniprogram/login`), and the timed
// request POSTs it as JSON to the contestant's /login.
const http = require('node:http');
const https = require('node:https');

const MAX_BODY = 64 * 1024;
const REQUEST_TIMEOUT_MS = 15000;

function weChatLookup(hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {}; }
  if (!/(^|\.)weixin\.qq\.com\.?$/i.test(hostname)) {
    return process.nextTick(callback, new Error(`bench driver only talks to 127.0.0.1, not ${hostname}`));
  }
  if (options && options.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
  return process.nextTick(callback, null, '127.0.0.1', 4);
}

function createEmulatorAgent(ca) {
  return new https.Agent({ keepAlive: true, maxSockets: 64, ca, lookup: weChatLookup });
}

function createAppAgent(concurrency) {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency });
}

function request(mod, { body, ...options }) {
  return new Promise((resolve, reject) => {
    const req = mod.request({ method: 'GET', ...options }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms: ${options.host}${options.path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const jsonBody = (value) => {
  const body = JSON.stringify(value);
  return { body, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } };
};

function cookieHeader(setCookie) {
  if (!setCookie) return '';
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(';')[0]).join('; ');
}

// Runs fn(i) for i in [0, n) with at most `concurrency` in flight.
async function pool(n, concurrency, fn) {
  let next = 0;
  const workers = [];
  for (let w = 0; w < Math.min(concurrency, n); w++) {
    workers.push((async () => {
      while (next < n) {
        const i = next++;
        await fn(i);
      }
    })());
  }
  await Promise.all(workers);
}

// Untimed preparation only: retry a login start whose keep-alive socket was
// closed under it (the timed requests are never retried).
async function withRetry(fn, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !/ECONNRESET|EPIPE|socket hang up/.test(String(err && (err.code || err.message)))) throw err;
    }
  }
}

function describe(res) {
  return `${res.status} ${res.headers.location || ''} ${res.body.slice(0, 200)}`.trim();
}

class Driver {
  // emulatorPort: where the driver's own (untimed) authorize requests go when
  // the emulator is not on 443 (--rtt: the relay holds 443 for the contestants;
  // the driver goes round it, so the preparation is not slowed).
  // codeUser: the emulator user whose Mini Program codes a code login posts.
  constructor({ port, concurrency, ca, emulatorPort, codeUser }) {
    this.port = port;
    this.codeUser = codeUser || null;
    this.emulatorPort = emulatorPort || null;
    this.concurrency = concurrency;
    this.appAgent = createAppAgent(concurrency);
    this.ca = ca;
    this.emulatorAgent = null;
  }

  app(path, cookie) {
    const headers = cookie ? { cookie } : {};
    return request(http, { host: '127.0.0.1', port: this.port, path, headers, agent: this.appAgent });
  }

  // One untimed login start: /login -> emulator authorize -> back with code.
  async prepareOne() {
    const login = await this.app('/login');
    if (login.status !== 302 || !login.headers.location) throw new Error(`/login: expected 302, got ${describe(login)}`);
    const cookie = cookieHeader(login.headers['set-cookie']);
    const authorize = new URL(login.headers.location);
    if (authorize.protocol !== 'https:' || !/\.weixin\.qq\.com$/.test(authorize.hostname)) {
      throw new Error(`/login redirected to ${authorize.href}, not to a WeChat host over HTTPS`);
    }
    const consent = await request(https, {
      host: authorize.hostname,
      port: this.emulatorPort || authorize.port || 443,
      path: authorize.pathname + authorize.search, // the #wechat_redirect fragment stays in the browser
      agent: this.emulatorAgent,
    });
    if (consent.status !== 302 || !consent.headers.location) throw new Error(`emulator ${authorize.pathname}: expected 302, got ${describe(consent)}`);
    const back = new URL(consent.headers.location, authorize);
    if (back.hostname !== '127.0.0.1' || Number(back.port) !== this.port || !back.searchParams.get('code')) {
      throw new Error(`emulator redirected to ${back.href}, not to this contestant's callback with a code`);
    }
    return { path: back.pathname + back.search, cookie };
  }

  // A fresh emulator agent per batch: between batches the driver leaves the
  // emulator alone for longer than its keep-alive timeout, and reusing a
  // socket the server is closing would fail with ECONNRESET.
  // One untimed code: what wx.login gives a Mini Program, minted by the emulator.
  async prepareCode() {
    const mint = await request(https, {
      method: 'POST',
      host: 'api.weixin.qq.com',
      port: this.emulatorPort || 443,
      path: '/__mock/miniprogram/login',
      agent: this.emulatorAgent,
      ...jsonBody({ user: this.codeUser }),
    });
    const code = mint.status === 200 && JSON.parse(mint.body).code;
    if (!code) throw new Error(`emulator /__mock/miniprogram/login: expected 200 {code}, got ${describe(mint)}`);
    return { code };
  }

  async prepare(n) {
    const items = new Array(n);
    this.emulatorAgent = createEmulatorAgent(this.ca);
    const one = this.codeUser ? () => this.prepareCode() : () => this.prepareOne();
    try {
      await pool(n, this.concurrency, async (i) => { items[i] = await withRetry(one); });
    } finally {
      this.emulatorAgent.destroy();
      this.emulatorAgent = null;
    }
    return items;
  }

  // Timed: fires the prepared callbacks (or, for a code login, posts the
  // prepared codes). Returns latencies (ms) and wall time.
  async timedCallbacks(items) {
    if (this.codeUser) {
      return this.timed(items.length, (i) => request(http, {
        method: 'POST', host: '127.0.0.1', port: this.port, path: '/login', agent: this.appAgent, ...jsonBody({ code: items[i].code }),
      }), (res) => {
        if (res.status !== 200 || res.body !== 'ok') throw new Error(`POST /login: expected 200 ok, got ${describe(res)}`);
      });
    }
    return this.timed(items.length, (i) => this.app(items[i].path, items[i].cookie), (res) => {
      if (res.status !== 200 || res.body !== 'ok') throw new Error(`/callback: expected 200 ok, got ${describe(res)}`);
    });
  }

  // Timed: the authorize redirect alone, a new visitor each time (no cookie).
  async timedAuthorize(n) {
    return this.timed(n, () => this.app('/login'), (res) => {
      if (res.status !== 302 || !/^https:\/\/open\.weixin\.qq\.com\//.test(res.headers.location || '')) {
        throw new Error(`/login: expected 302 to https://open.weixin.qq.com/, got ${describe(res)}`);
      }
    });
  }

  async timed(n, send, check) {
    const latencies = new Float64Array(n);
    const errors = [];
    const t0 = process.hrtime.bigint();
    await pool(n, this.concurrency, async (i) => {
      const s = process.hrtime.bigint();
      try {
        const res = await send(i);
        latencies[i] = Number(process.hrtime.bigint() - s) / 1e6;
        check(res);
      } catch (err) {
        latencies[i] = Number(process.hrtime.bigint() - s) / 1e6;
        if (errors.length < 5) errors.push(err.message);
        else errors.push('');
      }
    });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { n, latencies: Array.from(latencies), wallMs, errors };
  }

  async post(path) {
    return request(http, { method: 'POST', host: '127.0.0.1', port: this.port, path, agent: this.appAgent });
  }

  close() {
    this.appAgent.destroy();
  }
}

module.exports = { Driver, createEmulatorAgent, pool };
