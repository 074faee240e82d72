import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as WeChatStrategy } from '../../lib';
import { MP } from '../fixtures/apps';

/**
 * passport-oauth2 resolves a relative callbackURL against the request's Host
 * (or X-Forwarded-Host when proxies are trusted): `Host:
 * 127.0.0.1:1@evil.example` passes Express, yet makes the redirect_uri
 * `http://127.0.0.1:1@evil.example/cb`, which browsers read as host
 * evil.example. Only a plain hostname[:port] may build a redirect_uri.
 */
interface App {
  url: string;
  close(): Promise<void>;
}

async function startApp(
  options: { trustProxy?: boolean; strategyProxy?: boolean; callbackURL?: string } = {},
): Promise<App> {
  const app = express();
  if (options.trustProxy) app.set('trust proxy', true);
  const pp = new passport.Passport();
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: true }));
  app.use(pp.initialize());
  pp.use(
    new WeChatStrategy({
      ...MP,
      callbackURL: options.callbackURL ?? '/auth/wechat/callback',
      proxy: options.strategyProxy,
    }),
  );
  app.get('/auth/wechat', pp.authenticate('wechat'));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ name: err.name, message: err.message });
  });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  redirectURI?: string | null;
  body: string;
}

/** GET /auth/wechat with exactly these headers (Host included), as a hostile client can send them. */
function startLogin(app: App, headers: Record<string, string>): Promise<Answer> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/auth/wechat', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const location = res.headers.location;
        resolve({
          status: res.statusCode ?? 0,
          body,
          redirectURI: location ? new URL(location).searchParams.get('redirect_uri') : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(500);
  expect(answer.redirectURI).toBeUndefined();
  const { name, message } = JSON.parse(answer.body) as { name: string; message: string };
  expect(name).toBe('WeChatConfigError');
  expect(message).toBe(
    "WeChatStrategy: callbackURL '/auth/wechat/callback' is relative, and this request's host (the Host header, or X-Forwarded-Host behind a trusted proxy) is not a plain hostname[:port], so no redirect_uri can be built from it. Use an absolute callbackURL in production.",
  );
  expect(answer.body).not.toContain('evil');
}

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('a relative callbackURL', () => {
  describe('with a malformed Host header', () => {
    it.each([
      ['userinfo before the real host', '127.0.0.1:1@evil.example'],
      ['userinfo without a port', 'app.example.com@evil.example'],
      ['a path', 'evil.example/x'],
      ['a fragment', 'evil.example#'],
      ['a backslash', 'evil.example\\x'],
      ['a port out of range', 'app.example.com:99999'],
    ])('(%s) ends with error(WeChatConfigError), never a redirect', async (_name, host) => {
      app = await startApp();
      expectRefused(await startLogin(app, { host }));
    });
  });

  describe('with a plain Host header', () => {
    it.each([
      ['a name', 'app.example.com', 'http://app.example.com/auth/wechat/callback'],
      ['a name and port', 'app.example.com:8080', 'http://app.example.com:8080/auth/wechat/callback'],
      ['an IPv4 address and port', '127.0.0.1:3000', 'http://127.0.0.1:3000/auth/wechat/callback'],
      ['an IPv6 address and port', '[::1]:3000', 'http://[::1]:3000/auth/wechat/callback'],
    ])('(%s) redirects to WeChat with the redirect_uri built from it', async (_name, host, redirectURI) => {
      app = await startApp();
      const answer = await startLogin(app, { host });
      expect(answer.status).toBe(302);
      expect(answer.redirectURI).toBe(redirectURI);
    });

    it('ignores X-Forwarded-Host and -Proto when no proxy is trusted, as passport-oauth2 does', async () => {
      app = await startApp();
      const answer = await startLogin(app, {
        host: 'app.example.com',
        'x-forwarded-host': 'a@evil.example',
        'x-forwarded-proto': 'https',
      });
      expect(answer.redirectURI).toBe('http://app.example.com/auth/wechat/callback');
    });
  });

  describe.each([
    ["Express's trust proxy", { trustProxy: true }],
    ["the strategy's proxy option", { strategyProxy: true }],
  ])('behind a proxy trusted by %s', (_name, trust) => {
    it('builds the redirect_uri from a plain X-Forwarded-Host and X-Forwarded-Proto', async () => {
      app = await startApp(trust);
      const answer = await startLogin(app, {
        host: '127.0.0.1:3000',
        'x-forwarded-host': 'app.example.com',
        'x-forwarded-proto': 'https',
      });
      expect(answer.status).toBe(302);
      expect(answer.redirectURI).toBe('https://app.example.com/auth/wechat/callback');
    });

    it.each([
      ['userinfo', 'app.example.com@evil.example'],
      ['userinfo in the first of a chain', '127.0.0.1:1@evil.example, app.example.com'],
      ['a path', 'evil.example/x'],
    ])('refuses a malformed X-Forwarded-Host (%s)', async (_case, forwarded) => {
      app = await startApp(trust);
      expectRefused(await startLogin(app, { host: 'app.example.com', 'x-forwarded-host': forwarded }));
    });

    it('takes the first host of a chain of proxies, as Express does', async () => {
      app = await startApp(trust);
      const answer = await startLogin(app, {
        host: '127.0.0.1:3000',
        'x-forwarded-host': 'app.example.com, proxy.internal',
      });
      expect(answer.redirectURI).toBe('http://app.example.com/auth/wechat/callback');
    });
  });
});

describe('an absolute callbackURL', () => {
  it('is sent as is, whatever the Host header says', async () => {
    app = await startApp({ callbackURL: 'https://app.example.com/auth/wechat/callback' });
    const answer = await startLogin(app, { host: '127.0.0.1:1@evil.example' });
    expect(answer.status).toBe(302);
    expect(answer.redirectURI).toBe('https://app.example.com/auth/wechat/callback');
  });
});
