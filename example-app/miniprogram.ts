/**
 * The Mini Program and native-app surfaces of the example app:
 * - `POST /auth/wechat/miniprogram` `{code}` → JSON (what a Mini Program's `wx.request` gets);
 * - `POST /auth/wechat/app` `{code}` → JSON (the native app's SendAuth code; JSON only, see docs/miniprogram-and-app.md);
 * - `POST /api/miniprogram/phone` `{code}` → the phone number behind a `getPhoneNumber` code;
 * - in the emulator modes, `GET /miniprogram`: a simulated Mini Program page that mints codes
 *   through the emulator and calls the endpoints above, so a person can watch it work.
 *
 * With Redis (REDIS_URL) the session keys and the access token live in Redis, shared by every instance.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type passport from 'passport';
import {
  WeChatAccessTokenManager,
  WeChatAppStrategy,
  WeChatMiniProgramError,
  WeChatMiniProgramStrategy,
  type CallbackDeduplicator,
  type WeChatAppProfile,
  type WeChatMiniProgramProfile,
} from 'passport-wechat-oauth2';
import { RedisAccessTokenStore, RedisSessionKeyStore, type RedisClientLike } from 'passport-wechat-oauth2/redis';
import type { MockWeChat } from 'passport-wechat-oauth2/testing';

interface Credentials {
  appID: string;
  appSecret: string;
}

export interface MiniProgramDeps {
  authenticator: passport.Authenticator;
  /** Mini Program and mobile app credentials (emulator's in the mock modes, env otherwise); a surface without them is not mounted. */
  miniprogram?: Credentials;
  app?: Credentials;
  apiBaseURL?: readonly string[];
  /** The in-process emulator (`mock` mode) or the standalone one's URL: enables the simulated page. */
  mock?: MockWeChat;
  mockURL?: string;
  redis?: { client: RedisClientLike; secret: string; deduplicator: CallbackDeduplicator };
  log: (line: string) => void;
}

/** Reads the credentials of a surface from env: both or none. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, id: string, secret: string): Credentials | undefined {
  const appID = env[id];
  const appSecret = env[secret];
  return appID && appSecret ? { appID, appSecret } : undefined;
}

/**
 * The credentials of both surfaces: the in-process emulator's, the standalone
 * emulator's (read from its control API), or env (`WECHAT_MINIPROGRAM_APP_ID`
 * / `_SECRET`, `WECHAT_MOBILE_APP_ID` / `_SECRET`) with real WeChat.
 */
export async function surfaceCredentials(
  mock: MockWeChat | undefined,
  mockURL: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ miniprogram?: Credentials; app?: Credentials }> {
  if (mock) return { miniprogram: { ...mock.apps.miniprogram }, app: { ...mock.apps.app } };
  if (mockURL) {
    try {
      const res = await fetch(`${mockURL}/__mock/apps`);
      const { apps } = (await res.json()) as { apps: { miniprogram?: Credentials; app?: Credentials } };
      return { ...(apps.miniprogram ? { miniprogram: apps.miniprogram } : {}), ...(apps.app ? { app: apps.app } : {}) };
    } catch {
      return {};
    }
  }
  const miniprogram = credentialsFromEnv(env, 'WECHAT_MINIPROGRAM_APP_ID', 'WECHAT_MINIPROGRAM_APP_SECRET');
  const app = credentialsFromEnv(env, 'WECHAT_MOBILE_APP_ID', 'WECHAT_MOBILE_APP_SECRET');
  return { ...(miniprogram ? { miniprogram } : {}), ...(app ? { app } : {}) };
}

/** Whether the simulated Mini Program page (`GET /miniprogram`) is served: with an emulator and Mini Program credentials. */
export function servesSimulator(deps: Pick<MiniProgramDeps, 'mock' | 'mockURL' | 'miniprogram'>): boolean {
  return Boolean((deps.mock || deps.mockURL) && deps.miniprogram);
}

