/**
 * No secret ever leaks: provoke every failure we can (bad secret, reused
 * code, transport faults, userinfo/refresh errors, an unreachable API),
 * capture everything printed and every error, and grep all of it — plus
 * String(err), err.stack, util.inspect(err) and JSON.stringify(err) — for the
 * app secrets, the codes and the tokens the emulator issued. WeCom too: the
 * agent secrets, codes, corp tokens and user_tickets, through a success, each
 * failure and the 40001/60020/50001 errors, in answers, headers, errors, log
 * lines and util.inspect of the strategy and the profiles.
 */
import util from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import type { WeComStrategyOptions } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import type { FaultKind } from '../../lib/testing/types';
import { Browser, startLoginApp, type LoginApp } from '../helpers/login-app';
import { freePort } from '../helpers/processes';
import { exchange, json, setFaultOnBothBases } from '../testing/helpers';
import {
  callbackParams,
  login as appLogin,
  startApp,
  TestBrowser,
  TEST_SESSION_SECRET,
  WECHAT_UA,
  type Harness,
} from '../example-app/helpers';
import { startWeComApp, weComCallbackURL, WXWORK_UA, type WeComApp } from '../wecom/helpers';
import { recordDiagnostics } from '../diagnostics/record';

// Every diagnostics channel, subscribed for the whole file: every payload published is searched too.
const diagnostics = recordDiagnostics();
afterAll(() => diagnostics.stop());

const WRONG_SECRET = 'ffffffffffffffffffffffffffff0bad';
const TOKEN = '/sns/oauth2/access_token';
const USERINFO = '/sns/userinfo';
const REFRESH = '/sns/oauth2/refresh_token';
const FAST_FAULTS: FaultKind[] = ['reset', '502', 'html', 'truncated', -1, 'timeout'];

let mock: MockWeChat;
let good: LoginApp;
let bad: LoginApp;
let dead: LoginApp;
const printed: string[] = [];
const errors: unknown[] = [];
const bodies: string[] = [];
const codes: string[] = [];
const issuedTokens: string[] = [];
const restore: Array<() => void> = [];

function capture() {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function (chunk: unknown, ...rest: unknown[]) {
      printed.push(String(chunk));
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(util.format(...args));
    });
    restore.push(() => spy.mockRestore());
  }
}

/** Login through `app`; records the code and the response body. */
async function login(app: LoginApp, browser = new Browser()) {
  const cb = await browser.callbackURL(app.url);
  const code = new URL(cb).searchParams.get('code');
  if (code) codes.push(code);
  const res = await browser.get(cb);
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, cb, browser };
}

async function settle<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    errors.push(err);
    return undefined;
  }
}

