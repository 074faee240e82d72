/**
 * absoluteURL: passport-oauth2's relative-callbackURL resolution, on any
 * framework's request (Fastify 5's has no `connection`).
 */
import { absoluteURL } from '../lib/redirect/request-url';

describe('absoluteURL(req, target, trustProxy)', () => {
  describe('an absolute target', () => {
    it('is kept as is', () => {
      expect(absoluteURL({ headers: { host: 'a.example.com' } } as any, 'https://b.example.com/cb', false)).toBe(
        'https://b.example.com/cb',
      );
    });
  });

  describe('a relative target', () => {
    it('resolves against the Host and the request path, http on a plain socket (Fastify 5: socket, no connection)', () => {
      expect(
        absoluteURL(
          { headers: { host: 'a.example.com:3000' }, socket: { encrypted: false }, url: '/auth/login?x=1' } as any,
          '/auth/cb',
          false,
        ),
      ).toBe('http://a.example.com:3000/auth/cb');
      expect(absoluteURL({ headers: { host: 'a.example.com' }, url: '/auth/login' } as any, 'cb', false)).toBe(
        'http://a.example.com/auth/cb',
      );
    });

    it('is https on a TLS socket, also when only Express-style req.connection says so', () => {
      expect(
        absoluteURL(
          { headers: { host: 'a.example.com' }, connection: { encrypted: true }, url: '/' } as any,
          '/cb',
          false,
        ),
      ).toBe('https://a.example.com/cb');
    });

    it('ignores X-Forwarded-* unless the proxy is trusted', () => {
      const req = {
        headers: {
          host: 'internal:3000',
          'x-forwarded-proto': 'https, http',
          'x-forwarded-host': 'public.example.com',
        },
        url: '/',
      } as any;
      expect(absoluteURL(req, '/cb', false)).toBe('http://internal:3000/cb');
      expect(absoluteURL(req, '/cb', true)).toBe('https://public.example.com/cb');
    });

    it("trusts the proxy when the app says so (Express's or koa-passport's req.app.get('trust proxy'))", () => {
      const req = {
        app: { get: (k: string) => k === 'trust proxy' },
        headers: { host: 'internal', 'x-forwarded-proto': ['https'] },
        url: '/',
      } as any;
      expect(absoluteURL(req, '/cb', false)).toBe('https://internal/cb');
    });

    it('survives a request without headers', () => {
      expect(absoluteURL({} as any, '/cb', false)).toBe('http:///cb');
    });
  });
});
