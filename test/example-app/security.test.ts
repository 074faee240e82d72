/**
 * Security properties of the example app: headers, cookie flags (also behind
 * an HTTPS proxy), no secret in any page or log line, and an error handler
 * that never crashes.
 */
import express from 'express';
import request from 'supertest';
import { WeChatAPIError, WeChatConfigError, WeChatTransportError } from 'passport-wechat-oauth2';
import { describeError, makeErrorHandler } from '../../example-app/app';
import { callbackParams, DESKTOP_UA, login, startApp, TestBrowser, WECHAT_UA, type Harness } from './helpers';

function cookieAttrs(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

describe('example app: security', () => {
  describe('plain HTTP (no proxy)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApp();
    });
    afterAll(async () => {
      await h?.close();
    });

    describe('headers', () => {
      it('sends helmet headers and a CSP that allows only our and the emulator/WeChat avatar origins for images', async () => {
        const res = await new TestBrowser(h).get('/');
        const csp = String(res.headers['content-security-policy']);
        const imgSrc = csp
          .split(';')
          .find((d) => d.trim().startsWith('img-src'))
          ?.trim()
          .split(/\s+/);
        expect(imgSrc).toEqual([
          'img-src',
          "'self'",
          'data:',
          new URL(h.mock.url).origin,
          'https://thirdwx.qlogo.cn',
          'https://wx.qlogo.cn',
        ]);
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("form-action 'self'");
        expect(csp).toContain("frame-ancestors 'self'");
        // Would rewrite the emulator's http:// avatar URLs to https:// on plain http.
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['cache-control']).toBe('no-store');
      });
    });

    describe('cookies', () => {
      it('sets the session cookie HttpOnly and SameSite=Lax, not Secure on plain http', async () => {
        const res = await new TestBrowser(h).get('/login?client=web');
        const cookie = res.setCookies.find((c) => c.startsWith(`${h.config.session.cookieName}=`));
        expect(cookie).toBeDefined();
        const attrs = cookieAttrs(cookie as string);
        expect(attrs).toContain('httponly');
        expect(attrs).toContain('samesite=lax');
        expect(attrs).toContain('path=/');
        expect(attrs).not.toContain('secure');
      });

      it('sets no cookie for anonymous page views (saveUninitialized: false)', async () => {
        expect((await new TestBrowser(h).get('/')).setCookies).toEqual([]);
      });

      it('ignores X-Forwarded-Proto when TRUST_PROXY is off', async () => {
        const res = await new TestBrowser(h).get('/login?client=web', { 'X-Forwarded-Proto': 'https' });
        expect(cookieAttrs(res.setCookies[0] ?? '')).not.toContain('secure');
        expect(new URL(res.location as string).searchParams.get('redirect_uri')?.startsWith('http://127.0.0.1:')).toBe(
          true,
        );
      });
    });

    describe('secrets', () => {
      it('never puts an app secret, the session secret, a code or a token in a page or a log line', async () => {
        h.logs.length = 0;
        h.bodies.length = 0;
        const mp = new TestBrowser(h, WECHAT_UA);
        const web = new TestBrowser(h, DESKTOP_UA);
        const codes: string[] = [];
        const track = (url: string): void => {
          const { code } = callbackParams(url);
          if (code) codes.push(code);
        };
        await mp.get('/');
        track((await login(h, mp, { client: 'mp', user: 'alice' })).callbackURL);
        await mp.get('/profile');
        track((await login(h, web, { client: 'web', user: 'bob' })).callbackURL);
        await web.get('/profile');
        await login(h, mp, { client: 'mp', decision: 'deny' });
        await mp.get('/failure?reason=access_denied');
        track((await login(h, mp, { client: 'mp', user: 'snapshot' })).callbackURL);
        h.mock.setFault('/sns/oauth2/access_token', 40125, 1);
        track((await login(h, web, { client: 'web' })).callbackURL);
        await web.get('/nope');
        await web.post('/logout');

        expect(codes.length).toBeGreaterThanOrEqual(4);
        const forbidden = [h.mock.apps.mp.appSecret, h.mock.apps.web.appSecret, h.config.session.secret, ...codes];
        const appBodies = h.bodies.filter((b) => !b.includes('WeChat emulator'));
        expect(appBodies.length).toBeGreaterThan(8);
        for (const body of appBodies) for (const s of forbidden) expect(body).not.toContain(s);
        const log = h.logs.join('\n');
        expect(log).toContain('GET /auth/wechat/callback 302');
        for (const s of forbidden) expect(log).not.toContain(s);
        expect(log).not.toMatch(/code=|access_token=|refresh_token=/);
      });
    });
  });

  describe('behind an HTTPS proxy (TRUST_PROXY=1)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApp({ TRUST_PROXY: '1' });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('marks the cookie Secure when X-Forwarded-Proto is https, and builds an https callback URL', async () => {
      const res = await new TestBrowser(h).get('/login?client=web', { 'X-Forwarded-Proto': 'https' });
      const attrs = cookieAttrs(res.setCookies[0] ?? '');
      expect(attrs).toContain('secure');
      expect(attrs).toContain('httponly');
      expect(attrs).toContain('samesite=lax');
      expect(new URL(res.location as string).searchParams.get('redirect_uri')?.startsWith('https://127.0.0.1:')).toBe(
        true,
      );
    });

    it('does not mark it Secure on a plain-http request (cookie.secure "auto")', async () => {
      const res = await new TestBrowser(h).get('/login?client=web');
      expect(res.setCookies.length).toBe(1);
      expect(cookieAttrs(res.setCookies[0])).not.toContain('secure');
    });

    it('adds upgrade-insecure-requests to the CSP', async () => {
      const res = await new TestBrowser(h).get('/', { 'X-Forwarded-Proto': 'https' });
      expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    });
  });

  describe('error handler', () => {
    const logs: string[] = [];
    const logger = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    const trap = (thrown: () => unknown) => {
      const app = express();
      app.get('/boom', () => {
        throw thrown();
      });
      app.get('/late', (_req, res, next) => {
        res.status(200).write('partial');
        next(new Error('after headers'));
      });
      app.use(makeErrorHandler({ logger, redact: (t) => t.split('s3cr3t').join('[redacted]') }));
      return app;
    };

    it.each([
      [
        'a WeChat API error',
        () => new WeChatAPIError(40125, 'invalid appsecret', '/sns/oauth2/access_token'),
        502,
        'errcode 40125',
      ],
      [
        'a transport error',
        () => new WeChatTransportError('/sns/userinfo', 'api.weixin.qq.com', 'timeout', 'no answer in 5000 ms'),
        502,
        'timeout',
      ],
      [
        'a config error',
        () => new WeChatConfigError('WeChatStrategy: callbackURL is required'),
        500,
        'callbackURL is required',
      ],
      [
        'an InternalOAuthError',
        () => Object.assign(new Error('Failed to obtain access token'), { name: 'InternalOAuthError' }),
        502,
        'Failed to obtain access token',
      ],
      ['an unknown error', () => new Error('db password s3cr3t at host'), 500, 'Internal Server Error'],
      [
        'a 4xx error',
        () => Object.assign(new Error('bad json s3cr3t'), { status: 400 }),
        400,
        'could not be processed',
      ],
      ['a thrown string', () => 's3cr3t string', 500, 'Internal Server Error'],
      ['a plain object', () => ({ secret: 's3cr3t' }), 500, 'Internal Server Error'],
    ])('renders %s as a generic error page without stack or secret', async (_name, thrown, status, text) => {
      const res = await request(trap(thrown)).get('/boom');
      expect(res.status).toBe(status);
      expect(res.text).toContain(text);
      expect(res.text).toContain('data-page="error"');
      expect(res.text).not.toContain('s3cr3t');
      expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(logs.join('\n')).not.toContain('s3cr3t');
    });

    it('survives an error object whose properties throw', async () => {
      const evil = new Proxy(
        {},
        {
          get() {
            throw new Error('gotcha');
          },
          getPrototypeOf() {
            throw new Error('gotcha');
          },
        },
      );
      const res = await request(trap(() => evil)).get('/boom');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
    });

    it('ends the response when headers were already sent', async () => {
      const res = await request(trap(() => null)).get('/late');
      expect(res.status).toBe(200);
      expect(res.text).toBe('partial');
    });

    it('describeError keeps WeChat messages and hides others', () => {
      expect(describeError(new WeChatAPIError(-1, 'system busy', '/sns/userinfo')).status).toBe(502);
      expect(describeError(new TypeError('x is undefined'))).toEqual({ status: 500, message: 'Internal Server Error' });
      expect(describeError(undefined)).toEqual({ status: 500, message: 'Internal Server Error' });
    });
  });
});
