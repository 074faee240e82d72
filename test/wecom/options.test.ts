/**
 * The options a WeCom app chooses (its own token manager, state stores,
 * app state, per-request client and callback) and the members a corp really
 * has: partial contact details, sensitive fields the admin only partly enabled.
 */
import type { Request } from 'express';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { MemoryDeduplicator, SignedStateStore, WeComAccessTokenManager, WeComAPIError } from '../../lib';
import { browserLoginURL, inClientAuthorizeURL } from '../../lib/wecom/authorize-url';
import { Browser } from '../helpers/login-app';
import { logInAs, startWeComApp, weComCallbackURL, WXWORK_UA, type WeComApp } from './helpers';

let mock: MockWeChat;
let app: WeComApp | undefined;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const requests = (path: string): number => mock.stats().requests[path] ?? 0;

describe('WeComStrategy options', () => {
  describe('accessTokens: a token manager the app shares with its own WeCom calls', () => {
    it('is the one the logins use: its token is fetched once for both', async () => {
      const accessTokens = new WeComAccessTokenManager({ ...mock.apps.wecom, apiBaseURL: mock.wecom.apiBaseURL });
      await accessTokens.getAccessToken();
      app = await startWeComApp(mock, { accessTokens, agentSecret: undefined });
      expect(app.strategy.accessTokens).toBe(accessTokens);
      expect((await logInAs(mock, app, 'zhangsan')).status).toBe(200);
      expect(requests('/cgi-bin/gettoken')).toBe(1);
    });
  });

  describe('store: SignedStateStore (no session needed for the state)', () => {
    it('logs in, and a forged state still fails', async () => {
      app = await startWeComApp(mock, {
        store: new SignedStateStore({ secret: 'wecom-signed-state-secret-0123456789' }),
      });
      expect((await logInAs(mock, app, 'lisi')).status).toBe(200);
      const browser = new Browser(WXWORK_UA);
      const back = new URL(await weComCallbackURL(browser, app.url));
      back.searchParams.set('state', `${back.searchParams.get('state')?.slice(0, -2)}xx`);
      expect((await browser.get(back.toString())).status).toBe(403);
    });
  });

  describe('state: false', () => {
    it('sends only the login tag as state and logs in without a session state', async () => {
      app = await startWeComApp(mock, { state: false, client: 'wecom' });
      const login = await new Browser(WXWORK_UA).get(`${app.url}/login`);
      expect(new URL(login.headers.get('location') as string).searchParams.get('state')).toBe('q');
      expect((await logInAs(mock, app, 'zhangsan')).status).toBe(200);
    });
  });

  describe('deduplicator: one of your own', () => {
    it('is the one the callback joins', async () => {
      const deduplicator = new MemoryDeduplicator();
      app = await startWeComApp(mock, { deduplicator });
      expect((await logInAs(mock, app, 'zhangsan')).status).toBe(200);
      expect(deduplicator.size).toBe(1);
    });
  });

  describe('a state store that fails while verifying', () => {
    it('ends the callback with its error and never reaches WeCom', async () => {
      const failing = {
        store: (_req: Request, _state: unknown, _meta: unknown, cb: (e: Error | null, s?: string) => void) =>
          cb(null, 'abc'),
        verify: (_req: Request, _s: string, _m: unknown, cb: (e: Error | null, ok: boolean) => void) =>
          cb(new Error('state backend down'), false),
      };
      app = await startWeComApp(mock, { store: failing });
      const res = await logInAs(mock, app, 'zhangsan');
      expect([res.status, res.body.error]).toEqual([500, 'state backend down']);
      expect(requests('/cgi-bin/auth/getuserinfo')).toBe(0);
    });
  });

  describe('per request', () => {
    it("state: app state comes back in success's info", async () => {
      app = await startWeComApp(mock);
      const pp = app;
      // Start through the strategy directly, the way passport.authenticate('wecom', { state }) calls it.
      const redirects: string[] = [];
      const session: Record<string, unknown> = {};
      const req = {
        query: {},
        headers: { 'user-agent': WXWORK_UA, host: new URL(pp.url).host },
        url: '/login',
        session,
      } as unknown as Request;
      const start = Object.assign(Object.create(pp.strategy) as typeof pp.strategy, {
        redirect: (url: string) => redirects.push(url),
        error: (err: Error) => {
          throw err;
        },
      });
      start.authenticate(req, { state: { returnTo: '/orders/42' } });
      mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
      const page = await fetch((redirects[0] as string).replace(/#wechat_redirect$/, ''), { redirect: 'manual' });
      const back = new URL(page.headers.get('location') as string);
      const info = await new Promise<unknown>((resolve, reject) => {
        const cb = Object.assign(Object.create(pp.strategy) as typeof pp.strategy, {
          success: (_user: unknown, i: unknown) => resolve(i),
          fail: (c: unknown) => reject(new Error(JSON.stringify(c))),
          error: reject,
        });
        cb.authenticate({
          ...req,
          query: Object.fromEntries(back.searchParams),
          url: back.pathname + back.search,
        } as Request);
      });
      expect(info).toEqual({ state: { returnTo: '/orders/42' } });
    });

    it('client: an unknown value is a config error', async () => {
      app = await startWeComApp(mock);
      const errors: Error[] = [];
      const req = { query: {}, headers: { host: '127.0.0.1' }, url: '/login', session: {} } as unknown as Request;
      const copy = Object.assign(Object.create(app.strategy) as typeof app.strategy, {
        error: (err: Error) => errors.push(err),
      });
      copy.authenticate(req, { client: 'mp' as never });
      expect(errors[0]?.message).toMatch(/client must be/);
    });

    it('a relative callbackURL with a Host header that is not a plain host is refused, never sent to WeCom', async () => {
      app = await startWeComApp(mock);
      const errors: Error[] = [];
      const req = {
        query: {},
        headers: { host: '127.0.0.1:1@evil.example', 'user-agent': WXWORK_UA },
        url: '/login',
        session: {},
      } as unknown as Request;
      const copy = Object.assign(Object.create(app.strategy) as typeof app.strategy, {
        error: (err: Error) => errors.push(err),
        redirect: () => errors.push(new Error('redirected')),
      });
      copy.authenticate(req);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.name).toBe('WeChatConfigError');
    });
  });

  describe('callback queries WeCom never sends', () => {
    it('a repeated state is invalid_request (400)', async () => {
      app = await startWeComApp(mock);
      const res = await new Browser(WXWORK_UA).get(`${app.url}/cb?code=abc&state=qa&state=qb`);
      expect(res.status).toBe(400);
    });

    it('a refusal of an in-client login (its tagged state, no code) is access_denied (403), with no call to WeCom', async () => {
      app = await startWeComApp(mock);
      const res = await new Browser(WXWORK_UA).get(`${app.url}/cb?state=qSomeState`);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { failed: { message: string } }).failed.message).toBe('access_denied');
      expect(requests('/cgi-bin/gettoken')).toBe(0);
    });
  });
});

