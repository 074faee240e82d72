/**
 * The example app: Express 5 + express-session + Passport + the WeChat strategy.
 *
 * `createApp(config)` builds everything (and, in `mock` mode, starts the
 * bundled WeChat emulator on its own port); `close()` stops what it started.
 */
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import session from 'express-session';
import helmet from 'helmet';
import passport from 'passport';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import {
  SessionStateStore,
  SignedStateStore,
  Strategy as WeChatStrategy,
  type CallbackDeduplicator,
  type SeenStore,
  WeChatAPIError,
  WeChatConfigError,
  WeChatTransportError,
  type StateStore,
  type WeChatAuthenticateOptions,
  type WeChatFailureInfo,
  type WeChatProfile,
} from 'passport-wechat-oauth2';
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { RedisDeduplicator, RedisSeenStore } from 'passport-wechat-oauth2/redis';
import type { AppConfig, AppCredentials, WeComConfig } from './config';
import { createMetrics } from './metrics';
import { safeReturnTo } from './return-to';
import { miniProgramRoutes, servesSimulator, surfaceCredentials, type MiniProgramDeps } from './miniprogram';
import { createWeComStrategy, weComSettings } from './wecom';
import {
  errorPage,
  failurePage,
  homePage,
  profilePage,
  toFailureReason,
  type AppUser,
  type FailureReason,
  type SiteInfo,
  type WeComUser,
} from './views';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface CreateAppOptions {
  /** Where request and error lines go (default: the console). */
  logger?: Logger;
}

export interface ExampleApp {
  app: express.Express;
  /** The in-process emulator (`mock` mode only). */
  mock?: MockWeChat;
  /** The WeChat settings actually used (credentials and endpoints, emulator's included). */
  wechat: {
    mp?: AppCredentials;
    web?: AppCredentials;
    callbackURL: string;
    authorizationURL?: string;
    qrconnectURL?: string;
    apiBaseURL?: readonly string[];
  };
  /** The WeCom settings actually used (`app` unset: WeCom login is disabled). */
  wecom: WeComConfig;
  site: SiteInfo;
  /** Stops the emulator and the Redis connection this app started. Idempotent. */
  close(): Promise<void>;
}

const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/** Real WeChat serves avatars from here (`headimgurl`). */
const WECHAT_AVATAR_ORIGINS = ['https://thirdwx.qlogo.cn', 'https://wx.qlogo.cn'];

const FAILURE_STATUS: Readonly<Record<FailureReason, number>> = {
  access_denied: 403,
  invalid_code: 401,
  snapshot_user: 403,
  invalid_state: 403,
  invalid_request: 400,
  // A duplicate callback whose first request's instance stopped: nothing the user did wrong; try again.
  login_interrupted: 503,
  not_member: 403,
  not_in_app_scope: 403,
  unknown: 401,
};

/** Login paths that make no sense as a place to return to after login. */
const NO_RETURN_PREFIXES = ['/login', '/logout', '/auth/', '/failure'];

/** What this app keeps in the session besides Passport's data. */
interface AppSession {
  returnTo?: string;
}

function appSession(req: Request): AppSession {
  return req.session as unknown as AppSession;
}

/** Keeps a same-origin `returnTo` for after the login (not a login path itself). */
function rememberReturnTo(req: Request): void {
  const returnTo = safeReturnTo(req.query.returnTo);
  const s = appSession(req);
  if (
    returnTo &&
    !NO_RETURN_PREFIXES.some(
      (p) => returnTo === p || returnTo.startsWith(p.endsWith('/') ? p : `${p}/`) || returnTo.startsWith(`${p}?`),
    )
  ) {
    s.returnTo = returnTo;
  } else delete s.returnTo;
}

function currentUser(req: Request): AppUser | WeComUser | undefined {
  const user = req.user as AppUser | WeComUser | undefined;
  if (user && 'provider' in user) return user.provider === 'wecom' && typeof user.id === 'string' ? user : undefined;
  return user && typeof user.openid === 'string' ? user : undefined;
}

