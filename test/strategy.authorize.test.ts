import { Strategy as WeChatStrategy, WeChatConfigError, type VerifyCallback, type WeChatProfile } from '../lib';
import { authenticate, fakeRequest, startLogin } from './helpers/harness';
import { DESKTOP_UA, MP, WEB, WECHAT_UA } from './fixtures/apps';

const verify = (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, profile);

describe('WeChatStrategy: starting a login', () => {
  describe('an Official Account (mp) login with snsapi_userinfo', () => {
    const strategy = new WeChatStrategy(
      { ...MP, callbackURL: 'https://app.example.com/auth/wechat/callback?from=menu', scope: 'snsapi_userinfo' },
      verify,
    );

    it('redirects to oauth2/authorize with exactly appid, redirect_uri, response_type, scope, state, connect_redirect and #wechat_redirect, in that order', async () => {
      const { url } = await startLogin(strategy);
      const state = new URL(url).searchParams.get('state');
      expect(url).toBe(
        'https://open.weixin.qq.com/connect/oauth2/authorize' +
          `?appid=${MP.appID}` +
          '&redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2Fwechat%2Fcallback%3Ffrom%3Dmenu' +
          '&response_type=code&scope=snsapi_userinfo' +
          `&state=${state}` +
          '&connect_redirect=1#wechat_redirect',
      );
    });

    it('never sends client_id or the secret', async () => {
      const { url } = await startLogin(strategy);
      expect(url).not.toContain('client_id');
      expect(url).not.toContain(MP.appSecret);
    });

    it('makes a state of at most 128 characters of [A-Za-z0-9], tagged for the mp app', async () => {
      const { url } = await startLogin(strategy);
      const state = new URL(url).searchParams.get('state') ?? '';
      expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/);
      expect(state[0]).toBe('m');
    });

    it('keeps the state in the session, one per login attempt', async () => {
      const { req, url } = await startLogin(strategy);
      const state = new URL(url).searchParams.get('state') ?? '';
      expect(req.session['wechat:oauth2'].map((p: { handle: string }) => p.handle)).toEqual([state.slice(1)]);
    });

    it('encodes redirect_uri exactly once', async () => {
      const { url } = await startLogin(strategy);
      expect(url).not.toContain('%25');
      expect(decodeURIComponent(new URL(url).searchParams.get('redirect_uri') ?? '')).toBe(
        'https://app.example.com/auth/wechat/callback?from=menu',
      );
    });
  });

  describe('options that change the URL', () => {
    it('defaults to snsapi_userinfo for mp', async () => {
      const { url } = await startLogin(new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify));
      expect(new URL(url).searchParams.get('scope')).toBe('snsapi_userinfo');
    });

    it('leaves out connect_redirect when connectRedirect is false', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb', connectRedirect: false }, verify),
      );
      expect(url).not.toContain('connect_redirect');
      expect(url.endsWith('#wechat_redirect')).toBe(true);
    });

    it('appends forcePopup=true after connect_redirect when asked in the options', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb', forcePopup: true }, verify),
      );
      expect(url).toMatch(/&state=m[A-Za-z0-9]+&connect_redirect=1&forcePopup=true#wechat_redirect$/);
    });

    it('appends forcePopup=true when asked per request', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify),
        {},
        { forcePopup: true },
      );
      expect(url).toContain('&forcePopup=true#wechat_redirect');
    });

    it('takes the scope per request', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify),
        {},
        { scope: 'snsapi_base' },
      );
      expect(new URL(url).searchParams.get('scope')).toBe('snsapi_base');
    });

    it('uses a custom authorizationURL (an emulator)', async () => {
      const { url } = await startLogin(
        new WeChatStrategy(
          {
            ...MP,
            callbackURL: 'https://a.example.com/cb',
            authorizationURL: 'http://127.0.0.1:9/connect/oauth2/authorize',
          },
          verify,
        ),
      );
      expect(url.startsWith('http://127.0.0.1:9/connect/oauth2/authorize?appid=')).toBe(true);
    });

    it('carries parameters already on a custom authorizationURL after WeChat’s own', async () => {
      const { url } = await startLogin(
        new WeChatStrategy(
          {
            ...MP,
            callbackURL: 'https://a.example.com/cb',
            authorizationURL: 'https://proxy.example.com/authorize?tenant=a b',
          },
          verify,
        ),
      );
      expect(url).toMatch(/&connect_redirect=1&tenant=a%20b#wechat_redirect$/);
    });

    it('resolves a relative callbackURL against the request', async () => {
      const { url } = await startLogin(new WeChatStrategy({ ...MP, callbackURL: '/auth/wechat/callback' }, verify), {
        headers: { host: 'shop.example.com' },
      });
      expect(new URL(url).searchParams.get('redirect_uri')).toBe('http://shop.example.com/auth/wechat/callback');
    });

    it('honours X-Forwarded-Proto/Host for a relative callbackURL only with proxy: true', async () => {
      const headers = { host: 'internal:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example.com' };
      const trusted = await startLogin(new WeChatStrategy({ ...MP, callbackURL: '/cb', proxy: true }, verify), {
        headers,
      });
      const untrusted = await startLogin(new WeChatStrategy({ ...MP, callbackURL: '/cb' }, verify), { headers });
      expect(new URL(trusted.url).searchParams.get('redirect_uri')).toBe('https://shop.example.com/cb');
      expect(new URL(untrusted.url).searchParams.get('redirect_uri')).toBe('http://internal:3000/cb');
    });

    it('takes the callbackURL per request', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify),
        {},
        { callbackURL: 'https://b.example.com/other' },
      );
      expect(new URL(url).searchParams.get('redirect_uri')).toBe('https://b.example.com/other');
    });

    it('carries app state (object or string) in the store, not in the URL', async () => {
      const strategy = new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify);
      const { url, req } = await startLogin(strategy, {}, { state: { returnTo: '/cart' } });
      const state = new URL(url).searchParams.get('state') ?? '';
      expect(url).not.toContain('cart');
      expect(
        req.session['wechat:oauth2'].find((p: { handle: string }) => p.handle === state.slice(1)).appState,
      ).toEqual({ returnTo: '/cart' });
    });
  });

  describe('a website QR (web) login', () => {
    const strategy = new WeChatStrategy({ client: 'web', web: WEB, callbackURL: 'https://www.example.com/cb' }, verify);

    it('redirects to qrconnect with the website app and snsapi_login', async () => {
      const { url } = await startLogin(strategy);
      expect(url).toMatch(
        new RegExp(
          `^https://open\\.weixin\\.qq\\.com/connect/qrconnect\\?appid=${WEB.appID}&redirect_uri=https%3A%2F%2Fwww\\.example\\.com%2Fcb&response_type=code&scope=snsapi_login&state=w[A-Za-z0-9]+&connect_redirect=1#wechat_redirect$`,
        ),
      );
    });

    it('ignores forcePopup, which only exists on oauth2/authorize', async () => {
      const { url } = await startLogin(strategy, {}, { forcePopup: true });
      expect(url).not.toContain('forcePopup');
    });

    it('accepts the website app credentials at the top level when client is web', async () => {
      const { url } = await startLogin(
        new WeChatStrategy({ client: 'web', ...WEB, callbackURL: 'https://www.example.com/cb' }, verify),
      );
      expect(new URL(url).searchParams.get('appid')).toBe(WEB.appID);
    });

    it('refuses an mp scope per request with a configuration error', async () => {
      const outcome = await authenticate(strategy, fakeRequest(), { scope: 'snsapi_userinfo' });
      expect(outcome.kind).toBe('error');
      expect(outcome.kind === 'error' && outcome.error).toBeInstanceOf(WeChatConfigError);
    });
  });

  describe("client: 'auto'", () => {
    const strategy = new WeChatStrategy(
      { ...MP, web: WEB, client: 'auto', callbackURL: 'https://www.example.com/cb' },
      verify,
    );

    it('sends a WeChat in-app browser to oauth2/authorize with the mp app', async () => {
      const { url } = await startLogin(strategy, { headers: { 'user-agent': WECHAT_UA } });
      expect(url.startsWith(`https://open.weixin.qq.com/connect/oauth2/authorize?appid=${MP.appID}&`)).toBe(true);
      expect(new URL(url).searchParams.get('state')?.[0]).toBe('m');
    });

    it('sends any other browser to qrconnect with the web app and snsapi_login', async () => {
      const { url } = await startLogin(strategy, { headers: { 'user-agent': DESKTOP_UA } });
      expect(url.startsWith(`https://open.weixin.qq.com/connect/qrconnect?appid=${WEB.appID}&`)).toBe(true);
      expect(new URL(url).searchParams.get('scope')).toBe('snsapi_login');
      expect(new URL(url).searchParams.get('state')?.[0]).toBe('w');
    });

    it('treats a request without a User-Agent as a desktop browser', async () => {
      const { url } = await startLogin(strategy);
      expect(url).toContain('/connect/qrconnect?');
    });

    it('lets a per-request client override the User-Agent', async () => {
      const { url } = await startLogin(strategy, { headers: { 'user-agent': DESKTOP_UA } }, { client: 'mp' });
      expect(url).toContain('/connect/oauth2/authorize?');
    });

    it('gives way to snsapi_login when a per-request mp scope meets a desktop browser', async () => {
      const { url } = await startLogin(strategy, { headers: { 'user-agent': DESKTOP_UA } }, { scope: 'snsapi_base' });
      expect(new URL(url).searchParams.get('scope')).toBe('snsapi_login');
    });
  });

  describe('configuration errors on the redirect leg', () => {
    it('answers a login for a client without credentials with a clear error, not a redirect', async () => {
      const strategy = new WeChatStrategy({ ...MP, client: 'auto', callbackURL: 'https://a.example.com/cb' }, verify);
      const outcome = await authenticate(strategy, fakeRequest({ headers: { 'user-agent': DESKTOP_UA } }));
      expect(outcome.kind).toBe('error');
      const error = (outcome as { error: Error }).error;
      expect(error).toBeInstanceOf(WeChatConfigError);
      expect(error.message).toMatch(/website app \(web\).*options\.web\.appID.*WECHAT_WEB_APP_ID/);
    });

    it('asks for a callbackURL when there is none', async () => {
      const outcome = await authenticate(new WeChatStrategy({ ...MP }, verify), fakeRequest());
      expect(outcome.kind === 'error' && outcome.error.message).toMatch(/callbackURL is required.*WECHAT_CALLBACK_URL/);
    });

    it('refuses an unknown per-request scope for a fixed client', async () => {
      const outcome = await authenticate(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify),
        fakeRequest(),
        { scope: 'snsapi_login' },
      );
      expect(outcome.kind === 'error' && outcome.error.message).toMatch(
        /scope "snsapi_login" is not valid for client 'mp'/,
      );
    });

    it('says sessions are needed when the default state store has none', async () => {
      const req = fakeRequest();
      delete req.session;
      const outcome = await authenticate(
        new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb' }, verify),
        req,
      );
      expect(outcome.kind === 'error' && outcome.error.message).toMatch(/requires session support/);
    });
  });
});
