/**
 * cookies.ts on the request shapes each framework hands a strategy (the real
 * frameworks run in test/frameworks/; these pin each branch down).
 */
import {
  browserFingerprint,
  cookieAdvice,
  cookieHeader,
  frameworkOf,
  readCookie,
  sessionAdvice,
  setCookie,
} from '../lib/state/cookies';

const expressLike = (headers: Record<string, string> = {}, secure = false) => {
  const appended: string[] = [];
  return { req: { headers, secure, res: { append: (_f: string, v: string) => appended.push(v) } } as any, appended };
};

const koaLike = (secure: boolean) => {
  const set: Array<[string, string, Record<string, unknown>]> = [];
  const cookies = {
    get: () => undefined,
    set: (n: string, v: string, o: Record<string, unknown>) => set.push([n, v, o]),
  };
  return { req: { headers: {}, secure, cookies, ctx: { cookies } } as any, set };
};

/** Like @fastify/secure-session's and @fastify/session's: get/set methods. */
const fastifyLike = (session?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  ({ headers, raw: {}, server: {}, session }) as any;
const sessionWithMethods = () => {
  const data: Record<string, unknown> = {};
  return { get: (k: string) => data[k], set: (k: string, v: unknown) => void (data[k] = v), data };
};

describe("cookies on each framework's request", () => {
  describe('Express (req.res.append)', () => {
    it('appends an httpOnly SameSite=Lax cookie, Secure on HTTPS', () => {
      const plain = expressLike();
      expect(setCookie(plain.req, 'n', 'v', 60)).toBe(true);
      expect(plain.appended).toEqual(['n=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax']);
      const secure = expressLike({}, true);
      setCookie(secure.req, 'n', 'v', 60);
      expect(secure.appended[0]).toMatch(/; Secure$/);
      expect(frameworkOf(plain.req)).toBe('express');
    });

    it("reads cookie-parser's req.cookies, else the raw header", () => {
      expect(readCookie({ headers: {}, cookies: { n: 'parsed' } } as any, 'n')).toBe('parsed');
      expect(readCookie({ headers: { cookie: 'a=1; n=raw ; b=2' } } as any, 'n')).toBe('raw');
      expect(readCookie({ headers: { cookie: 'a=1' } } as any, 'n')).toBeUndefined();
      expect(readCookie({ headers: {} } as any, 'n')).toBeUndefined();
    });
  });

  describe('Koa with koa-passport (ctx.cookies)', () => {
    it("sets through Koa's cookie jar, unsigned, Secure only on HTTPS", () => {
      const koa = koaLike(false);
      expect(frameworkOf(koa.req)).toBe('koa');
      expect(setCookie(koa.req, 'n', 'v', 60)).toBe(true);
      expect(koa.set).toEqual([
        [
          'n',
          'v',
          { path: '/', maxAge: 60000, httpOnly: true, sameSite: 'lax', secure: false, signed: false, overwrite: true },
        ],
      ]);
      const https = koaLike(true);
      setCookie(https.req, 'n', 'v', 60);
      expect(https.set[0]?.[2].secure).toBe(true);
    });
  });

  describe('a plain Node response on req.res', () => {
    it('uses appendHeader while the headers are not sent; the protocol or the socket says whether it is HTTPS', () => {
      const headers: string[] = [];
      const res = { headersSent: false, appendHeader: (_f: string, v: string) => headers.push(v) };
      expect(setCookie({ headers: {}, protocol: 'https', res } as any, 'n', 'v', 1)).toBe(true);
      expect(setCookie({ headers: {}, socket: { encrypted: false }, res } as any, 'm', 'w', 1)).toBe(true);
      expect(headers).toEqual([
        'n=v; Path=/; Max-Age=1; HttpOnly; SameSite=Lax; Secure',
        'm=w; Path=/; Max-Age=1; HttpOnly; SameSite=Lax',
      ]);
      expect(setCookie({ headers: {}, res: { ...res, headersSent: true } } as any, 'n', 'v', 1)).toBe(false);
    });
  });

  describe('Fastify with @fastify/passport (no reply reachable: the session holds it)', () => {
    it('writes into a session with get/set and reads it back until it expires', () => {
      const session = sessionWithMethods();
      const req = fastifyLike(session);
      expect(frameworkOf(req)).toBe('fastify');
      expect(setCookie(req, 'n', 'v', 60)).toBe(true);
      expect(readCookie(req, 'n')).toBe('v');
      (session.data['wechat:cookie:n'] as { expires: number }).expires = Date.now() - 1;
      expect(readCookie(req, 'n')).toBeUndefined();
    });

    it('writes into a plain session object too', () => {
      const req = fastifyLike({});
      expect(setCookie(req, 'n', 'v', 60)).toBe(true);
      expect(readCookie(req, 'n')).toBe('v');
      expect(readCookie(fastifyLike({ 'wechat:cookie:n': 'not a record' }), 'n')).toBeUndefined();
    });

    it('prefers a real cookie the browser sent', () => {
      expect(readCookie(fastifyLike(sessionWithMethods(), { cookie: 'n=from-header' }), 'n')).toBe('from-header');
    });

    it('without a session plugin: false, and the advice names Fastify and the plugins', () => {
      const req = fastifyLike(undefined);
      expect(setCookie(req, 'n', 'v', 60)).toBe(false);
      expect(readCookie(req, 'n')).toBeUndefined();
      expect(cookieAdvice(req)).toMatch(/Fastify .* @fastify\/secure-session or @fastify\/session/);
    });
  });

  describe('a request with no response at all', () => {
    it('is false, and the advice lists what works', () => {
      const req = { headers: {} } as any;
      expect(frameworkOf(req)).toBe('unknown');
      expect(setCookie(req, 'n', 'v', 60)).toBe(false);
      expect(cookieAdvice(req)).toMatch(/Express .*Koa .*Fastify/);
    });
  });

  describe('the advice when the session state store finds no session', () => {
    it("names each framework's session middleware", () => {
      expect(sessionAdvice(koaLike(false).req)).toMatch(/^Koa: .*koa-session/);
      expect(sessionAdvice(fastifyLike(undefined))).toMatch(/^Fastify: .*@fastify\/secure-session/);
      expect(sessionAdvice(expressLike().req)).toMatch(/^Express or NestJS: .*express-session/);
    });
  });

  describe('the raw Cookie header and the browser fingerprint', () => {
    it('are the header as sent, and its cookies trimmed and sorted', () => {
      const req = { headers: { cookie: ' b=2;a=1 ; ' } } as any;
      expect(cookieHeader(req)).toBe(' b=2;a=1 ; ');
      expect(browserFingerprint(req)).toBe('a=1; b=2');
      expect(browserFingerprint({ headers: { cookie: ' ; ' } } as any)).toBeUndefined();
      expect(cookieHeader({ headers: {} } as any)).toBeUndefined();
      expect(browserFingerprint({} as any)).toBeUndefined();
    });
  });
});
