import {
  MemorySeenStore,
  SignedStateStore,
  Strategy as WeChatStrategy,
  type VerifyCallback,
  type WeChatProfile,
} from '../lib';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { authenticate, fakeRequest } from './helpers/harness';
import { MP, WEB, CODE } from './fixtures/apps';

const SECRET = 'signed-state-test-secret-0123456789';
let api: FakeWeChatAPI;

beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
  api.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
});
afterEach(() => api.stop());

function strategy(store: SignedStateStore, extra: Record<string, unknown> = {}) {
  return new WeChatStrategy(
    {
      ...MP,
      web: WEB,
      client: 'auto',
      scope: 'snsapi_base',
      callbackURL: 'https://app.example.com/cb',
      apiBaseURL: api.url,
      store,
      ...extra,
    },
    (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, { openid: profile.openid }),
  );
}

/** A request without a session whose `res.append` collects Set-Cookie headers, like Express. */
function browserRequest(cookie?: string, query: Record<string, unknown> = {}, ua = 'Mozilla/5.0 MicroMessenger/8.0') {
  const setCookies: string[] = [];
  const req = fakeRequest({ query, headers: { 'user-agent': ua, ...(cookie ? { cookie } : {}) } });
  delete req.session;
  req.res = { append: (_name: string, value: string) => setCookies.push(value) };
  return { req, setCookies };
}

async function start(s: WeChatStrategy, cookie?: string) {
  const { req, setCookies } = browserRequest(cookie);
  const outcome = await authenticate(s, req);
  if (outcome.kind !== 'redirect') throw new Error(JSON.stringify(outcome));
  const state = new URL(outcome.url).searchParams.get('state') ?? '';
  const nonceCookie = setCookies[0]?.split(';')[0];
  return { state, setCookies, cookie: nonceCookie };
}

