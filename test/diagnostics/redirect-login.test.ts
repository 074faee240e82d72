/**
 * What a subscriber sees of a WeChat redirect login (WeChatStrategy against
 * the emulator over 127.0.0.1): one login span per callback with its
 * surface, outcome, errcode and duplicate role, and one upstream span per
 * HTTP attempt with its endpoint, host, status, errcode and failover.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser, startLoginApp, type LoginApp } from '../helpers/login-app';
import { exchange } from '../testing/helpers';
import { eventsOf, recordDiagnostics, type Recorder } from './record';

const TOKEN = '/sns/oauth2/access_token';
const USERINFO = '/sns/userinfo';

let mock: MockWeChat;
let app: LoginApp;
let recorder: Recorder;

beforeAll(async () => {
  mock = await createMockWeChat({ slowMs: 400 });
  app = await startLoginApp(mock, { strategy: { timeout: 300 } });
});
afterAll(async () => {
  await app?.close();
  await mock?.close();
});
beforeEach(() => {
  mock.reset();
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  recorder = recordDiagnostics();
});
afterEach(() => recorder.stop());

const primaryHost = () => new URL(mock.apiBaseURL[0]).host;

describe('diagnostics of a redirect login (WeChatStrategy)', () => {
  describe('a login that succeeds', () => {
    it('publishes one login span: strategy, surface, outcome, role and duration, start to asyncEnd', async () => {
      const browser = new Browser();
      expect((await browser.get(await browser.callbackURL(app.url))).status).toBe(200);
      const logins = recorder.logins();
      expect(logins).toEqual([
        expect.objectContaining({ strategy: 'wechat', surface: 'mp', role: 'leader', outcome: 'success' }),
      ]);
      expect(logins[0].durationMs).toBeGreaterThan(0);
      const span = recorder.events.find((e) => e.event === 'start' && e.channel.endsWith(':login'))!.payload;
      expect(eventsOf(recorder, span)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    });

    it('publishes the token and userinfo calls as upstream spans inside the login', async () => {
      const browser = new Browser();
      await browser.get(await browser.callbackURL(app.url));
      expect(recorder.upstream()).toEqual([
        expect.objectContaining({ method: 'GET', endpoint: TOKEN, host: primaryHost(), status: 200, errcode: 0 }),
        expect.objectContaining({ method: 'GET', endpoint: USERINFO, host: primaryHost(), status: 200, errcode: 0 }),
      ]);
      for (const call of recorder.upstream()) {
        expect(call).toMatchObject({ attempt: 1, failover: false, retry: false, result: undefined });
        expect(call.durationMs).toBeGreaterThan(0);
      }
      const order = recorder.events.map((e) => `${e.channel.split(':')[1]}:${e.event}`);
      expect(order.indexOf('login:start')).toBeLessThan(order.indexOf('upstream:start'));
      expect(order.lastIndexOf('upstream:asyncEnd')).toBeLessThan(order.indexOf('login:asyncEnd'));
    });

    it('does not publish the start of a login (the redirect to WeChat)', async () => {
      await new Browser().get(`${app.url}/login`);
      expect(recorder.events).toEqual([]);
    });
  });

  describe('a login that fails', () => {
    it('a code used elsewhere: outcome fail with the message, status and errcode', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      await exchange(mock, 'mp', new URL(callback).searchParams.get('code') as string);
      expect((await browser.get(callback)).status).toBe(401);
      expect(recorder.logins()).toEqual([
        expect.objectContaining({ outcome: 'fail', message: 'invalid_code', status: 400, errcode: 40163 }),
      ]);
      expect(recorder.upstream()).toEqual([expect.objectContaining({ endpoint: TOKEN, status: 200, errcode: 40163 })]);
    });

    it('a refusal (access_denied) is a login with role none and no upstream call', async () => {
      mock.setAutoConsent({ user: 'alice', decision: 'deny' });
      const browser = new Browser();
      expect((await browser.get(await browser.callbackURL(app.url))).status).toBe(401);
      expect(recorder.logins()).toEqual([
        expect.objectContaining({ surface: 'mp', role: 'none', outcome: 'fail', message: 'access_denied' }),
      ]);
      expect(recorder.upstream()).toEqual([]);
    });
  });

  describe('a login that errs', () => {
    it('a wrong appSecret: outcome error with the error name and errcode, and the error event', async () => {
      const bad = await startLoginApp(mock, { strategy: { appSecret: 'ffffffffffffffffffffffffffff0bad' } });
      try {
        const browser = new Browser();
        expect((await browser.get(await browser.callbackURL(bad.url))).status).toBe(500);
      } finally {
        await bad.close();
      }
      const [login] = recorder.logins();
      expect(login).toMatchObject({ outcome: 'error', errorName: 'WeChatAPIError', errcode: 40125 });
      const errorEvent = recorder.events.find((e) => e.channel.endsWith(':login') && e.event === 'error');
      expect(errorEvent?.fields.error).toBeInstanceOf(Error);
    });

    it('WeChat down on both bases: the upstream spans carry the failure and the error', async () => {
      mock.setFault(TOKEN, '502', 1);
      mock.setFault(`/api2${TOKEN}`, 'reset', 1);
      const browser = new Browser();
      expect((await browser.get(await browser.callbackURL(app.url))).status).toBe(500);
      const [first, second] = recorder.upstream();
      expect(first).toMatchObject({ attempt: 1, failover: false, status: 502, failure: 'http_502' });
      expect(second).toMatchObject({ attempt: 2, failover: true, failoverFrom: 'http_502', failure: 'ECONNRESET' });
      expect(second.errcode).toBeUndefined();
      expect(recorder.events.filter((e) => e.channel.endsWith(':upstream') && e.event === 'error')).toHaveLength(2);
      expect(recorder.logins()).toEqual([expect.objectContaining({ outcome: 'error' })]);
    });
  });

  describe('a failover', () => {
    it('errcode -1 on the primary: a second attempt on the next base, marked failover', async () => {
      mock.setFault(TOKEN, -1, 1);
      const browser = new Browser();
      expect((await browser.get(await browser.callbackURL(app.url))).status).toBe(200);
      const tokenCalls = recorder.upstream().filter((u) => u.endpoint === TOKEN);
      expect(tokenCalls).toEqual([
        expect.objectContaining({ attempt: 1, failover: false, status: 200, errcode: -1 }),
        expect.objectContaining({ attempt: 2, failover: true, failoverFrom: 'errcode_-1', status: 200, errcode: 0 }),
      ]);
      expect(recorder.logins()).toEqual([expect.objectContaining({ outcome: 'success' })]);
    });
  });

  describe("WeChat's double callback", () => {
    it('publishes the leader and the follower: one code exchange, two logins', async () => {
      mock.setFault(TOKEN, 'slow', 1);
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      const [a, b] = await Promise.all([browser.get(callback), browser.get(callback)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const roles = recorder.logins().map((l) => `${l.role}:${l.outcome}`);
      expect(roles.sort()).toEqual(['follower:success', 'leader:success']);
      // One logical exchange (the slow primary outlasts `timeout`, so it fails over once).
      expect(recorder.upstream().filter((u) => u.endpoint === TOKEN && !u.failover)).toHaveLength(1);
    });
  });
});