beforeAll(async () => {
  capture();
  mock = await createMockWeChat({ slowMs: 600 });
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  good = await startLoginApp(mock, { strategy: { timeout: 300 } });
  bad = await startLoginApp(mock, { strategy: { timeout: 300, appSecret: WRONG_SECRET } });
  const port = await freePort();
  dead = await startLoginApp(mock, {
    strategy: { timeout: 300, apiBaseURL: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/api2`] },
  });
});

afterAll(async () => {
  await good?.close();
  await bad?.close();
  await dead?.close();
  await mock?.close();
  for (const r of restore.reverse()) r();
});

function secrets(): string[] {
  const all = [mock.apps.mp.appSecret, mock.apps.web.appSecret, WRONG_SECRET, ...codes, ...issuedTokens];
  for (const app of [good, bad, dead]) for (const t of app.tokens) all.push(t.accessToken, t.refreshToken);
  return [...new Set(all.filter((s) => typeof s === 'string' && s.length >= 8))];
}

function errorTexts(err: unknown): string[] {
  const e = err as Error;
  let json = '';
  try {
    json = JSON.stringify(err) ?? '';
  } catch (x) {
    json = `unserializable: ${String(x)}`;
  }
  return [String(err), e?.stack ?? '', util.inspect(err, { depth: 5 }), json, e?.message ?? ''];
}

describe('secrets never appear in output or errors', () => {
  it('provokes every failure path and collects what it can', async () => {
    // 1. A successful login: its code and tokens are secrets from now on.
    const ok = await login(good);
    expect(ok.status).toBe(200);
    const { accessToken, refreshToken, openid } = good.tokens[0];
    expect(accessToken).toMatch(/^83_/);

    // 2. Reused code: someone (the slow primary, an attacker) redeemed it first.
    {
      const browser = new Browser();
      const cb = await browser.callbackURL(good.url);
      const code = new URL(cb).searchParams.get('code') as string;
      codes.push(code);
      const direct = json(await exchange(mock, 'mp', code)) as { access_token: string; refresh_token: string };
      issuedTokens.push(direct.access_token, direct.refresh_token);
      const res = await browser.get(cb);
      const text = await res.text();
      bodies.push(text);
      expect(res.status).toBe(401);
      expect(JSON.parse(text).failed.message).toBe('invalid_code');
      // and the very same callback replayed in another browser
      const other = new Browser();
      const again = await other.get(cb);
      bodies.push(await again.text());
    }

    // 3. Wrong appSecret: 40125.
    const wrong = await login(bad);
    expect(wrong.status).toBe(500);
    expect(wrong.text).toMatch(/40125/);

    // 4. Token / userinfo faults on both bases.
    for (const path of [TOKEN, USERINFO]) {
      for (const kind of FAST_FAULTS) {
        setFaultOnBothBases(mock, path, kind);
        const r = await login(good);
        expect(r.status).toBe(500);
      }
    }

    // 5. Strategy helpers: userinfo, refresh, checkAccessToken, with faults and bad inputs.
    const s = good.strategy;
    await settle(s.getUserInfo('83_notatoken', openid));
    await settle(s.getUserInfo(accessToken, mock.openidOf('mp', 'bob')));
    await settle(s.refreshAccessToken('83_notarefreshtoken'));
    for (const kind of FAST_FAULTS) {
      for (const path of [USERINFO, REFRESH, '/sns/auth']) {
        setFaultOnBothBases(mock, path, kind);
      }
      await settle(s.getUserInfo(accessToken, openid));
      const refreshed = await settle(s.refreshAccessToken(refreshToken));
      expect(refreshed).toBeUndefined();
      await settle(s.checkAccessToken(accessToken, openid));
    }
    const refreshed = await s.refreshAccessToken(refreshToken);
    issuedTokens.push(refreshed.accessToken, refreshed.refreshToken);

    // 6. Transport errors: an API base nobody listens on.
    const unreachable = await login(dead);
    expect(unreachable.status).toBe(500);
    await settle(dead.strategy.refreshAccessToken(refreshToken));
    await settle(dead.strategy.getUserInfo(accessToken, openid));
    await settle(dead.strategy.checkAccessToken(accessToken, openid));

    // Also print every error the way an app's logger would.
    for (const err of [...errors, ...good.errors, ...bad.errors, ...dead.errors]) {
      console.error('login error:', err);
      console.log(util.inspect(err, { depth: 5, showHidden: true }));
    }
    expect(errors.length).toBeGreaterThan(10);
    expect(good.errors.length).toBeGreaterThanOrEqual(12);
    expect(bad.errors).toHaveLength(1);
  });

  it('finds none of the secrets, codes or tokens anywhere', () => {
    const list = secrets();
    expect(list.length).toBeGreaterThanOrEqual(8);
    const haystacks: Array<[string, string]> = [
      ...printed.map((t, i) => [`printed[${i}]`, t] as [string, string]),
      ...bodies.map((t, i) => [`body[${i}]`, t] as [string, string]),
    ];
    const published = diagnostics.texts();
    expect(diagnostics.logins().length).toBeGreaterThan(10);
    expect(diagnostics.upstream().length).toBeGreaterThan(20);
    for (const [i, t] of published.entries()) haystacks.push([`diagnostics[${i}]`, t]);
    for (const [i, err] of [...errors, ...good.errors, ...bad.errors, ...dead.errors].entries()) {
      for (const [j, t] of errorTexts(err).entries()) haystacks.push([`error[${i}].${j}`, t]);
    }
    const leaks: string[] = [];
    for (const [where, text] of haystacks) {
      for (const secret of list) if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 6)}…`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('example app pages', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startApp();
  });
  afterAll(async () => {
    await h.close();
  });

  it('error and failure pages and logs never contain secrets or codes', async () => {
    const seenCodes: string[] = [];
    const ok = await appLogin(h, new TestBrowser(h, WECHAT_UA), { client: 'mp' });
    const okCode = callbackParams(ok.callbackURL).code;
    if (okCode) seenCodes.push(okCode);
    // reused code: replay the same callback in another browser, and in the same one
    const replay = new TestBrowser(h, WECHAT_UA);
    await replay.get(ok.callbackURL);
    for (const kind of ['502', 'html', 'truncated', 'reset', -1] as FaultKind[]) {
      for (const path of [TOKEN, USERINFO]) {
        setFaultOnBothBases(h.mock, path, kind);
        const browser = new TestBrowser(h, WECHAT_UA);
        const r = await appLogin(h, browser, { client: 'mp' });
        const code = callbackParams(r.callbackURL).code;
        if (code) seenCodes.push(code);
        if (r.callback.location) await browser.get(r.callback.location);
        setFaultOnBothBases(h.mock, path, kind, 0);
      }
    }
    const list = [h.mock.apps.mp.appSecret, h.mock.apps.web.appSecret, TEST_SESSION_SECRET, ...seenCodes];
    const leaks: string[] = [];
    for (const [where, text] of [
      ...h.bodies.map((b, i) => [`body[${i}]`, b]),
      ...h.logs.map((l, i) => [`log[${i}]`, l]),
    ]) {
      for (const secret of list) if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 6)}…`);
    }
    // The emulator's own pages are in h.bodies too; only the app's must be clean, but the emulator never echoes secrets either.
    expect(leaks).toEqual([]);
    expect(seenCodes.length).toBeGreaterThan(5);
  });
});

describe('Mini Program and mobile app: session_key, phone codes and access tokens', () => {
  it('appear in no outcome, error, inspect output or log line', async () => {
    const { WeChatMiniProgramStrategy, WeChatAppStrategy, MemorySessionKeyStore } = await import('../../lib');
    const { authenticate: run, postJSON } = await import('../miniprogram/helpers');
    const keys = new MemorySessionKeyStore();
    const base = { ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, timeout: 300, sessionKeyStore: keys };
    const mini = new WeChatMiniProgramStrategy(base);
    const wrong = new WeChatMiniProgramStrategy({ ...base, appSecret: WRONG_SECRET });
    const app = new WeChatAppStrategy({ ...mock.apps.app, apiBaseURL: mock.apiBaseURL, timeout: 300 });
    const seen: unknown[] = [];
    const list: string[] = [mock.apps.miniprogram.appSecret, mock.apps.app.appSecret, WRONG_SECRET];
    const openid = mock.openidOf('miniprogram', 'alice');

    // Logins: success, reuse, wrong secret, a blocked user, every transport fault.
    const jsCode = mock.miniProgramLogin('alice');
    list.push(jsCode);
    seen.push(await run(mini, postJSON({ code: jsCode })));
    list.push(keys.get(mock.apps.miniprogram.appID, openid) as string);
    seen.push(await run(new WeChatMiniProgramStrategy(base), postJSON({ code: jsCode })));
    for (const s of [wrong, mini]) {
      const code = mock.miniProgramLogin('bob');
      list.push(code);
      seen.push(await run(s, postJSON({ code })));
    }
    list.push(keys.get(mock.apps.miniprogram.appID, mock.openidOf('miniprogram', 'bob')) as string);
    mock.setUserBlocked('snapshot', true);
    const blocked = mock.miniProgramLogin('snapshot');
    list.push(blocked);
    seen.push(await run(mini, postJSON({ code: blocked })));
    for (const kind of FAST_FAULTS) {
      setFaultOnBothBases(mock, '/sns/jscode2session', kind);
      const code = mock.miniProgramLogin('alice');
      list.push(code);
      seen.push(await run(mini, postJSON({ code })));
    }
    list.push(keys.get(mock.apps.miniprogram.appID, openid) as string);

    // The access token and phone codes: success, reuse, stale token, faults.
    const token = await mini.accessTokens.getAccessToken();
    list.push(token);
    const phone = mock.phoneCode('alice');
    list.push(phone);
    seen.push(await mini.getPhoneNumber(phone).catch((e: unknown) => e));
    seen.push(await mini.getPhoneNumber(phone).catch((e: unknown) => e));
    for (const kind of FAST_FAULTS) {
      setFaultOnBothBases(mock, '/wxa/business/getuserphonenumber', kind);
      const code = mock.phoneCode('bob');
      list.push(code);
      seen.push(await mini.getPhoneNumber(code).catch((e: unknown) => e));
      setFaultOnBothBases(mock, '/wxa/checksession', kind);
      seen.push(await mini.checkSessionKey(openid).catch((e: unknown) => e));
    }
    seen.push(await wrong.getPhoneNumber(mock.phoneCode('alice')).catch((e: unknown) => e));
    seen.push(await wrong.accessTokens.getAccessToken().catch((e: unknown) => e));

    // Open data after a rotation, with bad inputs, and for a user without a key.
    const old = mock.encryptedDataFor('alice', { phoneNumber: '13800000000' });
    const rotated = mock.miniProgramLogin('alice');
    list.push(rotated);
    seen.push(await run(mini, postJSON({ code: rotated })));
    list.push(keys.get(mock.apps.miniprogram.appID, openid) as string);
    seen.push(await mini.decryptData(openid, old.encryptedData, old.iv).catch((e: unknown) => e));
    seen.push(await mini.decryptData(openid, old.encryptedData, 'bad').catch((e: unknown) => e));
    seen.push(await mini.verifyRawData('o-nobody', '{}', 'x').catch((e: unknown) => e));

    // The mobile app: success (its tokens are secrets), reuse, faults.
    const appCode = mock.appLogin('alice');
    list.push(appCode);
    const appOk = await run(app, postJSON({ code: appCode }));
    seen.push(
      appOk,
      await run(new WeChatAppStrategy({ ...mock.apps.app, apiBaseURL: mock.apiBaseURL }), postJSON({ code: appCode })),
    );
    for (const kind of FAST_FAULTS) {
      setFaultOnBothBases(mock, USERINFO, kind);
      const code = mock.appLogin('bob');
      list.push(code);
      seen.push(await run(app, postJSON({ code })));
    }

    const texts: string[] = [];
    for (const item of seen) {
      const value = (item as { error?: unknown }).error ?? item;
      console.error('mini program outcome:', value);
      texts.push(...errorTexts(value), util.inspect(item, { depth: 9, showHidden: true }));
    }
    texts.push(
      util.inspect(mini, { depth: 9, showHidden: true }),
      util.inspect(keys, { depth: 9, showHidden: true }),
      util.inspect(mini.accessTokens, { depth: 9, showHidden: true }),
      ...printed,
      ...diagnostics.texts(),
    );
    const secretsList = [...new Set(list.filter((s) => typeof s === 'string' && s.length >= 8))];
    expect(secretsList.length).toBeGreaterThan(30);
    expect(seen.filter((o) => o instanceof Error || (o as { kind?: string }).kind === 'error').length).toBeGreaterThan(
      15,
    );
    const leaks: string[] = [];
    for (const [i, text] of texts.entries())
      for (const secret of secretsList)
        if (text.includes(secret)) leaks.push(`text[${i}] contains ${secret.slice(0, 6)}…`);
    expect(leaks).toEqual([]);
  });
});

describe('WeCom: the corp token, user_ticket, agent secret and codes', () => {
  const WRONG_AGENT_SECRET = 'wrongAgentSecret0123456789abcdefghijklmnopq';
  /** What WeCom's answers carried: every corp token and user_ticket the strategies received. */
  const issued = new Set<string>();
  const texts: Array<[string, string]> = [];
  const weComCodes: string[] = [];
  const apps: WeComApp[] = [];

  /** An axios instance that notes the tokens and user_tickets in WeCom's answers (bodies arrive as text). */
  function recordingClient(): AxiosInstance {
    const client = axios.create();
    client.interceptors.response.use((res) => {
      const body = typeof res.data === 'string' ? res.data : JSON.stringify(res.data);
      for (const m of body.matchAll(/"(access_token|user_ticket)":"([^"]+)"/g)) issued.add(m[2] as string);
      return res;
    });
    return client;
  }

  async function app(options: Partial<WeComStrategyOptions>): Promise<WeComApp> {
    const started = await startWeComApp(mock, { timeout: 300, httpClient: recordingClient(), ...options });
    apps.push(started);
    return started;
  }

  /** One login as `user` through `target`; records the code, the answer's body and headers. */
  async function weComLogin(target: WeComApp, user: string, ua = WXWORK_UA) {
    const browser = new Browser(ua);
    mock.setWeComAutoConsent({ user, decision: 'allow' });
    try {
      const cb = await weComCallbackURL(browser, target.url);
      const code = new URL(cb).searchParams.get('code');
      if (code) weComCodes.push(code);
      const res = await browser.get(cb);
      const text = await res.text();
      texts.push([`body of ${user}`, text], [`headers of ${user}`, JSON.stringify([...res.headers])]);
      return { status: res.status, body: JSON.parse(text) as Record<string, any>, cb };
    } finally {
      mock.setWeComAutoConsent(null);
    }
  }

  afterAll(async () => {
    mock.configureWeCom('wecom', { trustedIPs: ['127.0.0.1', '::1'], domains: ['localhost', '127.0.0.1'] });
    for (const a of apps) await a.close();
  });

  it('provokes every WeCom outcome: success with a user_ticket, each failure, 60020, 50001, a wrong secret', async () => {
    const sensitive = await app({ scope: 'snsapi_privateinfo', profile: 'sensitive' });
    const member = await app({ profile: 'member' });
    const web = await app({ client: 'web', profile: 'member' });
    const wrong = await app({ agentSecret: WRONG_AGENT_SECRET });

    // Success: privateinfo with the sensitive profile (a user_ticket), and the browser login.
    expect((await weComLogin(sensitive, 'zhangsan')).status).toBe(200);
    expect(sensitive.profiles[0]?.emails?.length).toBeGreaterThan(0);
    expect((await weComLogin(web, 'lisi', 'Mozilla/5.0 (Macintosh) Chrome/126.0')).status).toBe(200);
    expect([...issued].length).toBeGreaterThanOrEqual(2); // a corp token and the user_ticket

    // Failures: not_member, not_in_app_scope, invalid_code (a code redeemed elsewhere), the replay, access_denied.
    expect((await weComLogin(member, 'guest')).body.failed.message).toBe('not_member');
    expect((await weComLogin(member, 'customer')).body.failed.message).toBe('not_member');
    expect((await weComLogin(member, 'wangwu')).body.failed.message).toBe('not_in_app_scope');
    {
      const browser = new Browser(WXWORK_UA);
      const start = await browser.get(`${member.url}/login`);
      const state = new URL(start.headers.get('location') as string).searchParams.get('state') as string;
      const code = mock.wecomCode('lisi', { redirectURI: `${member.url}/cb` });
      weComCodes.push(code);
      const token = await member.strategy.accessTokens.getAccessToken();
      await fetch(`${mock.wecom.apiBaseURL}/cgi-bin/auth/getuserinfo?access_token=${token}&code=${code}`);
      const res = await browser.get(`${member.url}/cb?code=${code}&state=${state}`);
      const text = await res.text();
      texts.push(['body of invalid_code', text], ['headers of invalid_code', JSON.stringify([...res.headers])]);
      expect(JSON.parse(text).failed).toMatchObject({ message: 'invalid_code', errcode: 40029 });
      const replayed = await new Browser(WXWORK_UA).get(`${member.url}/cb?code=${code}&state=${state}`);
      texts.push(['body of the replay', await replayed.text()]);
      expect(replayed.status).toBe(403);
      const denied = await browser.get(`${member.url}/cb?state=${state}`);
      texts.push(['body of access_denied', await denied.text()]);
      expect(denied.status).toBe(403);
    }

    // Errors: a wrong secret (40001), an untrusted server IP (60020), an untrusted callback host (50001).
    const wrongSecret = await weComLogin(wrong, 'zhangsan');
    expect(wrongSecret.status).toBe(500);
    expect(wrongSecret.body.error).toMatch(/40001/);
    mock.configureWeCom('wecom', { trustedIPs: ['10.0.0.1'] });
    const untrustedIP = await weComLogin(member, 'lisi');
    expect(untrustedIP.status).toBe(500);
    expect(untrustedIP.body.error).toMatch(/60020/);
    mock.configureWeCom('wecom', { trustedIPs: ['127.0.0.1', '::1'], domains: ['example.com'] });
    const untrustedHost = await weComLogin(member, 'lisi');
    expect(untrustedHost.status).toBe(500);
    expect(untrustedHost.body.error).toMatch(/50001/);
    mock.configureWeCom('wecom', { domains: ['localhost', '127.0.0.1'] });
    // A rotated token (42001, fetched again) is a secret too.
    mock.expireWeComTokens('wecom');
    expect((await weComLogin(sensitive, 'lisi')).status).toBe(200);

    const weComErrors = apps.flatMap((a) => a.errors);
    expect(weComErrors.map((e) => e.name)).toEqual(['WeComAPIError', 'WeComAPIError', 'WeComAPIError']);
    for (const err of weComErrors) {
      console.error('wecom login error:', err);
      console.log(util.inspect(err, { depth: 5, showHidden: true }));
      for (const [j, t] of errorTexts(err).entries()) texts.push([`${err.name}.${j}`, t]);
    }
    for (const a of apps) {
      for (const [i, p] of a.profiles.entries())
        texts.push([`inspect(profile ${i})`, util.inspect(p, { depth: 9, showHidden: true })]);
      texts.push(['inspect(strategy)', util.inspect(a.strategy, { depth: 9, showHidden: true })]);
      texts.push(['inspect(accessTokens)', util.inspect(a.strategy.accessTokens, { depth: 9, showHidden: true })]);
    }
  });

  it('finds none of them in any answer, header, error, log line or inspect output', () => {
    const list = [
      mock.apps.wecom.agentSecret,
      mock.apps.wecomOther.agentSecret,
      WRONG_AGENT_SECRET,
      ...weComCodes,
      ...issued,
    ].filter((s) => s.length >= 8);
    expect(weComCodes.length).toBeGreaterThanOrEqual(10);
    expect(issued.size).toBeGreaterThanOrEqual(4); // two corp tokens (before and after the expiry) and two user_tickets
    const haystacks = [...texts, ...printed.map((t, i) => [`printed[${i}]`, t] as [string, string])];
    const leaks: string[] = [];
    for (const [where, text] of haystacks)
      for (const secret of list) if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 6)}…`);
    expect(leaks).toEqual([]);
  });
});