describe('SignedStateStore', () => {
  describe('construction', () => {
    it('requires a secret of at least 16 characters', () => {
      expect(() => new SignedStateStore({ secret: 'short' })).toThrow(/requires options\.secret/);
      expect(() => new SignedStateStore(undefined as never)).toThrow(TypeError);
    });
  });

  describe('starting a login', () => {
    it('makes a state of [A-Za-z0-9] within 128 characters, tagged with the app', async () => {
      const { state } = await start(strategy(new SignedStateStore({ secret: SECRET })));
      expect(state).toMatch(/^m[A-Za-z0-9]{55}$/);
    });

    it('sets a short-lived httpOnly SameSite=Lax nonce cookie', async () => {
      const { setCookies } = await start(strategy(new SignedStateStore({ secret: SECRET })));
      expect(setCookies[0]).toMatch(
        /^wechat_login_nonce=[A-Za-z0-9]{32}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
      );
    });

    it('reuses the browser’s nonce so two tabs can log in at once', async () => {
      const s = strategy(new SignedStateStore({ secret: SECRET }));
      const first = await start(s);
      const second = await start(s, first.cookie);
      expect(second.cookie).toBe(first.cookie);
      expect((await authenticate(s, browserRequest(first.cookie, { code: CODE, state: first.state }).req)).kind).toBe(
        'success',
      );
      expect(
        (await authenticate(s, browserRequest(first.cookie, { code: CODE + 'x', state: second.state }).req)).kind,
      ).toBe('success');
    });

    it('sets no cookie with bindToBrowser: false', async () => {
      const { setCookies } = await start(strategy(new SignedStateStore({ secret: SECRET, bindToBrowser: false })));
      expect(setCookies).toEqual([]);
    });

    it('is a clear error when the cookie cannot be set (no req.res)', async () => {
      const req = fakeRequest();
      delete req.session;
      const outcome = await authenticate(strategy(new SignedStateStore({ secret: SECRET })), req);
      expect(outcome.kind === 'error' && outcome.error.message).toMatch(/could not set its browser-binding cookie/);
    });
  });

  describe('the callback', () => {
    it('logs in with the state and the cookie of the browser that started it, without any session', async () => {
      const s = strategy(new SignedStateStore({ secret: SECRET }));
      const { state, cookie } = await start(s);
      const outcome = await authenticate(s, browserRequest(cookie, { code: CODE, state }).req);
      expect(outcome).toMatchObject({ kind: 'success', user: { openid: 'oBaseOpenid0000000000000000x' } });
    });

    it('redeems a QR login with the website app the signed state names', async () => {
      const s = strategy(new SignedStateStore({ secret: SECRET }));
      const { req, setCookies } = browserRequest(undefined, {}, 'Mozilla/5.0 Chrome/126');
      const started = await authenticate(s, req);
      const state = new URL((started as { url: string }).url).searchParams.get('state') ?? '';
      await authenticate(s, browserRequest(setCookies[0].split(';')[0], { code: CODE, state }).req);
      expect(api.requests[0].query.appid).toBe(WEB.appID);
    });

    describe('refuses, without redeeming the code,', () => {
      const cases: Array<
        [string, (x: { state: string; cookie: string }) => { state: string; cookie?: string }, RegExp]
      > = [
        [
          'a tampered state',
          ({ state, cookie }) => ({
            state: state.slice(0, 30) + (state[30] === 'a' ? 'b' : 'a') + state.slice(31),
            cookie,
          }),
          /tampered/,
        ],
        [
          'a state whose app tag was flipped',
          ({ state, cookie }) => ({ state: 'w' + state.slice(1), cookie }),
          /tampered|another browser/,
        ],
        [
          'a state from another browser (other cookie)',
          ({ state }) => ({ state, cookie: 'wechat_login_nonce=' + 'A'.repeat(32) }),
          /another browser/,
        ],
        ['a state delivered without the cookie', ({ state }) => ({ state }), /another browser/],
        [
          'a state over 128 characters',
          ({ state, cookie }) => ({ state: state + 'A'.repeat(80), cookie }),
          /malformed/,
        ],
        ['a forged state', ({ cookie }) => ({ state: 'm' + '0'.repeat(55), cookie }), /tampered/],
      ];
      it.each(cases)('%s', async (_name, mutate, detail) => {
        const s = strategy(new SignedStateStore({ secret: SECRET }));
        const started = await start(s);
        const { state, cookie } = mutate({ state: started.state, cookie: started.cookie as string });
        const outcome = await authenticate(s, browserRequest(cookie, { code: CODE, state }).req);
        expect(outcome).toMatchObject({
          kind: 'fail',
          status: 403,
          challenge: { message: 'invalid_state', detail: expect.stringMatching(detail) },
        });
        expect(api.requests).toHaveLength(0);
      });

      it('a state signed with another secret', async () => {
        const started = await start(strategy(new SignedStateStore({ secret: 'another-secret-0123456789abcdef' })));
        const s = strategy(new SignedStateStore({ secret: SECRET }));
        const outcome = await authenticate(s, browserRequest(started.cookie, { code: CODE, state: started.state }).req);
        expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
      });

      it('an expired state', async () => {
        const s = strategy(new SignedStateStore({ secret: SECRET, maxAge: -1000 }));
        const started = await start(s);
        const outcome = await authenticate(s, browserRequest(started.cookie, { code: CODE, state: started.state }).req);
        expect(outcome).toMatchObject({
          kind: 'fail',
          challenge: { message: 'invalid_state', detail: expect.stringMatching(/expired/) },
        });
      });

      it('a consumed state used again with another code (replay inside its lifetime)', async () => {
        const s = strategy(new SignedStateStore({ secret: SECRET, bindToBrowser: false }));
        const started = await start(s);
        expect((await authenticate(s, browserRequest(undefined, { code: CODE, state: started.state }).req)).kind).toBe(
          'success',
        );
        const replay = await authenticate(
          s,
          browserRequest(undefined, { code: 'another-code-0000000000000000000', state: started.state }).req,
        );
        expect(replay).toMatchObject({
          kind: 'fail',
          challenge: { message: 'invalid_state', detail: 'This state was already used.' },
        });
        expect(api.requests).toHaveLength(1);
      });
    });

    describe('login CSRF: the attacker’s own code and state delivered to a victim’s browser', () => {
      it('fails with the default browser binding', async () => {
        const s = strategy(new SignedStateStore({ secret: SECRET }));
        const attacker = await start(s);
        const victim = await start(s);
        const outcome = await authenticate(s, browserRequest(victim.cookie, { code: CODE, state: attacker.state }).req);
        expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
        expect(api.requests).toHaveLength(0);
      });

      it('is NOT stopped with bindToBrowser: false (documented trade-off)', async () => {
        const s = strategy(new SignedStateStore({ secret: SECRET, bindToBrowser: false }));
        const attacker = await start(s);
        const outcome = await authenticate(s, browserRequest('victim=1', { code: CODE, state: attacker.state }).req);
        expect(outcome.kind).toBe('success');
      });
    });

    it('passes a seen-store failure on as an error', async () => {
      const s = strategy(
        new SignedStateStore({ secret: SECRET, seen: { add: () => Promise.reject(new Error('redis down')) } }),
      );
      const started = await start(s);
      const outcome = await authenticate(s, browserRequest(started.cookie, { code: CODE, state: started.state }).req);
      expect(outcome.kind === 'error' && outcome.error.message).toBe('redis down');
    });

    it('reads the nonce from cookie-parser’s req.cookies too', async () => {
      const s = strategy(new SignedStateStore({ secret: SECRET }));
      const started = await start(s);
      const { req } = browserRequest(undefined, { code: CODE, state: started.state });
      req.cookies = { wechat_login_nonce: (started.cookie as string).split('=')[1] };
      expect((await authenticate(s, req)).kind).toBe('success');
    });
  });
});

describe('MemorySeenStore', () => {
  it('says true once, then false inside the ttl', () => {
    const seen = new MemorySeenStore();
    expect(seen.add('a', 1000)).toBe(true);
    expect(seen.add('a', 1000)).toBe(false);
  });

  it('forgets an entry after its ttl', () => {
    const seen = new MemorySeenStore();
    seen.add('a', -1);
    expect(seen.add('a', 1000)).toBe(true);
  });

  it('stays bounded, evicting the oldest first', () => {
    const seen = new MemorySeenStore(100);
    for (let i = 0; i < 1000; i++) seen.add(`k${i}`, 60_000);
    expect(seen.size).toBe(100);
    expect(seen.add('k999', 60_000)).toBe(false);
    expect(seen.add('k0', 60_000)).toBe(true);
  });
});
