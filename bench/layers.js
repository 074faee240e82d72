'use strict';
// Where a login's CPU goes inside this package, without Express or Passport:
// the same two upstream GETs (token + userinfo) made (a) with node:http and a
// keep-alive agent, (b) through WeChatHttpClient (axios with the package's
// keep-alive adapter), and (c) through the whole strategy (authenticate on a
// per-request object, as passport does). A last row runs WeChatHttpClient on
// an axios instance whose adapter answers at once without I/O: the cost of
// the client and axios's request pipeline alone.
// The emulator runs in this process over plain HTTP on 127.0.0.1, so the
// figures include its share; compare the rows, not the absolute numbers.
// Usage: npm run build && node bench/layers.js [logins]
const http = require('node:http');
const { requireSelf } = require('./self');
const { pool } = require('./driver');
const { median } = require('./stats');

const { Strategy, WeChatHttpClient } = requireSelf('passport-wechat-oauth2');
const axios = requireSelf('axios');
const { createMockWeChat } = requireSelf('passport-wechat-oauth2/testing');

const N = Number(process.argv[2] || 3000);
const CONCURRENCY = 20;
const ROUNDS = 3;

async function main() {
  const mock = await createMockWeChat();
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  const { appID, appSecret } = mock.apps.mp;
  const agent = new http.Agent({ keepAlive: true });
  const client = new WeChatHttpClient({ apiBaseURL: mock.apiBaseURL });
  const canned = JSON.stringify({ access_token: 'ACCESS', openid: 'OPENID', nickname: 'n' });
  const noIO = new WeChatHttpClient({
    apiBaseURL: mock.apiBaseURL,
    httpClient: axios.create({ adapter: (config) => Promise.resolve({ data: canned, status: 200, statusText: 'OK', headers: {}, config }) }),
  });
  const strategy = new Strategy({ appID, appSecret, apiBaseURL: mock.apiBaseURL, callbackURL: 'http://127.0.0.1/cb', state: false });

  async function mintCode() {
    const url = `${mock.authorizationURL}?appid=${appID}&redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}&response_type=code&scope=snsapi_userinfo&state=x`;
    const res = await globalThis.fetch(url, { redirect: 'manual' });
    return new URL(res.headers.get('location')).searchParams.get('code');
  }
  const getJSON = (url) =>
    new Promise((resolve, reject) => {
      http.get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      }).on('error', reject);
    });
  const viaStrategy = (code) =>
    new Promise((resolve, reject) => {
      const s = Object.create(strategy);
      s.success = resolve;
      s.fail = (c) => reject(new Error(JSON.stringify(c)));
      s.error = reject;
      s.redirect = () => reject(new Error('unexpected redirect'));
      s.authenticate({ query: { code, state: 'm' }, headers: {}, session: {}, url: '/cb', connection: {} }, {});
    });
  const layers = {
    'node:http': async (code) => {
      const t = await getJSON(`${mock.url}/sns/oauth2/access_token?appid=${appID}&secret=${appSecret}&code=${code}&grant_type=authorization_code`);
      await getJSON(`${mock.url}/sns/userinfo?access_token=${t.access_token}&openid=${t.openid}&lang=zh_CN`);
    },
    'WeChatHttpClient (axios)': async (code) => {
      const t = (await client.get('/sns/oauth2/access_token', { appid: appID, secret: appSecret, code, grant_type: 'authorization_code' })).json;
      await client.get('/sns/userinfo', { access_token: t.access_token, openid: t.openid, lang: 'zh_CN' });
    },
    'WeChatStrategy (no Passport/Express)': viaStrategy,
    'WeChatHttpClient + axios pipeline, no I/O': async (code) => {
      const t = (await noIO.get('/sns/oauth2/access_token', { appid: appID, secret: appSecret, code, grant_type: 'authorization_code' })).json;
      await noIO.get('/sns/userinfo', { access_token: t.access_token, openid: t.openid, lang: 'zh_CN' });
    },
  };

  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, login] of Object.entries(layers)) {
      const codes = [];
      for (let i = 0; i < N + 200; i++) codes.push(await mintCode());
      for (let i = 0; i < 200; i++) await login(codes.pop());
      const cpu0 = process.cpuUsage();
      await pool(N, CONCURRENCY, () => login(codes.pop()));
      const cpu = process.cpuUsage(cpu0);
      (results[name] ??= []).push((cpu.user + cpu.system) / 1000 / N);
    }
  }
  console.log(`| layer | CPU ms per login (median of ${ROUNDS} rounds × ${N}, emulator included) |\n|---|--:|`);
  for (const [name, runs] of Object.entries(results)) {
    console.log(`| ${name} | ${median(runs).toFixed(3)} |`);
  }
  agent.destroy();
  await mock.close();
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