/** Mints codes in the emulator: in-process, or through its HTTP control API (standalone mode). */
async function mint(
  deps: MiniProgramDeps,
  route: 'miniprogram/login' | 'miniprogram/phone-code' | 'app/login',
  user: string,
): Promise<string> {
  if (deps.mock) {
    if (route === 'miniprogram/login') return deps.mock.miniProgramLogin(user);
    if (route === 'app/login') return deps.mock.appLogin(user);
    return deps.mock.phoneCode(user);
  }
  const res = await fetch(`${deps.mockURL}/__mock/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  const body = (await res.json()) as { code?: string; error?: string };
  if (!res.ok || !body.code) throw new TypeError(body.error ?? 'the emulator minted no code');
  return body.code;
}

function loginJSON(authenticator: passport.Authenticator, name: string, toUser: (user: Express.User) => object) {
  return (req: Request, res: Response, next: NextFunction): void => {
    authenticator.authenticate(
      name,
      { session: false },
      (err: unknown, user: Express.User | false, info: unknown, status?: number) => {
        if (err) return next(err);
        const failure = (info ?? {}) as { message?: string; errcode?: number };
        if (!user)
          return res.status(typeof status === 'number' ? status : 401).json({
            error: failure.message ?? 'login_failed',
            ...(failure.errcode ? { errcode: failure.errcode } : {}),
          });
        res.json({ user: toUser(user) });
      },
    )(req, res, next);
  };
}

export function miniProgramRoutes(deps: MiniProgramDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  const { authenticator } = deps;
  let mini: WeChatMiniProgramStrategy | undefined;

  if (deps.miniprogram) {
    const { appID, appSecret } = deps.miniprogram;
    const apiBaseURL = deps.apiBaseURL ? [...deps.apiBaseURL] : undefined;
    const redis = deps.redis;
    mini = new WeChatMiniProgramStrategy(
      {
        appID,
        appSecret,
        ...(apiBaseURL ? { apiBaseURL } : {}),
        ...(redis
          ? {
              sessionKeyStore: new RedisSessionKeyStore(redis.client, {
                prefix: 'wechat-example:',
                secret: redis.secret,
              }),
              accessTokens: new WeChatAccessTokenManager({
                appID,
                appSecret,
                apiBaseURL,
                store: new RedisAccessTokenStore(redis.client, { prefix: 'wechat-example:' }),
              }),
              deduplicator: redis.deduplicator,
            }
          : {}),
      },
      (profile: WeChatMiniProgramProfile, done) =>
        done(null, {
          openid: profile.openid,
          ...(profile.unionid ? { unionid: profile.unionid } : {}),
          client: 'miniprogram',
        }),
    );
    authenticator.use(mini);
    router.post(
      '/auth/wechat/miniprogram',
      json,
      loginJSON(authenticator, 'wechat-miniprogram', (u) => u),
    );
    router.post('/api/miniprogram/phone', json, (req, res, next) => {
      const code = (req.body as { code?: unknown } | undefined)?.code;
      (mini as WeChatMiniProgramStrategy).getPhoneNumber(code as string).then(
        (phone) => res.json(phone),
        (err: unknown) =>
          err instanceof WeChatMiniProgramError ? res.status(err.status).json({ error: err.code }) : next(err),
      );
    });
  }

  if (deps.app) {
    authenticator.use(
      new WeChatAppStrategy(
        {
          ...deps.app,
          ...(deps.apiBaseURL ? { apiBaseURL: [...deps.apiBaseURL] } : {}),
          ...(deps.redis ? { deduplicator: deps.redis.deduplicator } : {}),
        },
        (_accessToken: string, _refreshToken: string, profile: WeChatAppProfile, done) =>
          done(null, {
            openid: profile.openid,
            ...(profile.unionid ? { unionid: profile.unionid } : {}),
            displayName: profile.displayName,
            client: 'app',
          }),
      ),
    );
    router.post(
      '/auth/wechat/app',
      json,
      loginJSON(authenticator, 'wechat-app', (u) => u),
    );
  }

  if (servesSimulator(deps)) {
    // The simulated device: same-origin helpers that do what wx.login / getPhoneNumber do on a phone.
    router.post('/miniprogram/simulate/:what', json, (req, res, next) => {
      const routes = { login: 'miniprogram/login', phone: 'miniprogram/phone-code', app: 'app/login' } as const;
      const route = routes[req.params.what as keyof typeof routes];
      const user = (req.body as { user?: unknown } | undefined)?.user;
      if (!route || typeof user !== 'string') {
        res.status(400).json({ error: 'invalid_request' });
        return;
      }
      mint(deps, route, user).then(
        (code) => res.json({ code }),
        (err: unknown) => (err instanceof TypeError ? res.status(400).json({ error: err.message }) : next(err)),
      );
    });
    router.get('/miniprogram', (_req, res) => res.type('html').set('Cache-Control', 'no-store').send(SIMULATOR_PAGE));
    router.get('/miniprogram.js', (_req, res) => res.type('js').send(SIMULATOR_SCRIPT));
    deps.log('Simulated Mini Program: /miniprogram');
  }
  return router;
}

const SIMULATOR_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>模拟小程序 · Simulated Mini Program</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}button{margin:.25rem 0;padding:.5rem 1rem}pre{background:#f4f4f4;padding:.75rem;white-space:pre-wrap;word-break:break-all}</style>
</head><body>
<h1>模拟小程序 <small>Simulated Mini Program</small></h1>
<p>This page plays the Mini Program: it mints a code in the WeChat emulator (what <code>wx.login</code> does on a phone) and posts it to <code>POST /auth/wechat/miniprogram</code>.</p>
<label>User <select id="user"><option value="alice">alice</option><option value="bob">bob</option></select></label>
<div><button id="login">wx.login → 登录 (log in)</button></div>
<div><button id="phone">getPhoneNumber → 手机号 (phone number)</button></div>
<div><button id="app">App SendAuth → POST /auth/wechat/app</button></div>
<pre id="log" aria-live="polite">…</pre>
<script src="/miniprogram.js"></script>
</body></html>`;

const SIMULATOR_SCRIPT = `(function () {
  var log = document.getElementById('log');
  function show(title, value) { log.textContent = title + '\\n' + JSON.stringify(value, null, 2); }
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function user() { return document.getElementById('user').value; }
  function flow(simulate, endpoint, label) {
    return function () {
      post('/miniprogram/simulate/' + simulate, { user: user() })
        .then(function (minted) { return post(endpoint, { code: minted.body.code }); })
        .then(function (r) {
          // A duplicate whose first request's instance stopped: the code is spent; a new wx.login is all it takes.
          var retry = r.body && r.body.error === 'login_interrupted' ? '\\n登录被中断，请重新登录 Interrupted: log in again' : '';
          show(label + ' → HTTP ' + r.status + retry, r.body);
        })
        .catch(function (e) { show('error', String(e)); });
    };
  }
  document.getElementById('login').addEventListener('click', flow('login', '/auth/wechat/miniprogram', 'POST /auth/wechat/miniprogram'));
  document.getElementById('phone').addEventListener('click', flow('phone', '/api/miniprogram/phone', 'POST /api/miniprogram/phone'));
  document.getElementById('app').addEventListener('click', flow('app', '/auth/wechat/app', 'POST /auth/wechat/app'));
})();
`;
