import express from 'express';
import session from 'express-session';
import passport from 'passport';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Strategy as WeChatStrategy, type StateStore, type VerifyCallback, type WeChatProfile } from '../../lib';
import type { MockWeChat } from '../../lib/testing';

/**
 * Same shape as test/helpers/login-app.ts (`/login`, `/cb`, `/me`), but the
 * strategy options are configurable (timeout, wrong secret, …), the strategy
 * is exposed (for refreshAccessToken / getUserInfo), the tokens handed to
 * verify are recorded, and `/cb` also reports the error's class name.
 */
export interface ReliabilityApp {
  url: string;
  strategy: WeChatStrategy;
  /** Tokens verify received, in order. */
  tokens: Array<{ accessToken: string; refreshToken: string; openid: string }>;
  /** Every error /cb saw. */
  errors: Error[];
  close(): Promise<void>;
}

export async function startReliabilityApp(
  mock: MockWeChat,
  options: { store?: StateStore; strategy?: Record<string, unknown>; sessionStore?: session.Store; sessionSecret?: string } = {},
): Promise<ReliabilityApp> {
  const app = express();
  const pp = new passport.Passport();
  const tokens: ReliabilityApp['tokens'] = [];
  const errors: Error[] = [];
  app.use(session({ secret: options.sessionSecret ?? 'test-session-secret', resave: false, saveUninitialized: true, store: options.sessionStore }));
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
    (accessToken: string, refreshToken: string, profile: WeChatProfile, done: VerifyCallback) => {
      tokens.push({ accessToken, refreshToken, openid: profile.openid });
      done(null, { openid: profile.openid, nickname: profile.displayName });
    },
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
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    strategy,
    tokens,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Request counters of the emulator. */
export async function mockStats(mock: MockWeChat): Promise<Record<string, number>> {
  const res = await fetch(`${mock.url}/__mock/stats`);
  return ((await res.json()) as { requests: Record<string, number> }).requests;
}

/** Collects unhandled rejections / uncaught exceptions while installed. */
export function trackUnhandled() {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
