/**
 * A minimal Express app around WeComStrategy (session + passport) on
 * 127.0.0.1, talking to the bundled emulator, and a cookie-jar browser that
 * walks a WeCom login through the emulator's pages as WeCom's clients do.
 */
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { listenOnLoopback } from '../helpers/listen';
import { WeComStrategy, type VerifyCallback, type WeComProfile, type WeComStrategyOptions } from '../../lib';
import type { MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';

/** A WeCom desktop client on Windows (wecom-protocol.md §1.2): `wxwork` and `MicroMessenger` both. */
export const WXWORK_UA =
  'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) wxwork/4.1.22 (MicroMessenger/6.2) WindowsWechat';
export const DESKTOP_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

export interface WeComApp {
  url: string;
  strategy: WeComStrategy;
  /** Profiles verify received, in order. */
  profiles: WeComProfile[];
  errors: Error[];
  close(): Promise<void>;
}

export async function startWeComApp(
  mock: MockWeChat,
  options: Partial<WeComStrategyOptions> = {},
  sessionStore?: session.Store,
  /** More strategies on the same app and session, started at `/login-<name>` (their callbacks still go to `/cb`). */
  more: Record<string, Partial<WeComStrategyOptions>> = {},
  /** Replaces the recording verify (any form; with `passReqToCallback: true` in `options` for the request form). */
  verify?: (...args: never[]) => void,
): Promise<WeComApp> {
  const app = express();
  const pp = new passport.Passport();
  const profiles: WeComProfile[] = [];
  const errors: Error[] = [];
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: true, store: sessionStore }));
  pp.serializeUser((user, done) => done(null, user));
  pp.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(pp.initialize());
  app.use(pp.session());
  const recording = (profile: WeComProfile, done: VerifyCallback): void => {
    profiles.push(profile);
    done(null, { id: profile.id, kind: profile.kind });
  };
  const strategy = new (WeComStrategy as unknown as new (o: object, v: unknown) => WeComStrategy)(
    { ...strategyOptions(mock), callbackURL: '/cb', ...options },
    verify ?? recording,
  );
  pp.use(strategy);
  app.get('/login', pp.authenticate('wecom'));
  for (const [name, extra] of Object.entries(more)) {
    pp.use(name, new WeComStrategy({ ...strategyOptions(mock), callbackURL: '/cb', ...extra, name }));
    app.get(`/login-${name}`, pp.authenticate(name));
  }
  app.get('/cb', (req, res, next) => {
    pp.authenticate('wecom', (err: Error | null, user: Express.User | false, info: unknown, status?: number) => {
      if (err) {
        errors.push(err);
        return void res.status(500).json({ error: err.message, name: err.name });
      }
      if (!user) return void res.status(typeof status === 'number' ? status : 401).json({ failed: info });
      req.logIn(user, (e) => (e ? next(e) : res.json({ user, info })));
    })(req, res, next);
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  const { url, close } = await listenOnLoopback(app);
  return {
    url,
    strategy,
    profiles,
    errors,
    close,
  };
}

/**
 * Starts a login and follows it through the emulator up to WeCom's redirect
 * back (auto-consent picks the user), returning the callback URL.
 */
export async function weComCallbackURL(browser: Browser, appURL: string): Promise<string> {
  const login = await browser.get(`${appURL}/login`);
  const authorize = login.headers.get('location');
  if (!authorize) throw new Error(`no redirect from /login: ${login.status} ${await login.text()}`);
  const page = await browser.get(authorize.replace(/#wechat_redirect$/, ''));
  const back = page.headers.get('location');
  if (!back) throw new Error(`no redirect from the emulator: ${page.status} ${await page.text()}`);
  return back.startsWith('http') ? back : appURL + back;
}

/** A full login as `user` with auto-consent: the callback's JSON answer and status. */
export async function logInAs(
  mock: MockWeChat,
  app: WeComApp,
  user: string,
  browser = new Browser(WXWORK_UA),
): Promise<{ status: number; body: Record<string, unknown> }> {
  mock.setWeComAutoConsent({ user, decision: 'allow' });
  const res = await browser.get(await weComCallbackURL(browser, app.url));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The emulator's main WeCom app and URLs, as strategy options. */
export function strategyOptions(mock: MockWeChat): WeComStrategyOptions {
  return {
    ...mock.apps.wecom,
    authorizationURL: mock.wecom.authorizationURL,
    loginURL: mock.wecom.loginURL,
    apiBaseURL: mock.wecom.apiBaseURL,
  };
}