describe('what a corp really has', () => {
  let sparse: MockWeChat;
  beforeAll(async () => {
    sparse = await createMockWeChat({
      wecom: {
        users: [
          { key: 'bare', kind: 'member', userid: 'Bare' },
          { key: 'wang', kind: 'member', userid: 'WangFang', name: '王芳', gender: '2', mobile: '13900000002' },
        ],
      },
    });
  });
  afterAll(() => sparse.close());

  it("a member with no name, department or position: profile 'member' adds nothing it was not given", async () => {
    app = await startWeComApp(sparse, { profile: 'member', client: 'wecom' });
    expect((await logInAs(sparse, app, 'bare')).status).toBe(200);
    const [profile] = app.profiles;
    expect(profile).toMatchObject({ userID: 'Bare', kind: 'member' });
    expect(profile?.displayName).toBeUndefined();
    expect(profile?.position).toBeUndefined();
  });

  it('sensitive fields the admin enabled only partly: just those, gender female as WeCom says it', async () => {
    sparse.configureWeCom('wecom', { sensitiveFields: ['gender', 'mobile'] });
    app = await startWeComApp(sparse, { profile: 'sensitive', scope: 'snsapi_privateinfo', client: 'wecom' });
    expect((await logInAs(sparse, app, 'wang')).status).toBe(200);
    const [profile] = app.profiles;
    expect(profile).toMatchObject({ gender: 'female', phoneNumbers: [{ value: '13900000002' }] });
    expect(profile?.emails).toBeUndefined();
    expect(profile?.photos).toBeUndefined();
  });
});