function userFromProfile(profile: WeChatProfile): AppUser {
  return {
    id: profile.id,
    openid: profile.openid,
    ...(profile.unionid ? { unionid: profile.unionid } : {}),
    appID: profile.appID,
    client: profile.client,
    scope: profile.scope,
    displayName: profile.displayName,
    ...(profile.photos?.[0]?.value ? { avatar: profile.photos[0].value } : {}),
    isSnapshotUser: profile.isSnapshotUser,
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Builds a redactor for log lines: known secrets, and any code/token/secret query parameter. */
function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const literals = secrets.filter((s) => s.length >= 4);
  return (text) => {
    let out = text;
    for (const s of literals) out = out.split(s).join('[redacted]');
    return out.replace(
      /\b(code|state|access_token|refresh_token|secret|appsecret|corpsecret|user_ticket|password)=([^&\s"']+)/gi,
      '$1=[redacted]',
    );
  };
}

/** HTTP status and a message that is safe to show for an error (never a stack, never a secret). */
export function describeError(err: unknown): { status: number; message: string } {
  if (err instanceof WeChatAPIError || err instanceof WeChatTransportError)
    return { status: 502, message: err.message };
  if (err instanceof WeChatConfigError) return { status: 500, message: err.message };
  const e = err as { name?: unknown; message?: unknown; status?: unknown; statusCode?: unknown } | null | undefined;
  // passport-oauth2 wraps transport failures; its messages are fixed strings ("Failed to obtain access token").
  if (e && e.name === 'InternalOAuthError' && typeof e.message === 'string') return { status: 502, message: e.message };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return { status, message: 'The request could not be processed.' };
  return { status: 500, message: 'Internal Server Error' };
}

function errorSummary(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * The last middleware: logs the error (redacted, no stack) and renders the
 * generic error page with a safe message. It never throws.
 */
export function makeErrorHandler(deps: {
  logger: Logger;
  redact?: (text: string) => string;
  site?: SiteInfo;
}): ErrorRequestHandler {
  const redact = deps.redact ?? ((text: string) => text);
  return (err, req, res, _next) => {
    try {
      const { status, message } = describeError(err);
      deps.logger.error(`${req.method} ${redact(req.path)} -> ${status}: ${redact(errorSummary(err))}`);
      if (res.headersSent) {
        res.end();
        return;
      }
      res
        .status(status)
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(errorPage(status, message, deps.site));
    } catch {
      // Rendering the error must never take the process down.
      try {
        if (res.headersSent) res.end();
        else res.status(500).type('text').send('Internal Server Error');
      } catch {
        res.destroy();
      }
    }
  };
}

/**
 * The state store. With Redis, states are claimed in Redis (`seen`), so of
 * two instances that load the same session only one redeems the code.
 */
function stateStoreFor(config: AppConfig, seen: SeenStore | undefined): StateStore | undefined {
  // No server-side state: an HMAC-signed state plus a browser-binding cookie (the package's SignedStateStore).
  if (config.stateStore.kind === 'signed')
    return new SignedStateStore({ secret: config.stateStore.secret, ...(seen ? { seen } : {}) });
  return seen ? new SessionStateStore({ seen }) : undefined;
}

export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<ExampleApp> {
  const logger = options.logger ?? consoleLogger;
  const cleanups: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          logger.error(`close: ${errorSummary(err)}`);
        }
      }
    })();
    return closing;
  };

  try {
    // ---- WeChat endpoints: bundled emulator, standalone emulator, or real WeChat.
    let mock: MockWeChat | undefined;
    const wechat: ExampleApp['wechat'] = {
      mp: config.wechat.mp,
      web: config.wechat.web,
      callbackURL: config.wechat.callbackURL,
      authorizationURL: config.wechat.authorizationURL,
      qrconnectURL: config.wechat.qrconnectURL,
      apiBaseURL: config.wechat.apiBaseURL,
    };
    if (config.mode === 'mock') {
      mock = await createMockWeChat({ port: config.wechat.mockPort });
      const started = mock;
      cleanups.push(() => started.close());
      Object.assign(wechat, {
        mp: { ...mock.apps.mp },
        web: { ...mock.apps.web },
        authorizationURL: mock.authorizationURL,
        qrconnectURL: mock.qrconnectURL,
        apiBaseURL: [...mock.apiBaseURL],
      });
    }
    const mockURL = mock?.url ?? config.wechat.mockURL;
    const wecom = weComSettings(config.wecom, mock);
    const site: SiteInfo = {
      mode: config.mode,
      mockURL,
      clients: { mp: Boolean(wechat.mp), web: Boolean(wechat.web), wecom: Boolean(wecom.app) },
      testUsers: mock?.users.map((u) => ({ key: u.key, nickname: u.nickname, snapshot: u.snapshot })),
      weComTestUsers: mock?.wecomUsers.map((u) => ({
        key: u.key,
        kind: u.kind,
        ...(u.name ? { name: u.name } : {}),
        visible: u.visible,
      })),
    };
    const redact = makeRedactor(
      [
        wechat.mp?.appSecret,
        wechat.web?.appSecret,
        wecom.app?.agentSecret,
        config.session.secret,
        config.stateStore.kind === 'signed' ? config.stateStore.secret : undefined,
      ].filter((s): s is string => typeof s === 'string'),
    );

    // ---- Session store: Redis when REDIS_URL is set, else memory (dev).
    let store: session.Store | undefined;
    // With Redis, WeChat's duplicate callbacks are coordinated across instances too.
    let coordination: { seen: SeenStore; deduplicator: CallbackDeduplicator } | undefined;
    // Mini Program session keys and access token go to the same Redis (example-app/miniprogram.ts).
    let miniProgramRedis: MiniProgramDeps['redis'];
    if (config.session.redisURL) {
      const client = createClient({ url: config.session.redisURL });
      client.on('error', (err: unknown) => logger.error(`Redis: ${redact(errorSummary(err))}`));
      await client.connect();
      cleanups.push(async () => {
        if (client.isOpen) await client.close();
      });
      store = new RedisStore({ client, prefix: 'wechat-example:sess:' });
      coordination = {
        seen: new RedisSeenStore(client, { prefix: 'wechat-example:' }),
        // Seals the token response and profile a duplicate on another instance logs in with; key derived for this purpose.
        deduplicator: new RedisDeduplicator(client, { prefix: 'wechat-example:', secret: config.session.secret }),
      };
      miniProgramRedis = { client, secret: config.session.secret, deduplicator: coordination.deduplicator };
    }

    // ---- Passport and the strategy (a private Passport instance: several apps may live in one process).
    const authenticator = new passport.Passport();
    const stateStore = stateStoreFor(config, coordination?.seen);
    // WeChat's strategy when WeChat is configured (real WeCom alone leaves it out).
    const strategy =
      (site.clients.mp || site.clients.web) &&
      new WeChatStrategy(
        {
          client: 'auto',
          scope: 'snsapi_userinfo',
          ...(wechat.mp ? { appID: wechat.mp.appID, appSecret: wechat.mp.appSecret } : {}),
          ...(wechat.web ? { web: { appID: wechat.web.appID, appSecret: wechat.web.appSecret } } : {}),
          callbackURL: wechat.callbackURL,
          ...(wechat.authorizationURL ? { authorizationURL: wechat.authorizationURL } : {}),
          ...(wechat.qrconnectURL ? { qrconnectURL: wechat.qrconnectURL } : {}),
          ...(wechat.apiBaseURL ? { apiBaseURL: wechat.apiBaseURL } : {}),
          ...(stateStore ? { store: stateStore } : {}),
          ...(coordination ? { deduplicator: coordination.deduplicator } : {}),
          proxy: config.trustProxy,
        },
        (
          _accessToken: string,
          _refreshToken: string,
          profile: WeChatProfile,
          done: (err: unknown, user?: Express.User) => void,
        ) => {
          // A real app would find or create its own account here (keyed by unionid, or appID + openid).
          done(null, userFromProfile(profile) as unknown as Express.User);
        },
      );
    if (strategy) authenticator.use('wechat', strategy);
    if (wecom.app) {
      authenticator.use(
        'wecom',
        createWeComStrategy({
          settings: { ...wecom, app: wecom.app },
          store: stateStore,
          trustProxy: config.trustProxy,
          ...(miniProgramRedis && coordination
            ? { redis: { client: miniProgramRedis.client, deduplicator: coordination.deduplicator } }
            : {}),
        }),
      );
    }
    authenticator.serializeUser((user, done) => done(null, user));
    authenticator.deserializeUser((user: unknown, done) => done(null, user as Express.User));

    // ---- Express.
    const app = express();
    app.disable('x-powered-by');
    if (config.trustProxy) app.set('trust proxy', 1);

    // Request log: method, path (never the query: the callback's carries the code), status, time.
    app.use((req, res, next) => {
      const started = Date.now();
      res.on('finish', () =>
        logger.info(`${req.method} ${redact(req.path)} ${res.statusCode} ${Date.now() - started}ms`),
      );
      next();
    });

    const imgOrigins = [
      ...new Set(
        [...(mockURL ? [originOf(mockURL)] : []), ...WECHAT_AVATAR_ORIGINS].filter((o): o is string => Boolean(o)),
      ),
    ];
    app.use(
      helmet({
        contentSecurityPolicy: {
          directives: {
            'img-src': ["'self'", 'data:', ...imgOrigins],
            'form-action': ["'self'"],
            // Only behind HTTPS: on plain http://localhost it would upgrade the emulator's avatar URLs to https.
            'upgrade-insecure-requests': config.trustProxy ? [] : null,
          },
        },
      }),
    );

    app.use(
      session({
        name: config.session.cookieName,
        secret: config.session.secret,
        store,
        resave: false,
        saveUninitialized: false,
        cookie: {
          httpOnly: true,
          sameSite: 'lax',
          secure: config.trustProxy ? 'auto' : false,
          maxAge: 8 * 60 * 60 * 1000,
        },
      }),
    );
    app.use(authenticator.initialize());
    app.use(authenticator.session());

    const html = (res: Response, status: number, body: string): void => {
      res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
    };

    app.get('/', (req, res) => html(res, 200, homePage(site, currentUser(req))));

    app.get('/login', ((req, res, next) => {
      const requested = typeof req.query.client === 'string' ? req.query.client : 'auto';
      if (requested !== 'mp' && requested !== 'web' && requested !== 'auto') {
        return html(res, 400, errorPage(400, 'client must be mp, web or auto.', site));
      }
      if (!strategy) return html(res, 400, errorPage(400, 'WeChat login is not configured (set WECHAT_APP_ID).', site));
      let client: 'mp' | 'web' | 'auto' = requested;
      if (client === 'auto' && site.clients.mp !== site.clients.web) client = site.clients.mp ? 'mp' : 'web';
      if (client !== 'auto' && !site.clients[client]) {
        return html(
          res,
          400,
          errorPage(
            400,
            client === 'mp'
              ? 'In-WeChat login is not configured (set WECHAT_APP_ID).'
              : 'QR login is not configured (set WECHAT_WEB_APP_ID).',
            site,
          ),
        );
      }
      rememberReturnTo(req);
      const authOptions: WeChatAuthenticateOptions = { client };
      authenticator.authenticate('wechat', authOptions as passport.AuthenticateOptions)(req, res, next);
    }) as RequestHandler);

    // 企业微信登录: `client: 'auto'` picks the in-client login inside WeCom (wxwork UA), the QR page elsewhere.
    app.get('/auth/wecom', ((req, res, next) => {
      if (!site.clients.wecom) {
        return html(
          res,
          400,
          errorPage(
            400,
            'WeCom login is not configured (set WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_AGENT_SECRET).',
            site,
          ),
        );
      }
      rememberReturnTo(req);
      authenticator.authenticate('wecom')(req, res, next);
    }) as RequestHandler);

    /** The callback of either login: logs in and goes to returnTo (or /profile), or to the failure page. */
    const finishLogin = (name: 'wechat' | 'wecom'): RequestHandler =>
      ((req: Request, res: Response, next: NextFunction) => {
        authenticator.authenticate(
          name,
          (err: unknown, user: AppUser | WeComUser | false | undefined, info: unknown) => {
            if (err) return next(err);
            if (!user) {
              const failure = (info ?? {}) as Partial<WeChatFailureInfo>;
              const reason = toFailureReason(failure.message);
              const query = new URLSearchParams({ reason });
              if (typeof failure.errcode === 'number') query.set('errcode', String(failure.errcode));
              logger.warn(`login failed: ${reason}${failure.errcode ? ` (errcode ${failure.errcode})` : ''}`);
              return res.redirect(`/failure?${query}`);
            }
            // Read returnTo before logIn: Passport 0.7 regenerates the session (against fixation), which drops it.
            const s = appSession(req);
            const returnTo = safeReturnTo(s.returnTo) ?? '/profile';
            delete s.returnTo;
            req.logIn(user as unknown as Express.User, (loginErr) => {
              if (loginErr) return next(loginErr);
              logger.info(`login ok: ${'provider' in user ? `wecom ${user.client}` : user.client} user`);
              res.redirect(returnTo);
            });
          },
        )(req, res, next);
      }) as RequestHandler;
    if (strategy) app.get(new URL(wechat.callbackURL, 'http://callback.invalid').pathname, finishLogin('wechat'));
    if (site.clients.wecom)
      app.get(new URL(wecom.callbackURL, 'http://callback.invalid').pathname, finishLogin('wecom'));

    app.get('/profile', (req, res) => {
      const user = currentUser(req);
      if (!user) return res.redirect('/');
      html(res, 200, profilePage(site, user));
    });

    app.post('/logout', ((req, res, next) => {
      req.logout((err) => {
        if (err) return next(err);
        const finish = (): void => {
          res.clearCookie(config.session.cookieName, { httpOnly: true, sameSite: 'lax', path: '/' });
          res.redirect(303, '/');
        };
        if (!req.session) return finish();
        req.session.destroy((destroyErr) => (destroyErr ? next(destroyErr) : finish()));
      });
    }) as RequestHandler);

    app.get('/failure', (req, res) => {
      const raw = typeof req.query.reason === 'string' ? req.query.reason : '';
      const reason = toFailureReason(raw);
      const rawCode =
        typeof req.query.errcode === 'string' && /^-?\d{1,6}$/.test(req.query.errcode)
          ? Number(req.query.errcode)
          : undefined;
      html(res, FAILURE_STATUS[reason], failurePage(site, reason, reason === 'invalid_code' ? rawCode : undefined));
    });

    // Mini Program and native-app logins (JSON endpoints) and the simulated Mini Program page.
    const surfaces = await surfaceCredentials(mock, mockURL, process.env);
    // The home page links them all, the simulated Mini Program page included.
    site.codeSurfaces = {
      miniprogram: Boolean(surfaces.miniprogram),
      app: Boolean(surfaces.app),
      simulator: servesSimulator({ mock, mockURL, ...surfaces }),
    };
    app.use(
      miniProgramRoutes({
        authenticator,
        ...surfaces,
        apiBaseURL: wechat.apiBaseURL,
        mock,
        mockURL,
        redis: miniProgramRedis,
        log: (line) => logger.info(line),
      }),
    );

    // Prometheus metrics fed by the package's diagnostics channels (metrics.ts). Behind a real
    // deployment, keep /metrics for the scraper (a private port or network), not the public.
    const metrics = createMetrics();
    cleanups.push(async () => metrics.close());
    app.get('/metrics', (_req, res, next) => {
      metrics.registry.metrics().then((text) => {
        res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(text);
      }, next);
    });

    app.use((_req, res) => html(res, 404, errorPage(404, 'Page not found. 页面不存在。', site)));

    app.use(makeErrorHandler({ logger, redact, site }));

    return { app, mock, wechat, wecom, site, close };
  } catch (err) {
    await close();
    throw err;
  }
}