describe('example app pages and logs: WeCom', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp();
  });
  afterAll(async () => {
    h.mock.configureWeCom('wecom', { trustedIPs: ['127.0.0.1', '::1'] });
    await h.close();
  });

  it('never contain the agent secret or a code, through success, not_member and a 60020 error page', async () => {
    const codesSeen: string[] = [];
    for (const [user, setup] of [
      ['lisi', () => undefined],
      ['guest', () => undefined],
      ['zhangsan', () => h.mock.configureWeCom('wecom', { trustedIPs: ['10.0.0.1'] })],
    ] as const) {
      setup();
      const browser = new TestBrowser(h, WXWORK_UA);
      const start = await browser.get('/auth/wecom');
      h.mock.setWeComAutoConsent({ user, decision: 'allow' });
      const back = await browser.get(start.location as string);
      h.mock.setWeComAutoConsent(null);
      const code = new URL(back.location as string).searchParams.get('code');
      if (code) codesSeen.push(code);
      const callback = await browser.get(back.location as string);
      if (callback.location) await browser.get(callback.location);
    }
    expect(h.bodies.some((b) => b.includes('errcode 60020'))).toBe(true);
    expect(h.logs.some((l) => l.includes('60020'))).toBe(true);
    const list = [h.mock.apps.wecom.agentSecret, TEST_SESSION_SECRET, ...codesSeen];
    expect(codesSeen).toHaveLength(3);
    const leaks: string[] = [];
    for (const [where, text] of [
      ...h.bodies.map((b, i) => [`body[${i}]`, b]),
      ...h.logs.map((l, i) => [`log[${i}]`, l]),
    ])
      for (const secret of list) if (text.includes(secret)) leaks.push(`${where} contains ${secret.slice(0, 6)}…`);
    expect(leaks).toEqual([]);
  });
});
