/**
 * WeComStrategy's outcomes table (the contract), against the bundled
 * emulator answering as WeCom does: HTTP 200 with errcode bodies, single-use
 * codes, its own token checks.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';
import { startWeComApp, weComCallbackURL, WXWORK_UA, type WeComApp } from './helpers';

let mock: MockWeChat;
let app: WeComApp;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
});
afterEach(() => app?.close());

/** Walks a login to WeCom's redirect back, then sends the callback. */
async function callback(url: string = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const browser = new Browser(WXWORK_UA);
  const back = url || (await weComCallbackURL(browser, app.url));
  const res = await browser.get(back);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const requests = (path: string): number => mock.stats().requests[path] ?? 0;

describe('WeComStrategy outcomes', () => {
  describe('the user refuses, or WeCom calls back with a state and no code', () => {
    it('fails with access_denied (403) without calling WeCom', async () => {
      app = await startWeComApp(mock);
      const res = await callback(`${app.url}/cb?state=qabc`);
      expect(res.status).toBe(403);
      expect(res.body.failed).toMatchObject({ message: 'access_denied' });
      expect(requests('/cgi-bin/gettoken')).toBe(0);
    });

    it('fails with access_denied on an empty code, as WeCom sends with an empty state (§1.1)', async () => {
      app = await startWeComApp(mock);
      const res = await callback(`${app.url}/cb?code=&state=`);
      expect([res.status, (res.body.failed as { message: string }).message]).toEqual([403, 'access_denied']);
    });
  });

  describe('a code WeCom refuses with 40029 (invalid, used or expired)', () => {
    it('fails with invalid_code and the errcode (400), not an error', async () => {
      app = await startWeComApp(mock);
      mock.setFault('/cgi-bin/auth/getuserinfo', 40029, 2);
      const res = await callback();
      expect(res.status).toBe(400);
      expect(res.body.failed).toMatchObject({ message: 'invalid_code', errcode: 40029 });
      expect(app.errors).toEqual([]);
    });

    it('a code redeemed by another server first (the emulator consumed it) is invalid_code, exchanged once more only', async () => {
      app = await startWeComApp(mock);
      const browser = new Browser(WXWORK_UA);
      const back = await weComCallbackURL(browser, app.url);
      const code = new URL(back).searchParams.get('code') as string;
      // Another server redeems the code first (wecom-protocol.md §5: two servers consuming one code).
      const token = await app.strategy.accessTokens.getAccessToken();
      await fetch(`${mock.wecom.apiBaseURL}/cgi-bin/auth/getuserinfo?access_token=${token}&code=${code}`);
      const before = requests('/cgi-bin/auth/getuserinfo');
      const res = await browser.get(back);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { failed: { errcode: number } }).failed.errcode).toBe(40029);
      expect(requests('/cgi-bin/auth/getuserinfo') - before).toBe(1);
    });
  });

  describe('a guest (non-member) under members: only', () => {
    it('fails with not_member (403) before any further call', async () => {
      app = await startWeComApp(mock, { profile: 'member' });
      mock.setWeComAutoConsent({ user: 'guest', decision: 'allow' });
      const res = await callback();
      expect(res.status).toBe(403);
      expect(res.body.failed).toMatchObject({ message: 'not_member' });
      expect(requests('/cgi-bin/user/get')).toBe(0);
      expect(app.profiles).toEqual([]);
    });
  });

  describe('a member outside the app visible range (可见范围)', () => {
    it.each([60011, 50002])('fails with not_in_app_scope and errcode %i (403)', async (errcode) => {
      app = await startWeComApp(mock, { profile: 'member' });
      mock.setFault('/cgi-bin/user/get', errcode, 2);
      const res = await callback();
      expect(res.status).toBe(403);
      expect(res.body.failed).toMatchObject({ message: 'not_in_app_scope', errcode });
    });

    it('WangWu, whom the emulator keeps out of range, fails the member lookup with 60011', async () => {
      app = await startWeComApp(mock, { profile: 'member' });
      mock.setWeComAutoConsent({ user: 'wangwu', decision: 'allow' });
      const res = await callback();
      expect(res.body.failed).toMatchObject({ message: 'not_in_app_scope', errcode: 60011 });
    });
  });

  describe('configuration errors answer `error` with what to fix', () => {
    it('50001 names 可信域名 and the callback host', async () => {
      app = await startWeComApp(mock);
      mock.setFault('/cgi-bin/auth/getuserinfo', 50001, 1);
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.name).toBe('WeComAPIError');
      expect(res.body.error).toContain('可信域名');
      expect(res.body.error).toContain(new URL(app.url).host);
    });

    it('60020 names 企业可信IP and the IP WeCom reported', async () => {
      app = await startWeComApp(mock);
      mock.configureWeCom('wecom', { trustedIPs: ['10.0.0.1'] });
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.error).toContain('企业可信IP');
      expect(res.body.error).toContain('127.0.0.1');
      expect(app.errors[0]).toMatchObject({ errcode: 60020, fromIP: '127.0.0.1' });
    });

    it('a wrong agentSecret (40001 on gettoken) says to check agentSecret', async () => {
      app = await startWeComApp(mock, { agentSecret: 'wrong-secret-value' });
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.error).toMatch(/agentSecret/);
      expect(res.body.error).not.toContain('wrong-secret-value');
    });

    it.each([
      [40013, /corpID/],
      [40091, /agentSecret/],
    ])('%i on gettoken answers a config hint', async (errcode, hint) => {
      app = await startWeComApp(mock);
      mock.setFault('/cgi-bin/gettoken', errcode, 1);
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.error).toMatch(hint);
    });

    it('301002 says to use one token manager per agent', async () => {
      app = await startWeComApp(mock);
      mock.setFault('/cgi-bin/auth/getuserinfo', 301002, 1);
      const res = await callback();
      expect(res.body.error).toMatch(/one WeComAccessTokenManager per agent/);
    });
  });

  describe('a stale corp token (40014 or 42001 on a call)', () => {
    it.each([40014, 42001])(
      '%i: invalidates the token, fetches once and retries once; the login succeeds',
      async (errcode) => {
        app = await startWeComApp(mock);
        await app.strategy.accessTokens.getAccessToken();
        mock.setFault('/cgi-bin/auth/getuserinfo', errcode, 1);
        const tokensBefore = requests('/cgi-bin/gettoken');
        const res = await callback();
        expect(res.status).toBe(200);
        expect(requests('/cgi-bin/gettoken') - tokensBefore).toBe(1);
        expect(requests('/cgi-bin/auth/getuserinfo')).toBe(2);
      },
    );

    it('WeCom expiring the tokens early (42001) costs one re-fetch for the next login, then none', async () => {
      app = await startWeComApp(mock);
      expect((await callback()).status).toBe(200);
      mock.expireWeComTokens('wecom');
      expect((await callback()).status).toBe(200);
      expect((await callback()).status).toBe(200);
      expect(mock.stats().wecomGettoken[mock.apps.wecom.agentID]).toBe(2);
    });
  });

  describe('WeCom busy or unreachable', () => {
    it.each([
      ['-1', -1],
      ['an HTTP 502', '502'],
      ['a non-JSON body', 'html'],
    ] as const)('%s once: one retry, and the login succeeds', async (_name, kind) => {
      app = await startWeComApp(mock);
      mock.setFault('/cgi-bin/auth/getuserinfo', kind, 1);
      const res = await callback();
      expect(res.status).toBe(200);
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(2);
    });

    it.each([
      ['-1', -1, 'WeComAPIError'],
      ['an HTTP 502', '502', 'WeChatTransportError'],
      ['a timeout', 'timeout', 'WeChatTransportError'],
    ] as const)('%s twice: error with retryable: true after exactly two attempts', async (_name, kind, name) => {
      app = await startWeComApp(mock, { timeout: 300 });
      await app.strategy.accessTokens.getAccessToken();
      mock.setFault('/cgi-bin/auth/getuserinfo', kind, 2);
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.name).toBe(name);
      expect(app.errors[0]).toMatchObject({ retryable: true });
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(2);
    });
  });

  describe('an expired or invalid user_ticket on getuserdetail', () => {
    it.each([84014, 84015])('%i: error (WeComAPIError) with the errcode', async (errcode) => {
      app = await startWeComApp(mock, { scope: 'snsapi_privateinfo', profile: 'sensitive', client: 'wecom' });
      mock.setFault('/cgi-bin/auth/getuserdetail', errcode, 1);
      const res = await callback();
      expect(res.status).toBe(500);
      expect(res.body.name).toBe('WeComAPIError');
      expect(app.errors[0]).toMatchObject({ errcode });
    });
  });

  describe('state', () => {
    it('a forged state fails with invalid_state (403) and never reaches WeCom', async () => {
      app = await startWeComApp(mock);
      const browser = new Browser(WXWORK_UA);
      const back = new URL(await weComCallbackURL(browser, app.url));
      back.searchParams.set('state', 'qForgedState0000000000000000000000');
      const res = await browser.get(back.toString());
      expect(res.status).toBe(403);
      expect(((await res.json()) as { failed: { message: string } }).failed.message).toBe('invalid_state');
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(0);
    });

    it('a callback in another browser (no session of this login) fails with invalid_state', async () => {
      app = await startWeComApp(mock);
      const back = await weComCallbackURL(new Browser(WXWORK_UA), app.url);
      const res = await new Browser(WXWORK_UA).get(back);
      expect(res.status).toBe(403);
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(0);
    });

    it("a state issued for the other agent's login, in the same session, fails with invalid_state", async () => {
      app = await startWeComApp(mock, {}, undefined, { other: { ...mock.apps.wecomOther } });
      const browser = new Browser(WXWORK_UA);
      const login = await browser.get(`${app.url}/login-other`);
      const page = await browser.get((login.headers.get('location') as string).replace(/#wechat_redirect$/, ''));
      const back = page.headers.get('location') as string;
      // The callback of the other agent's login arrives at this strategy's route.
      const res = await browser.get(back.startsWith('http') ? back : app.url + back);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { failed: { message: string } }).failed.message).toBe('invalid_state');
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(0);
    });
  });
});
