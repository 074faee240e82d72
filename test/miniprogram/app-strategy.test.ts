/**
 * WeChatAppStrategy (native app SendAuth code) against the emulator.
 */
import { WeChatAPIError, WeChatAppStrategy, type WeChatAppProfile } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { authenticate, postJSON, requestCount } from './helpers';

const TOKEN = '/sns/oauth2/access_token';
const USERINFO = '/sns/userinfo';
let mock: MockWeChat;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function strategy(over: Record<string, unknown> = {}, verify?: (...args: any[]) => void): WeChatAppStrategy {
  const options = { ...mock.apps.app, apiBaseURL: mock.apiBaseURL, ...over };
  return verify ? new WeChatAppStrategy(options as never, verify as never) : new WeChatAppStrategy(options as never);
}

describe('WeChatAppStrategy', () => {
  describe('a SendAuth code', () => {
    it('exchanges it with the mobile appid, reads userinfo, and succeeds with client app', async () => {
      const outcome = await authenticate(strategy(), postJSON({ code: mock.appLogin('alice') }));
      expect(outcome.kind).toBe('success');
      const profile = (outcome as { user: WeChatAppProfile }).user;
      expect(profile).toMatchObject({
        provider: 'wechat',
        id: mock.openidOf('app', 'alice'),
        openid: mock.openidOf('app', 'alice'),
        unionid: mock.users[0].unionid,
        appID: mock.apps.app.appID,
        client: 'app',
        scope: 'snsapi_userinfo',
        displayName: 'Alice 爱丽丝',
      });
      expect(await requestCount(mock, USERINFO)).toBe(1);
      expect(JSON.stringify(profile)).not.toMatch(/access_token|refresh_token/);
    });

    it('skips /sns/userinfo with skipUserProfile (boolean, sync and callback forms)', async () => {
      const forms = [
        true,
        () => true,
        (_t: string, done: (e: Error | null, skip?: boolean) => void) => done(null, true),
      ];
      for (const skipUserProfile of forms) {
        const outcome = await authenticate(strategy({ skipUserProfile }), postJSON({ code: mock.appLogin('bob') }));
        expect((outcome as { user: WeChatAppProfile }).user).toMatchObject({
          openid: mock.openidOf('app', 'bob'),
          displayName: '',
          client: 'app',
        });
      }
      expect(await requestCount(mock, USERINFO)).toBe(0);
      const erroring = strategy({
        skipUserProfile: (_t: string, done: (e: Error | null) => void) => done(new Error('skip check failed')),
      });
      expect(await authenticate(erroring, postJSON({ code: mock.appLogin('bob') }))).toMatchObject({
        kind: 'error',
        error: { message: 'skip check failed' },
      });
    });
  });

  describe('outcomes', () => {
    it('fails invalid_request 400 without a code', async () => {
      expect(await authenticate(strategy(), postJSON({}))).toMatchObject({
        kind: 'fail',
        status: 400,
        challenge: { message: 'invalid_request' },
      });
    });

    it.each([
      ['a form post (what a cross-site form can send)', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['text/plain', { 'content-type': 'text/plain' }],
      ['no content type', {}],
    ])('fails invalid_request 415 for %s: login CSRF protection', async (_n, headers) => {
      const req = { method: 'POST', headers, body: { code: mock.appLogin('alice') }, query: {} };
      expect(await authenticate(strategy(), req)).toMatchObject({
        kind: 'fail',
        status: 415,
        challenge: { message: 'invalid_request' },
      });
      expect(await requestCount(mock, TOKEN)).toBe(0);
    });

    it('accepts a form post with jsonOnly: false', async () => {
      const req = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { code: mock.appLogin('alice') },
        query: {},
      };
      expect((await authenticate(strategy({ jsonOnly: false }), req)).kind).toBe('success');
    });

    it.each([
      [40029, 'an unknown code', async () => 'nope'],
      [
        40163,
        'a used code',
        async () => {
          const code = mock.appLogin('alice');
          await authenticate(strategy(), postJSON({ code }));
          return code;
        },
      ],
      [
        42003,
        'an expired code',
        async () => {
          mock.setFault(TOKEN, 42003, 1);
          return mock.appLogin('alice');
        },
      ],
    ])('fails invalid_code %i for %s', async (errcode, _n, codeFor) => {
      const code = await codeFor();
      expect(await authenticate(strategy(), postJSON({ code }))).toMatchObject({
        kind: 'fail',
        status: 400,
        challenge: { message: 'invalid_code', errcode },
      });
    });

    it('errors with a hint for a wrong secret', async () => {
      const outcome = await authenticate(
        strategy({ appSecret: 'f'.repeat(32) }),
        postJSON({ code: mock.appLogin('alice') }),
      );
      expect((outcome as { error: WeChatAPIError }).error).toMatchObject({ errcode: 40125 });
    });

    it('fails over to api2 on a 502 and errors when both bases fail', async () => {
      mock.setFault(TOKEN, '502', 1);
      expect((await authenticate(strategy(), postJSON({ code: mock.appLogin('alice') }))).kind).toBe('success');
      mock.setFault(TOKEN, '502', 1);
      mock.setFault('/api2' + TOKEN, -1, 1);
      expect((await authenticate(strategy(), postJSON({ code: mock.appLogin('alice') }))).kind).toBe('error');
    });

    it('redeems a code submitted twice once', async () => {
      const s = strategy();
      const code = mock.appLogin('bob');
      const [a, b] = await Promise.all([authenticate(s, postJSON({ code })), authenticate(s, postJSON({ code }))]);
      expect(a.kind).toBe('success');
      expect(b).toEqual(a);
      expect(await authenticate(s, postJSON({ code }))).toEqual(a);
      expect(await requestCount(mock, TOKEN)).toBe(1);
    });
  });

  describe('the four verify forms', () => {
    it('(accessToken, refreshToken, profile, done)', async () => {
      const s = strategy({}, (a: string, r: string, p: WeChatAppProfile, done: any) =>
        done(null, { a: a.length > 0, r: r.length > 0, openid: p.openid }),
      );
      expect(await authenticate(s, postJSON({ code: mock.appLogin('alice') }))).toMatchObject({
        kind: 'success',
        user: { a: true, r: true, openid: mock.openidOf('app', 'alice') },
      });
    });

    it('(accessToken, refreshToken, params, profile, done)', async () => {
      const s = strategy({}, (_a: string, _r: string, params: any, p: WeChatAppProfile, done: any) =>
        done(null, { scope: params.scope, openid: p.openid }),
      );
      expect(await authenticate(s, postJSON({ code: mock.appLogin('alice') }))).toMatchObject({
        user: { scope: 'snsapi_userinfo', openid: mock.openidOf('app', 'alice') },
      });
    });

    it('(req, accessToken, refreshToken, profile, done)', async () => {
      const s = strategy(
        { passReqToCallback: true },
        (req: any, _a: string, _r: string, p: WeChatAppProfile, done: any) =>
          done(null, { t: req.headers['x-t'], openid: p.openid }),
      );
      expect(await authenticate(s, postJSON({ code: mock.appLogin('bob') }, { 'x-t': '1' }))).toMatchObject({
        user: { t: '1' },
      });
    });

    it('(req, accessToken, refreshToken, params, profile, done)', async () => {
      const s = strategy(
        { passReqToCallback: true },
        (req: any, _a: string, _r: string, params: any, _p: WeChatAppProfile, done: any) =>
          done(null, { t: req.headers['x-t'], openid: params.openid }),
      );
      expect(await authenticate(s, postJSON({ code: mock.appLogin('bob') }, { 'x-t': '2' }))).toMatchObject({
        user: { t: '2', openid: mock.openidOf('app', 'bob') },
      });
    });
  });

  describe('construction', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it('is named wechat-app and reads env', async () => {
      process.env.WECHAT_MOBILE_APP_ID = mock.apps.app.appID;
      process.env.WECHAT_MOBILE_APP_SECRET = mock.apps.app.appSecret;
      process.env.WECHAT_API_BASE_URL = mock.url;
      const s = new WeChatAppStrategy();
      expect(s.name).toBe('wechat-app');
      expect((await authenticate(s, postJSON({ code: mock.appLogin('alice') }))).kind).toBe('success');
      const withVerify = new WeChatAppStrategy((_a, _r, profile, done) => done(null, { openid: profile.openid }));
      expect(await authenticate(withVerify, postJSON({ code: mock.appLogin('alice') }))).toMatchObject({
        user: { openid: mock.openidOf('app', 'alice') },
      });
    });

    it('names what is missing or wrong', () => {
      delete process.env.WECHAT_MOBILE_APP_ID;
      delete process.env.WECHAT_MOBILE_APP_SECRET;
      expect(() => new WeChatAppStrategy()).toThrow(/WECHAT_MOBILE_APP_ID/);
      expect(() => new WeChatAppStrategy({ appID: 'wx' })).toThrow(/WECHAT_MOBILE_APP_SECRET/);
      expect(() => new WeChatAppStrategy(7 as never)).toThrow(/options must be an object/);
      expect(() => new WeChatAppStrategy({ appID: 'a', appSecret: 'b' }, 7 as never)).toThrow(
        /verify must be a function/,
      );
      expect(() => new WeChatAppStrategy((() => undefined) as never, (() => undefined) as never)).toThrow(/alone/);
    });
  });
});
