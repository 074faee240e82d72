import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { listenOnLoopback } from './listen';
import { Strategy as WeChatStrategy, type StateStore, type VerifyCallback, type WeChatProfile } from '../../lib';
import type { MockWeChat } from '../../lib/testing';

export interface LoginAppOptions {
  store?: StateStore;
  /** Extra strategy options (timeout, a wrong secret, apiBaseURL, …). */
  strategy?: Record<string, unknown>;
  /** Where express-session keeps sessions (default its MemoryStore). */
  sessionStore?: session.Store;
  /** A verify callback of any passport-oauth2 form (default: records the tokens, the user is `{ openid, nickname }`). */
  verify?: (...args: never[]) => void;
}

export interface LoginApp {
  url: string;
  strategy: WeChatStrategy;
  /** Tokens verify received, in order. */
  tokens: Array<{ accessToken: string; refreshToken: string; openid: string }>;
  /** Every error /cb saw. */
  errors: Error[];
  close(): Promise<void>;
}

/**
 * A minimal Express app around the strategy (session + passport), on
 * 127.0.0.1, talking to the bundled emulator. The callback answers JSON so
 * tests can read the outcome (200 `{user}`, 401 `{failed: info}`, 500
 * `{error, name}`); `/me` tells who the session is logged in as.
 */
export async function startLoginApp(mock: MockWeChat, options: LoginAppOptions = {}): Promise<LoginApp> {
  const app = express();
  const pp = new passport.Passport();
  const tokens: LoginApp['tokens'] = [];
  const errors: Error[] = [];
  app.use(
    session({ secret: 'test-session-secret', resave: false, saveUninitialized: true, store: options.sessionStore }),
  );
  pp.serializeUser((user, done) => done(null, user));
  pp.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(pp.initialize());
  app.use(pp.session());
  const strategy = new WeChatStrategy(
    {
      ...mock.apps.mp,
      authorizationURL: mock.authorizationURL,
      qrconnectURL: mock.qrconnectURL,
      apiBaseURL: mock.apiBaseURL,
      callbackURL: '/cb',
      scope: 'snsapi_userinfo',
      store: options.store,
      ...options.strategy,
    },
    (options.verify as (a: string, r: string, p: WeChatProfile, d: VerifyCallback) => void) ??
      ((accessToken: string, refreshToken: string, profile: WeChatProfile, done: VerifyCallback) => {
        tokens.push({ accessToken, refreshToken, openid: profile.openid });
        done(null, { openid: profile.openid, nickname: profile.displayName });
      }),
  );
  pp.use(strategy);
  app.get('/login', pp.authenticate('wechat'));
  app.get('/cb', (req, res, next) => {
    pp.authenticate('wechat', (err: Error | null, user: Express.User | false, info: unknown) => {
      if (err) {
        errors.push(err);
        return void res.status(500).json({ error: err.message, name: err.name });
      }
      if (!user) return void res.status(401).json({ failed: info });
      req.logIn(user, (e) => (e ? next(e) : res.json({ user })));
    })(req, res, next);
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  const { url, close } = await listenOnLoopback(app);
  return {
    url,
    strategy,
    tokens,
    errors,
    close,
  };
}

/** Request counters of the emulator, per pathname. */
export async function mockStats(mock: MockWeChat): Promise<Record<string, number>> {
  const res = await fetch(`${mock.url}/__mock/stats`);
  return ((await res.json()) as { requests: Record<string, number> }).requests;
}

/** How many token exchanges the emulator has answered. */
export async function tokenExchanges(mock: MockWeChat): Promise<number> {
  return (await mockStats(mock))['/sns/oauth2/access_token'] ?? 0;
}

/** A cookie jar over fetch, one per simulated browser. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(readonly userAgent = 'Mozilla/5.0 (iPhone) MicroMessenger/8.0.47') {}

  async get(url: string): Promise<Response> {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'user-agent': this.userAgent },
    });
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

  /**
   * This browser as it is now, to send a request whose answer must not reach
   * `this`: the tab of a navigation that gets cancelled keeps the cookies it
   * had before (the cancelled answer's Set-Cookie never lands).
   */
  fork(): Browser {
    const copy = new Browser(this.userAgent);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }

  /** Who this browser's session is logged in as on `appURL` (its `/me`), or null. */
  async me(appURL: string): Promise<{ openid: string; nickname?: string } | null> {
    const res = await this.get(`${appURL}/me`);
    return ((await res.json()) as { user: { openid: string; nickname?: string } | null }).user;
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