describe('WeComAPIError', () => {
  it('an errcode with no hint names the endpoint and WeCom’s errmsg without its tail', () => {
    const err = new WeComAPIError(
      45009,
      'api freq out of limit, hint: [1655882753557010848204971], from ip: 10.1.2.3, more info at https://open.work.weixin.qq.com/devtool/query?e=45009',
      '/cgi-bin/gettoken',
    );
    expect(err.message).toBe('WeCom API /cgi-bin/gettoken answered errcode 45009 (api freq out of limit)');
    expect(err.fromIP).toBe('10.1.2.3');
  });

  it('an errmsg that is all tail is kept whole', () => {
    expect(new WeComAPIError(45009, ', hint: [x]', '/x').message).toContain('(, hint: [x])');
  });
});

describe('authorize URLs', () => {
  const target = { corpID: 'ww1', agentID: undefined, redirectURI: 'https://a.example/cb?x=1&y=2', state: 'qS' };

  it('in-client without an agentID: no agentid parameter (base scope recommends it, privateinfo is refused at construction)', () => {
    expect(inClientAuthorizeURL('https://open.example/connect/oauth2/authorize', 'snsapi_base', target)).toBe(
      'https://open.example/connect/oauth2/authorize?appid=ww1&redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1%26y%3D2&response_type=code&scope=snsapi_base&state=qS#wechat_redirect',
    );
  });

  it('a base URL that already has a query keeps it', () => {
    expect(
      browserLoginURL('https://login.example/sso?tenant=a', 'CorpApp', undefined, { ...target, agentID: '1' }),
    ).toBe(
      'https://login.example/sso?tenant=a&login_type=CorpApp&appid=ww1&agentid=1&redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1%26y%3D2&state=qS',
    );
  });
});

describe('WeComStrategy without a verify', () => {
  it('makes the profile the user, through a whole login', async () => {
    const { WeComStrategy } = await import('../../lib');
    const strategy = new WeComStrategy({
      ...mock.apps.wecom,
      authorizationURL: mock.wecom.authorizationURL,
      apiBaseURL: mock.wecom.apiBaseURL,
      callbackURL: 'http://localhost:3000/cb',
      client: 'wecom',
    });
    const session: Record<string, unknown> = {};
    const base = { headers: { 'user-agent': WXWORK_UA, host: 'localhost:3000' }, session };
    // What passport.authenticate does: a per-request copy with the request's actions.
    const redirects: string[] = [];
    Object.assign(Object.create(strategy) as typeof strategy, {
      redirect: (u: string) => redirects.push(u),
    }).authenticate({
      ...base,
      query: {},
      url: '/login',
    } as unknown as Request);
    mock.setWeComAutoConsent({ user: 'lisi', decision: 'allow' });
    const page = await fetch((redirects[0] as string).replace(/#wechat_redirect$/, ''), { redirect: 'manual' });
    const back = new URL(page.headers.get('location') as string);
    const user = await new Promise<unknown>((resolve, reject) => {
      Object.assign(Object.create(strategy) as typeof strategy, {
        success: resolve,
        fail: (c: unknown) => reject(new Error(JSON.stringify(c))),
        error: reject,
      }).authenticate({ ...base, query: Object.fromEntries(back.searchParams), url: '/cb' } as unknown as Request);
    });
    expect(user).toMatchObject({ provider: 'wecom', kind: 'member', userID: 'LiSi' });
  });
});
