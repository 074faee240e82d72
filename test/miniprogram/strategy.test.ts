/**
 * WeChatMiniProgramStrategy against the emulator: every row of the README's
 * outcomes table, duplicates, the profile and the constructor forms.
 */
import util from 'node:util';
import { WeChatAPIError, WeChatMiniProgramStrategy, WeChatTransportError, MemorySessionKeyStore } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { request, json, qs } from '../testing/helpers';
import { authenticate, postJSON, requestCount } from './helpers';

const JSCODE = '/sns/jscode2session';
let mock: MockWeChat;

beforeAll(async () => {
  mock = await createMockWeChat({ slowMs: 400, miniProgramQuotaPerMinute: 3 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function strategy(over: Record<string, unknown> = {}, verify?: (...args: any[]) => void): WeChatMiniProgramStrategy {
  const options = { ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, timeout: 250, ...over };
  return verify
    ? new WeChatMiniProgramStrategy(options as never, verify as never)
    : new WeChatMiniProgramStrategy(options as never);
}

describe('WeChatMiniProgramStrategy', () => {
  describe('a valid code', () => {
    it('succeeds with the profile, and keeps session_key out of it', async () => {
      const sessionKeyStore = new MemorySessionKeyStore();
      const s = strategy({ sessionKeyStore });
      const outcome = await authenticate(s, postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('success');
      const profile = (outcome as { user: any }).user;
      const openid = mock.openidOf('miniprogram', 'alice');
      expect(profile).toEqual({
        provider: 'wechat',
        id: openid,
        openid,
        unionid: mock.users[0].unionid,
        appID: mock.apps.miniprogram.appID,
        client: 'miniprogram',
        _json: { openid, unionid: mock.users[0].unionid },
      });
      const key = sessionKeyStore.get(mock.apps.miniprogram.appID, openid) as string;
      expect(key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      for (const text of [
        JSON.stringify(profile),
        util.inspect(profile, { depth: 9 }),
        util.inspect(s, { depth: 9, showHidden: true }),
        util.inspect(sessionKeyStore, { depth: 9, showHidden: true }),
      ]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(mock.apps.miniprogram.appSecret);
      }
    });

    it('has no unionid when WeChat sends none', async () => {
      const unbound = await createMockWeChat({ apps: { miniprogram: { boundToOpenPlatform: false } } });
      try {
        const s = new WeChatMiniProgramStrategy({ ...unbound.apps.miniprogram, apiBaseURL: unbound.apiBaseURL });
        const outcome = await authenticate(s, postJSON({ code: unbound.miniProgramLogin('bob') }));
        expect((outcome as { user: any }).user).not.toHaveProperty('unionid');
        expect((outcome as { user: any }).user._json).toEqual({ openid: unbound.openidOf('miniprogram', 'bob') });
      } finally {
        await unbound.close();
      }
    });

    it('reads a urlencoded body and falls back to the query string', async () => {
      const form = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { code: mock.miniProgramLogin('alice') },
        query: {},
      };
      expect((await authenticate(strategy(), form)).kind).toBe('success');
      const viaQuery = { method: 'POST', headers: {}, body: {}, query: { code: mock.miniProgramLogin('bob') } };
      const outcome = await authenticate(strategy(), viaQuery);
      expect((outcome as { user: any }).user.openid).toBe(mock.openidOf('miniprogram', 'bob'));
    });
  });

  describe('a missing, empty or non-string code', () => {
    it.each([
      ['no body and no query', { method: 'POST', headers: {}, query: {} }],
      ['an empty code', postJSON({ code: '' })],
      ['a number', postJSON({ code: 42 })],
      ['an array', postJSON({ code: ['a', 'b'] })],
      ['a repeated query parameter', { method: 'POST', headers: {}, body: undefined, query: { code: ['a', 'b'] } }],
      ['an absurdly long code', postJSON({ code: 'x'.repeat(2000) })],
    ])('fails invalid_request 400 with %s, calling nobody', async (_n, req) => {
      const outcome = await authenticate(strategy(), req);
      expect(outcome).toMatchObject({ kind: 'fail', status: 400, challenge: { message: 'invalid_request' } });
      expect(await requestCount(mock, JSCODE)).toBe(0);
    });
  });

  describe('a code WeChat refuses', () => {
    it('fails invalid_code 40029 for an unknown code', async () => {
      expect(await authenticate(strategy(), postJSON({ code: 'nope' }))).toMatchObject({
        kind: 'fail',
        status: 400,
        challenge: { message: 'invalid_code', errcode: 40029 },
      });
    });

    it('fails invalid_code 40163 for a code already redeemed elsewhere', async () => {
      const code = mock.miniProgramLogin('alice');
      const { appID, appSecret } = mock.apps.miniprogram;
      await request(
        `${mock.url}${JSCODE}?${qs([
          ['appid', appID],
          ['secret', appSecret],
          ['js_code', code],
          ['grant_type', 'authorization_code'],
        ])}`,
      );
      expect(await authenticate(strategy(), postJSON({ code }))).toMatchObject({
        kind: 'fail',
        status: 400,
        challenge: { message: 'invalid_code', errcode: 40163 },
      });
    });

    it('fails invalid_code 42003 when WeChat says the code expired', async () => {
      mock.setFault(JSCODE, 42003, 1);
      expect(await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        kind: 'fail',
        status: 400,
        challenge: { message: 'invalid_code', errcode: 42003 },
      });
    });

    it('fails user_blocked 403 for a user WeChat blocked (40226)', async () => {
      mock.setUserBlocked('bob', true);
      expect(await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('bob') }))).toEqual({
        kind: 'fail',
        status: 403,
        challenge: { message: 'user_blocked', errcode: 40226 },
      });
      mock.setUserBlocked('bob', false);
      expect((await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('bob') }))).kind).toBe('success');
    });
  });

  describe("WeChat's per-user minute quota (45011)", () => {
    it('errors with a retryable WeChatAPIError once the user spent it', async () => {
      for (let i = 0; i < 3; i++)
        expect((await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }))).kind).toBe(
          'success',
        );
      const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('error');
      const err = (outcome as { error: WeChatAPIError }).error;
      expect(err).toBeInstanceOf(WeChatAPIError);
      expect(err.errcode).toBe(45011);
      expect(err.retryable).toBe(true);
      // Other users are not affected: the quota is per user.
      expect((await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('bob') }))).kind).toBe('success');
    });
  });

  describe('a configuration error', () => {
    it.each([
      ['a wrong secret (40125)', 40125, { appSecret: 'f'.repeat(32) }, /appSecret/],
      ['an unknown appid (40013)', 40013, { appID: 'wx0000000000000000' }, /appID/],
    ])('errors with a hint for %s', async (_n, errcode, over, hint) => {
      const outcome = await authenticate(strategy(over), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('error');
      const err = (outcome as { error: WeChatAPIError }).error;
      expect(err).toMatchObject({ errcode, retryable: false });
      expect(err.message).toMatch(hint);
      expect(err.message).not.toContain('f'.repeat(32));
    });

    it('errors with the whitelist hint for 40164', async () => {
      mock.setFault(JSCODE, 40164, 1);
      const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect((outcome as { error: WeChatAPIError }).error).toMatchObject({ errcode: 40164 });
      expect((outcome as { error: Error }).error.message).toMatch(/whitelist/);
    });
  });

  describe('a transport failure on the first API base', () => {
    it.each([[-1], ['502'], ['html'], ['timeout']] as const)(
      'fails over to api2 after %s and succeeds',
      async (kind) => {
        mock.setFault(JSCODE, kind, 1);
        const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
        expect(outcome.kind).toBe('success');
        expect(await requestCount(mock, '/api2' + JSCODE)).toBe(1);
      },
    );

    it('errors when every base fails', async () => {
      mock.setFault(JSCODE, '502', 1);
      mock.setFault('/api2' + JSCODE, 'html', 1);
      const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('error');
      expect((outcome as { error: Error }).error).toBeInstanceOf(WeChatTransportError);
    });
  });

  describe('the same code submitted twice', () => {
    it('concurrently: one jscode2session call, the same user for both', async () => {
      const s = strategy();
      const code = mock.miniProgramLogin('alice');
      const [a, b] = await Promise.all([authenticate(s, postJSON({ code })), authenticate(s, postJSON({ code }))]);
      expect(a.kind).toBe('success');
      expect(b).toEqual(a);
      expect(await requestCount(mock, JSCODE)).toBe(1);
    });

    it('back to back: the second gets the first outcome, a failure included', async () => {
      const s = strategy();
      const code = mock.miniProgramLogin('bob');
      const first = await authenticate(s, postJSON({ code }));
      expect(await authenticate(s, postJSON({ code }))).toEqual(first);
      expect(await authenticate(s, postJSON({ code: 'bogus' }))).toMatchObject({ challenge: { errcode: 40029 } });
      expect(await authenticate(s, postJSON({ code: 'bogus' }))).toMatchObject({ challenge: { errcode: 40029 } });
      expect(await requestCount(mock, JSCODE)).toBe(2);
    });

    it('two different users never get each other', async () => {
      const s = strategy();
      const codes = ['alice', 'bob', 'alice', 'bob'].map((u) => [u, mock.miniProgramLogin(u)] as const);
      const outcomes = await Promise.all(codes.map(([, code]) => authenticate(s, postJSON({ code }))));
      outcomes.forEach((o, i) =>
        expect((o as { user: any }).user.openid).toBe(mock.openidOf('miniprogram', codes[i][0])),
      );
    });
  });

  describe('verify', () => {
    it('gets (profile, done), and its user, info and failures are the outcome', async () => {
      const s = strategy({}, (profile: any, done: any) =>
        profile.openid ? done(null, { id: 'u1' }, { welcome: true }) : done(null, false),
      );
      expect(await authenticate(s, postJSON({ code: mock.miniProgramLogin('alice') }))).toEqual({
        kind: 'success',
        user: { id: 'u1' },
        info: { welcome: true },
      });
      const refusing = strategy({}, (_p: any, done: any) => done(null, false, { message: 'banned' }));
      expect(await authenticate(refusing, postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        kind: 'fail',
        challenge: { message: 'banned' },
      });
    });

    it('gets (req, profile, done) with passReqToCallback', async () => {
      const s = strategy({ passReqToCallback: true }, (req: any, profile: any, done: any) =>
        done(null, { tenant: req.headers['x-tenant'], openid: profile.openid }),
      );
      const outcome = await authenticate(s, postJSON({ code: mock.miniProgramLogin('bob') }, { 'x-tenant': 't1' }));
      expect((outcome as { user: any }).user).toEqual({ tenant: 't1', openid: mock.openidOf('miniprogram', 'bob') });
    });

    it('an error or a throw in verify is an error outcome', async () => {
      const failing = strategy({}, (_p: any, done: any) => done(new Error('db down')));
      expect(await authenticate(failing, postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        kind: 'error',
        error: { message: 'db down' },
      });
      const throwing = strategy({}, () => {
        throw new Error('bug');
      });
      expect(await authenticate(throwing, postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        kind: 'error',
        error: { message: 'bug' },
      });
    });

    it('a store that fails is an error, and the login is not granted', async () => {
      const broken = {
        get: () => undefined,
        set: () => Promise.reject(new Error('store down')),
        delete: () => undefined,
      };
      const outcome = await authenticate(
        strategy({ sessionKeyStore: broken }),
        postJSON({ code: mock.miniProgramLogin('alice') }),
      );
      expect(outcome).toMatchObject({ kind: 'error', error: { message: 'store down' } });
    });
  });

  describe('a deduplicator that fails or answers for another process', () => {
    const profile = () => ({
      provider: 'wechat',
      id: 'oX',
      openid: 'oX',
      appID: mock.apps.miniprogram.appID,
      client: 'miniprogram',
      _json: { openid: 'oX' },
    });

    it('errors when begin throws or rejects, or a duplicate waits in vain', async () => {
      const storeDown = new Error('store down');
      for (const deduplicator of [
        {
          begin: () => {
            throw storeDown;
          },
        },
        { begin: () => Promise.reject(storeDown) },
        { begin: () => ({ role: 'follower' as const, outcome: Promise.reject(storeDown) }) },
      ]) {
        expect(await authenticate(strategy({ deduplicator }), postJSON({ code: 'c' }))).toEqual({
          kind: 'error',
          error: storeDown,
        });
      }
      expect(await requestCount(mock, JSCODE)).toBe(0);
    });

    it("runs verify again with the first request's profile when it has no user (another instance)", async () => {
      const deduplicator = {
        begin: async () => ({
          role: 'follower' as const,
          outcome: Promise.resolve({ kind: 'success' as const, login: profile() }),
        }),
      };
      const s = strategy({ deduplicator }, (p: any, done: any) => done(null, { replayed: p.openid }));
      expect(await authenticate(s, postJSON({ code: 'c' }))).toMatchObject({
        kind: 'success',
        user: { replayed: 'oX' },
      });
      expect(await requestCount(mock, JSCODE)).toBe(0);
    });

    it('replays a failure and an error of the first request', async () => {
      const failure = {
        begin: () => ({
          role: 'follower' as const,
          outcome: Promise.resolve({
            kind: 'fail' as const,
            challenge: { message: 'invalid_code', errcode: 40163 },
            status: 400,
          }),
        }),
      };
      expect(await authenticate(strategy({ deduplicator: failure }), postJSON({ code: 'c' }))).toEqual({
        kind: 'fail',
        challenge: { message: 'invalid_code', errcode: 40163 },
        status: 400,
      });
      const boom = new Error('boom');
      const error = {
        begin: () => ({ role: 'follower' as const, outcome: Promise.resolve({ kind: 'error' as const, error: boom }) }),
      };
      expect(await authenticate(strategy({ deduplicator: error }), postJSON({ code: 'c' }))).toEqual({
        kind: 'error',
        error: boom,
      });
    });

    it('ignores a second done() from verify', async () => {
      const s = strategy({}, (p: any, done: any) => {
        done(null, { first: p.openid });
        done(new Error('second call'));
      });
      expect(await authenticate(s, postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        kind: 'success',
        user: { first: mock.openidOf('miniprogram', 'alice') },
      });
    });
  });

  describe('construction', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it('is named wechat-miniprogram, or as told', () => {
      expect(strategy().name).toBe('wechat-miniprogram');
      expect(strategy({ name: 'mini' }).name).toBe('mini');
    });

    it('reads credentials and API bases from env with no arguments or a verify alone', async () => {
      process.env.WECHAT_MINIPROGRAM_APP_ID = mock.apps.miniprogram.appID;
      process.env.WECHAT_MINIPROGRAM_APP_SECRET = mock.apps.miniprogram.appSecret;
      process.env.WECHAT_API_BASE_URL = mock.apiBaseURL.join(',');
      expect(
        (await authenticate(new WeChatMiniProgramStrategy(), postJSON({ code: mock.miniProgramLogin('alice') }))).kind,
      ).toBe('success');
      const s = new WeChatMiniProgramStrategy((profile, done) => done(null, { via: 'env', openid: profile.openid }));
      expect(await authenticate(s, postJSON({ code: mock.miniProgramLogin('alice') }))).toMatchObject({
        user: { via: 'env' },
      });
    });

    it('names what is missing or wrong', () => {
      delete process.env.WECHAT_MINIPROGRAM_APP_ID;
      delete process.env.WECHAT_MINIPROGRAM_APP_SECRET;
      expect(() => new WeChatMiniProgramStrategy()).toThrow(/WECHAT_MINIPROGRAM_APP_ID/);
      expect(() => new WeChatMiniProgramStrategy({ appID: 'wx1' })).toThrow(/WECHAT_MINIPROGRAM_APP_SECRET/);
      expect(() => new WeChatMiniProgramStrategy('x' as never)).toThrow(/options must be an object/);
      expect(() => new WeChatMiniProgramStrategy({ appID: 'a', appSecret: 'b' }, 'x' as never)).toThrow(
        /verify must be a function/,
      );
      expect(() => new WeChatMiniProgramStrategy((() => undefined) as never, (() => undefined) as never)).toThrow(
        /alone/,
      );
    });
  });

  it('answers JSON bodies the emulator can parse (sanity)', async () => {
    const r = await request(`${mock.url}${JSCODE}?appid=x`);
    expect(json(r).errcode).toBe(41004);
  });
});
