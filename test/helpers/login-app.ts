import express from 'express';
import session from 'express-session';
import passport from 'passport';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Strategy as WeChatStrategy, type StateStore, type VerifyCallback, type WeChatProfile } from '../../lib';
import type { MockWeChat } from '../../lib/testing';

/**
 * A minimal Express app around the strategy (session + passport), on
 * 127.0.0.1, talking to the bundled emulator. The callback answers JSON so
 * tests can read the outcome; `/me` tells who the session is logged in as.
 */
export async function startLoginApp(mock: MockWeChat, options: { store?: StateStore; sessions?: boolean } = {}) {
  const app = express();
  const useSessions = options.sessions ?? true;
  const pp = new passport.Passport();
  if (useSessions) app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: true }));
  pp.serializeUser((user, done) => done(null, user));
  pp.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(pp.initialize());
  if (useSessions) app.use(pp.session());
  pp.use(
    new WeChatStrategy(
      { ...mock.apps.mp, authorizationURL: mock.authorizationURL, qrconnectURL: mock.qrconnectURL, apiBaseURL: mock.apiBaseURL, callbackURL: '/cb', scope: 'snsapi_userinfo', store: options.store },
      (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, { openid: profile.openid, nickname: profile.displayName }),
    ),
  );
  app.get('/login', pp.authenticate('wechat', { session: useSessions }));
  app.get('/cb', (req, res, next) => {
    pp.authenticate('wechat', { session: useSessions }, (err: Error | null, user: Express.User | false, info: unknown) => {
      if (err) return void res.status(500).json({ error: err.message });
      if (!user) return void res.status(401).json({ failed: info });
      if (!useSessions) return void res.json({ user });
      req.logIn(user, (e) => (e ? next(e) : res.json({ user })));
    })(req, res, next);
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A cookie jar over fetch, one per simulated browser. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(readonly userAgent = 'Mozilla/5.0 (iPhone) MicroMessenger/8.0.47') {}

  async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookieHeader(), 'user-agent': this.userAgent } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Starts a login and walks it through the emulator (auto-consent) up to WeChat's redirect back. Returns the callback URL. */
  async callbackURL(appURL: string): Promise<string> {
    const login = await this.get(`${appURL}/login`);
    const authorize = login.headers.get('location');
    if (!authorize) throw new Error(`no redirect from /login: ${login.status}`);
    const consent = await this.get(authorize);
    const back = consent.headers.get('location');
    if (!back) throw new Error(`no redirect from the emulator: ${consent.status} ${await consent.text()}`);
    return back.startsWith('http') ? back : appURL + back;
  }
}
