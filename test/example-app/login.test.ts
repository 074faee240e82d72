/**
 * Successful logins through the example app against the in-process emulator:
 * in-WeChat (mp), QR (web), auto by User-Agent, returnTo, session fixation,
 * the profile page and logout.
 */
import {
  callbackParams,
  DESKTOP_UA,
  login,
  reachCallback,
  startApp,
  TestBrowser,
  WECHAT_UA,
  type Harness,
} from './helpers';

let h: Harness;

beforeAll(async () => {
  h = await startApp();
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => h.mock.setAutoConsent(null));

describe('example app: login', () => {
  describe('home page', () => {
    it('offers the in-WeChat, QR and automatic login buttons and says the emulator is in use', async () => {
      const res = await new TestBrowser(h).get('/');
      expect(res.status).toBe(200);
      expect(res.text).toContain('id="login-mp" href="/login?client=mp"');
      expect(res.text).toContain('微信内登录');
      expect(res.text).toContain('id="login-web" href="/login?client=web"');
      expect(res.text).toContain('扫码登录');
      expect(res.text).toContain('id="login-auto"');
      expect(res.text).toContain(`Using the bundled WeChat emulator at <code>${h.mock.url}</code>`);
    });

    it('links every surface: the Mini Program simulator and the Mini Program and App endpoints', async () => {
      const res = await new TestBrowser(h).get('/');
      expect(res.text).toContain('id="open-miniprogram" href="/miniprogram"');
      expect(res.text).toContain(
        '<li id="endpoint-miniprogram">小程序登录 Mini Program login: <code>POST /auth/wechat/miniprogram</code></li>',
      );
      expect(res.text).toContain(
        '<li id="endpoint-app">移动应用登录 App login (SendAuth): <code>POST /auth/wechat/app</code></li>',
      );
      expect((await new TestBrowser(h).get('/miniprogram')).status).toBe(200);
    });
  });

  describe('in-WeChat login (client=mp)', () => {
    it('goes to oauth2/authorize, comes back to the callback, and shows the mp profile', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, browser, { client: 'mp', user: 'alice' });
      const authorize = new URL(steps.authorizeURL);
      expect(authorize.origin + authorize.pathname).toBe(h.mock.authorizationURL);
      expect(authorize.searchParams.get('appid')).toBe(h.mock.apps.mp.appID);
      expect(authorize.searchParams.get('scope')).toBe('snsapi_userinfo');
      expect(steps.callbackURL.startsWith(`${h.base}/auth/wechat/callback?`)).toBe(true);
      expect(steps.callback.status).toBe(302);
      expect(steps.callback.location).toBe('/profile');

      const profile = await browser.get('/profile');
      expect(profile.status).toBe(200);
      const alice = h.mock.users.find((u) => u.key === 'alice');
      expect(profile.text).toContain(`<dd id="nickname">${alice?.nickname}</dd>`);
      expect(profile.text).toContain(`<dd id="openid">${h.mock.openidOf('mp', 'alice')}</dd>`);
      expect(profile.text).toContain(`<dd id="unionid">${alice?.unionid}</dd>`);
      expect(profile.text).toContain(`<dd id="appid">${h.mock.apps.mp.appID}</dd>`);
      expect(profile.text).toContain('<dd id="scope">snsapi_userinfo</dd>');
      expect(profile.text).toContain('<dd id="snapshot">否 no</dd>');
      expect(profile.text).toContain(`src="${h.mock.url}/avatar/alice.svg"`);
    });
  });

  describe('QR login (client=web)', () => {
    it('goes to qrconnect and shows the web-app openid (same unionid)', async () => {
      const browser = new TestBrowser(h, DESKTOP_UA);
      const steps = await login(h, browser, { client: 'web', user: 'bob' });
      const authorize = new URL(steps.authorizeURL);
      expect(authorize.origin + authorize.pathname).toBe(h.mock.qrconnectURL);
      expect(authorize.searchParams.get('appid')).toBe(h.mock.apps.web.appID);
      expect(authorize.searchParams.get('scope')).toBe('snsapi_login');
      expect(steps.callback.location).toBe('/profile');

      const profile = await browser.get('/profile');
      expect(profile.text).toContain(`<dd id="openid">${h.mock.openidOf('web', 'bob')}</dd>`);
      expect(profile.text).not.toContain(h.mock.openidOf('mp', 'bob'));
      expect(profile.text).toContain(`<dd id="appid">${h.mock.apps.web.appID}</dd>`);
      expect(profile.text).toContain('<dd id="scope">snsapi_login</dd>');
      expect(profile.text).toContain(`<dd id="unionid">${h.mock.users.find((u) => u.key === 'bob')?.unionid}</dd>`);
    });
  });

  describe('automatic login (client=auto)', () => {
    it('uses oauth2/authorize (mp) for a WeChat User-Agent', async () => {
      const res = await new TestBrowser(h, WECHAT_UA).get('/login?client=auto');
      expect(res.status).toBe(302);
      expect(res.location?.startsWith(`${h.mock.authorizationURL}?`)).toBe(true);
    });

    it('uses qrconnect (web) for any other User-Agent', async () => {
      const res = await new TestBrowser(h, DESKTOP_UA).get('/login?client=auto');
      expect(res.status).toBe(302);
      expect(res.location?.startsWith(`${h.mock.qrconnectURL}?`)).toBe(true);
    });

    it('is the default when no client is given, and completes a login', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, browser, { user: 'bob' });
      expect(steps.authorizeURL.startsWith(`${h.mock.authorizationURL}?`)).toBe(true);
      expect((await browser.get('/profile')).text).toContain(h.mock.openidOf('mp', 'bob'));
    });

    it('rejects an unknown client with 400', async () => {
      const res = await new TestBrowser(h).get('/login?client=evil');
      expect(res.status).toBe(400);
      expect(res.text).toContain('client must be mp, web or auto');
    });
  });

  describe('returnTo', () => {
    it('returns to a same-origin path after login', async () => {
      const browser = new TestBrowser(h);
      const steps = await login(h, browser, { client: 'web', returnTo: '/profile?tab=ids#top' });
      expect(steps.callback.location).toBe('/profile?tab=ids#top');
    });

    it.each([
      '//evil.com',
      'https://evil.com',
      '/\\evil.com',
      '/\tevil.com',
      'javascript:alert(1)',
      '/login?client=mp',
    ])('ignores %j and goes to /profile', async (returnTo) => {
      const browser = new TestBrowser(h);
      const steps = await login(h, browser, { client: 'web', returnTo });
      expect(steps.callback.status).toBe(302);
      expect(steps.callback.location).toBe('/profile');
    });

    it('is used once: a later login without returnTo goes to /profile', async () => {
      const browser = new TestBrowser(h);
      expect((await login(h, browser, { client: 'web', returnTo: '/?x=1' })).callback.location).toBe('/?x=1');
      expect((await login(h, browser, { client: 'web' })).callback.location).toBe('/profile');
    });
  });

  describe('session', () => {
    it('gets a new session id on login (no session fixation)', async () => {
      const browser = new TestBrowser(h);
      await browser.get('/login?client=web');
      const before = browser.sessionId();
      expect(before).toBeDefined();
      // Carry on with the login started above in the same session.
      browser.cookies.clear();
      browser.cookies.set(h.config.session.cookieName, before as string);
      const steps = await login(h, browser, { client: 'web' });
      const after = browser.sessionId();
      expect(steps.callback.location).toBe('/profile');
      expect(after).toBeDefined();
      expect(after).not.toBe(before);

      // The pre-login session id is not logged in.
      const stale = new TestBrowser(h);
      stale.cookies.set(h.config.session.cookieName, before as string);
      expect((await stale.get('/profile')).status).toBe(302);
      expect((await browser.get('/profile')).status).toBe(200);
    });

    it('keeps state in the session: a login started in one session cannot finish in another', async () => {
      const a = new TestBrowser(h);
      const b = new TestBrowser(h);
      const back = await reachCallback(h, a, { client: 'web', user: 'alice' });
      const res = await b.get(back.callbackURL);
      expect(res.status).toBe(302);
      expect(res.location).toBe('/failure?reason=invalid_state');
      expect(callbackParams(back.callbackURL).code).toBeTruthy();
    });
  });

  describe('profile and logout', () => {
    it('redirects /profile to / when not logged in', async () => {
      const res = await new TestBrowser(h).get('/profile');
      expect(res.status).toBe(302);
      expect(res.location).toBe('/');
    });

    it('shows who is logged in on the home page', async () => {
      const browser = new TestBrowser(h);
      await login(h, browser, { client: 'web', user: 'alice' });
      const home = await browser.get('/');
      expect(home.text).toContain('id="logged-in"');
      expect(home.text).toContain('Alice 爱丽丝');
    });

    it('logs out with POST /logout: destroys the session and clears the cookie', async () => {
      const browser = new TestBrowser(h);
      await login(h, browser, { client: 'mp', user: 'alice' });
      const sid = browser.sessionId() as string;
      expect((await browser.get('/profile')).status).toBe(200);

      const out = await browser.post('/logout');
      expect(out.status).toBe(303);
      expect(out.location).toBe('/');
      expect(out.setCookies.some((c) => c.startsWith(`${h.config.session.cookieName}=;`))).toBe(true);
      expect(browser.sessionId()).toBeUndefined();
      expect((await browser.get('/profile')).status).toBe(302);

      // The old cookie is dead too (the session was destroyed server-side).
      const replay = new TestBrowser(h);
      replay.cookies.set(h.config.session.cookieName, sid);
      expect((await replay.get('/profile')).status).toBe(302);
    });

    it('has no GET /logout (logout is a POST form, not a link others can trigger)', async () => {
      expect((await new TestBrowser(h).get('/logout')).status).toBe(404);
    });
  });
});
