/**
 * The example app's WeChat modes (bundled emulator, standalone emulator, real
 * WeChat) and its optional back ends (signed state, Redis sessions).
 */
import { createClient } from 'redis';
import request from 'supertest';
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { createApp, type ExampleApp } from '../../example-app/app';
import { loadConfig, MOCK_DEFAULT_APPS } from '../../example-app/config';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';
import {
  DESKTOP_UA,
  login,
  reachCallback,
  startApp,
  TestBrowser,
  WECHAT_UA,
  TEST_SESSION_SECRET,
  type Harness,
} from './helpers';

const quiet = { logger: { info: () => undefined, warn: () => undefined, error: () => undefined } };

describe('example app: modes', () => {
  describe('bundled emulator (no WECHAT_* set)', () => {
    it('starts its own emulator on its own port and stops it on close()', async () => {
      const example = await createApp(loadConfig({ SESSION_SECRET: TEST_SESSION_SECRET }), quiet);
      const mock = example.mock as MockWeChat;
      expect(mock).toBeDefined();
      expect(example.wechat.mp).toEqual(mock.apps.mp);
      expect(example.wechat.authorizationURL).toBe(mock.authorizationURL);
      expect((await fetch(`${mock.url}/avatar/alice.svg`)).status).toBe(200);
      await example.close();
      await example.close(); // idempotent
      await expect(fetch(`${mock.url}/avatar/alice.svg`)).rejects.toThrow();
    });
  });

  describe('standalone emulator (WECHAT_MOCK_URL)', () => {
    describe('with the emulator’s default test credentials', () => {
      let mock: MockWeChat;
      let h: Harness;
      beforeAll(async () => {
        mock = await createMockWeChat();
        h = await startApp({ WECHAT_MOCK_URL: mock.url }, mock);
      });
      afterAll(async () => {
        await h?.close();
        await mock?.close();
      });

      it('starts no emulator of its own and says which one it uses', async () => {
        expect(h.example.mock).toBeUndefined();
        const home = await new TestBrowser(h).get('/');
        expect(home.text).toContain(`Using a standalone WeChat emulator at <code>${mock.url}</code>`);
      });

      it('uses the documented default credentials, which match the emulator’s', () => {
        expect(MOCK_DEFAULT_APPS.mp).toEqual(mock.apps.mp);
        expect(MOCK_DEFAULT_APPS.web).toEqual(mock.apps.web);
      });

      it('logs in through the standalone emulator (mp and web)', async () => {
        const mp = new TestBrowser(h, WECHAT_UA);
        const steps = await login(h, mp, { client: 'mp', user: 'bob' });
        expect(steps.authorizeURL.startsWith(`${mock.authorizationURL}?`)).toBe(true);
        expect((await mp.get('/profile')).text).toContain(mock.openidOf('mp', 'bob'));
        const web = new TestBrowser(h, DESKTOP_UA);
        await login(h, web, { client: 'web', user: 'bob' });
        expect((await web.get('/profile')).text).toContain(mock.openidOf('web', 'bob'));
      });
    });

    describe('with WECHAT_MOCK_* credentials', () => {
      let mock: MockWeChat;
      let h: Harness;
      beforeAll(async () => {
        mock = await createMockWeChat({
          apps: {
            mp: { appID: 'wxcustom000000mp01', appSecret: 'custom-mp-secret-0000000000000000' },
            web: { appID: 'wxcustom00000web01', appSecret: 'custom-web-secret-000000000000000' },
          },
        });
        h = await startApp(
          {
            WECHAT_MOCK_URL: mock.url,
            WECHAT_MOCK_APP_ID: mock.apps.mp.appID,
            WECHAT_MOCK_APP_SECRET: mock.apps.mp.appSecret,
            WECHAT_MOCK_WEB_APP_ID: mock.apps.web.appID,
            WECHAT_MOCK_WEB_APP_SECRET: mock.apps.web.appSecret,
          },
          mock,
        );
      });
      afterAll(async () => {
        await h?.close();
        await mock?.close();
      });

      it('logs in with those credentials', async () => {
        const browser = new TestBrowser(h, WECHAT_UA);
        const steps = await login(h, browser, { client: 'mp', user: 'alice' });
        expect(new URL(steps.authorizeURL).searchParams.get('appid')).toBe('wxcustom000000mp01');
        expect(steps.callback.location).toBe('/profile');
        expect((await browser.get('/profile')).text).toContain(mock.openidOf('mp', 'alice'));
      });
    });
  });

  describe('real WeChat (credentials set)', () => {
    const REAL = {
      SESSION_SECRET: TEST_SESSION_SECRET,
      WECHAT_APP_ID: 'wx1111111111111111',
      WECHAT_APP_SECRET: 'real-mp-secret-00000000000000000',
      WECHAT_WEB_APP_ID: 'wx2222222222222222',
      WECHAT_WEB_APP_SECRET: 'real-web-secret-0000000000000000',
      WECHAT_CALLBACK_URL: 'https://example.com/auth/wechat/callback',
    };

    describe('both apps', () => {
      let example: ExampleApp;
      beforeAll(async () => {
        example = await createApp(loadConfig(REAL), quiet);
      });
      afterAll(async () => {
        await example?.close();
      });

      it('starts no emulator and shows no emulator notice', async () => {
        expect(example.mock).toBeUndefined();
        const home = await request(example.app).get('/');
        expect(home.status).toBe(200);
        expect(home.text).not.toContain('id="mode-notice"');
        // No emulator, no simulated Mini Program; no Mini Program or App credentials in env.
        expect(home.text).not.toContain('href="/miniprogram"');
        expect(home.text).toContain('id="no-simulator"');
        expect(home.text).toContain('<code>POST /auth/wechat/miniprogram</code> (not configured)');
        expect(home.text).not.toContain(REAL.WECHAT_APP_SECRET);
      });

      it('sends in-WeChat logins to open.weixin.qq.com/connect/oauth2/authorize with the configured callback', async () => {
        const res = await request(example.app).get('/login?client=auto').set('User-Agent', WECHAT_UA);
        expect(res.status).toBe(302);
        const url = new URL(res.headers.location);
        expect(url.origin + url.pathname).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
        expect(url.searchParams.get('appid')).toBe(REAL.WECHAT_APP_ID);
        expect(url.searchParams.get('redirect_uri')).toBe(REAL.WECHAT_CALLBACK_URL);
        expect(url.hash).toBe('#wechat_redirect');
        expect(res.headers.location).not.toContain(REAL.WECHAT_APP_SECRET);
      });

      it('sends QR logins to open.weixin.qq.com/connect/qrconnect', async () => {
        const res = await request(example.app).get('/login?client=auto').set('User-Agent', DESKTOP_UA);
        const url = new URL(res.headers.location);
        expect(url.origin + url.pathname).toBe('https://open.weixin.qq.com/connect/qrconnect');
        expect(url.searchParams.get('appid')).toBe(REAL.WECHAT_WEB_APP_ID);
      });

      it('allows avatars from WeChat’s image host only (no emulator origin)', async () => {
        const res = await request(example.app).get('/');
        const imgSrc = String(res.headers['content-security-policy'])
          .split(';')
          .find((d) => d.trim().startsWith('img-src'));
        expect(imgSrc?.trim()).toBe("img-src 'self' data: https://thirdwx.qlogo.cn https://wx.qlogo.cn");
      });
    });

    describe('only the Official Account (mp) configured', () => {
      let example: ExampleApp;
      beforeAll(async () => {
        example = await createApp(loadConfig({ ...REAL, WECHAT_WEB_APP_ID: '', WECHAT_WEB_APP_SECRET: '' }), quiet);
      });
      afterAll(async () => {
        await example?.close();
      });

      it('disables the QR button and refuses client=web with 400', async () => {
        const home = await request(example.app).get('/');
        expect(home.text).toContain('id="login-web" aria-disabled="true"');
        const res = await request(example.app).get('/login?client=web');
        expect(res.status).toBe(400);
        expect(res.text).toContain('QR login is not configured');
      });

      it('makes auto use the configured app even outside WeChat', async () => {
        const res = await request(example.app).get('/login?client=auto').set('User-Agent', DESKTOP_UA);
        expect(res.status).toBe(302);
        expect(res.headers.location.startsWith('https://open.weixin.qq.com/connect/oauth2/authorize?')).toBe(true);
      });
    });
  });

  describe('signed state store (STATE_STORE=signed)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApp({ STATE_STORE: 'signed', STATE_SECRET: 'state-secret-for-tests-0123456789abcdef' });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('keeps no state in the session: /login sets only the browser-binding cookie', async () => {
      const browser = new TestBrowser(h);
      const res = await browser.get('/login?client=web');
      expect(res.status).toBe(302);
      expect(browser.sessionId()).toBeUndefined();
      expect(res.setCookies.some((c) => /^wechat_login_nonce=.*HttpOnly; SameSite=Lax/.test(c))).toBe(true);
    });

    it('logs in (mp and web) and keeps returnTo', async () => {
      const mp = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, mp, { client: 'mp', user: 'alice', returnTo: '/?after=login' });
      expect(steps.callback.location).toBe('/?after=login');
      expect((await mp.get('/profile')).text).toContain(h.mock.openidOf('mp', 'alice'));
      const web = new TestBrowser(h, DESKTOP_UA);
      expect((await login(h, web, { client: 'web', user: 'bob' })).callback.location).toBe('/profile');
    });

    it('rejects a forged state and a state from another browser', async () => {
      const forged = await new TestBrowser(h).get(
        '/auth/wechat/callback?code=abc&state=mForgedState000000000000000000',
      );
      expect(forged.location).toBe('/failure?reason=invalid_state');

      const a = new TestBrowser(h);
      const back = await reachCallback(h, a, { client: 'web', user: 'alice' });
      const res = await new TestBrowser(h).get(back.callbackURL);
      expect(res.location).toBe('/failure?reason=invalid_state');
    });
  });

  describe('Redis sessions (REDIS_URL)', () => {
    const maybe = describeWithRedis('example app REDIS_URL sessions');

    maybe('with a throwaway redis-server', () => {
      let redis: ThrowawayRedis | undefined;
      let h: Harness;

      beforeAll(async () => {
        redis = await startRedis();
        h = await startApp({ REDIS_URL: redis.url });
      });

      afterAll(async () => {
        await h?.close();
        redis?.stop();
      });

      it('keeps the login in Redis: a second app instance on the same Redis sees it', async () => {
        const browser = new TestBrowser(h, WECHAT_UA);
        await login(h, browser, { client: 'mp', user: 'alice' });
        const sid = browser.sessionId() as string;

        const other = await startApp({ REDIS_URL: (redis as ThrowawayRedis).url });
        try {
          const viaOther = new TestBrowser(other);
          viaOther.cookies.set(other.config.session.cookieName, sid);
          const profile = await viaOther.get('/profile');
          expect(profile.status).toBe(200);
          expect(profile.text).toContain(h.mock.openidOf('mp', 'alice'));
        } finally {
          await other.close();
        }
      });

      it('stores the session under wechat-example:sess:<id> and deletes it on logout', async () => {
        const browser = new TestBrowser(h);
        await login(h, browser, { client: 'web', user: 'bob' });
        const sid = browser.sessionId() as string;
        const id = decodeURIComponent(sid).replace(/^s:/, '').split('.')[0];
        const client = createClient({ url: (redis as ThrowawayRedis).url });
        await client.connect();
        try {
          const stored = await client.get(`wechat-example:sess:${id}`);
          expect(stored).toContain(h.mock.openidOf('web', 'bob'));
          expect(await client.ttl(`wechat-example:sess:${id}`)).toBeGreaterThan(0);
          await browser.post('/logout');
          expect(await client.exists(`wechat-example:sess:${id}`)).toBe(0);
        } finally {
          await client.close();
        }
        const replay = new TestBrowser(h);
        replay.cookies.set(h.config.session.cookieName, sid);
        expect((await replay.get('/profile')).status).toBe(302);
      });
    });
  });
});
