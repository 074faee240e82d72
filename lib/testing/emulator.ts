/**
 * `createMockWeChat()`: the HTTP(S) server, request routing, stats and lifecycle.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { API_ROUTES } from './api.js';
import { openidFor, resolveApps, resolveUsers } from './apps.js';
import { handleAuthorize, handleConfirm } from './authorize.js';
import { EmulatorContext, STORE_CAP } from './context.js';
import { handleControl } from './control.js';
import { applyFault, Faults } from './faults.js';
import { methodNotAllowed, notFound, readText, send } from './http.js';
import { encryptOpenData, mintAppCode, mintJsCode, mintPhoneCode, requireUser } from './miniprogram.js';
import { SERVER_API_ROUTES } from './wxa.js';
import { avatarSvg } from './pages.js';
import { statsOf } from './stats.js';
import type { FaultKind, MockClient, MockWeChat, MockWeChatOptions } from './types.js';
import { handleWeComAuthorize, handleWeComPage, WECOM_PAGE_PATHS } from './wecom/authorize.js';
import { callerIP, sendWeCom, wecomError } from './wecom/envelope.js';
import {
  configureWeCom,
  invalidateWeComTokens,
  setWeComAutoConsent,
  wecomApp,
  wecomCodeFor,
  wecomURLs,
} from './wecom/facade.js';
import { GETTOKEN_PATH, WECOM_API_ROUTES } from './wecom/routes.js';
import { WeComState } from './wecom/state.js';

const AUTHORIZE_PATH = '/connect/oauth2/authorize';
const QRCONNECT_PATH = '/connect/qrconnect';
const CONFIRM_PATH = '/connect/confirm';
/** The api2.weixin.qq.com role (§5) lives under this prefix of the same server. */
const API2_PREFIX = '/api2';
const AVATAR_RE = /^\/avatar\/([A-Za-z0-9_-]+)\.svg$/;
/** WeCom identities' default avatars (`${url}/avatar/wecom-<key>.svg`). */
const WECOM_AVATAR_PREFIX = 'wecom-';

/**
 * The pathname used for stats and faults. Requests whose Host starts with `api2.` (the benchmark
 * serves real host names) are treated as if they had come through `/api2`.
 */
function effectivePath(req: IncomingMessage, pathname: string): string {
  const host = req.headers.host ?? '';
  if (host.startsWith('api2.') && !pathname.startsWith(API2_PREFIX + '/')) return API2_PREFIX + pathname;
  return pathname;
}

function isGet(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

async function route(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = effectivePath(req, url.pathname);
  const q = url.searchParams;
  if (path.startsWith('/__mock/')) return handleControl(ctx, path, req, q, res);

  const apiPath = path.startsWith(API2_PREFIX + '/') ? path.slice(API2_PREFIX.length) : path;
  const api = API_ROUTES.get(apiPath);
  const serverApi = SERVER_API_ROUTES.get(apiPath);
  // qyapi has no api2 twin, so WeCom routes match the raw path (wecom-protocol.md §7 "Hosts").
  const wecomApi = WECOM_API_ROUTES.get(path);
  const isConnect = path === AUTHORIZE_PATH || path === QRCONNECT_PATH || path === CONFIRM_PATH;
  const isWeComPage = WECOM_PAGE_PATHS.has(path);
  // Only known routes are counted so that the stats map stays bounded.
  if (api || serverApi || wecomApi || isConnect || isWeComPage)
    ctx.stats.requests.set(path, (ctx.stats.requests.get(path) ?? 0) + 1);
  if (path === GETTOKEN_PATH) ctx.wecom.countGettoken(q.get('corpsecret'));

  const fault = ctx.faults.take(path);
  if (fault === 'slow') await delay(ctx.settings.slowMs, undefined, { signal });
  // An errcode fault on a WeCom API wears WeCom's envelope (hint, `from ip:`, Error-Code headers).
  else if (typeof fault === 'number' && wecomApi) return sendWeCom(res, wecomError(fault, callerIP(req)));
  else if (fault !== undefined)
    return applyFault(fault, req, res, api?.contentType ?? serverApi?.contentType ?? 'text/plain');

  if (wecomApi) {
    const body = wecomApi.readsBody && req.method === 'POST' ? await readText(req) : '';
    const r = { method: req.method ?? 'GET', query: q, body, ip: callerIP(req), baseURL: ctx.url };
    return sendWeCom(res, wecomApi.handle(ctx.wecom, r));
  }
  if (isWeComPage) return handleWeComPage(ctx.wecom, ctx.url, path, req, q, res);
  // WeCom's in-client page shares WeChat's path; the corpID in `appid` tells them apart (wecom-protocol.md §0).
  if (path === AUTHORIZE_PATH && q.get('appid') === ctx.wecom.corpID) {
    if (!isGet(req)) return methodNotAllowed(res, 'GET');
    return handleWeComAuthorize(ctx.wecom, ctx.url, q, res);
  }

  if (api) {
    if (!isGet(req)) return methodNotAllowed(res, 'GET');
    return send(res, 200, api.contentType, api.handle(ctx, q));
  }
  if (serverApi) {
    // Method errors are WeChat's own (43002 on HTTP 200), so every method reaches the handler.
    const body = serverApi.readsBody && req.method === 'POST' ? await readText(req) : '';
    return send(
      res,
      200,
      serverApi.contentType,
      serverApi.handle(ctx, { method: req.method ?? 'GET', query: q, body }),
    );
  }
  if (path === AUTHORIZE_PATH || path === QRCONNECT_PATH) {
    if (!isGet(req)) return methodNotAllowed(res, 'GET');
    return handleAuthorize(ctx, path === AUTHORIZE_PATH ? 'oauth2' : 'qrconnect', q, res);
  }
  if (path === CONFIRM_PATH) {
    if (!isGet(req) && req.method !== 'POST') return methodNotAllowed(res, 'GET, POST');
    return handleConfirm(ctx, req, q, res);
  }
  const avatar = AVATAR_RE.exec(path);
  if (avatar && isGet(req)) {
    const key = avatar[1];
    const wecomUser = key.startsWith(WECOM_AVATAR_PREFIX)
      ? ctx.wecom.usersByKey.get(key.slice(WECOM_AVATAR_PREFIX.length))
      : undefined;
    if (wecomUser) {
      res.setHeader('Cache-Control', 'public, max-age=86400');
      return send(res, 200, 'image/svg+xml', avatarSvg(key, wecomUser.name ?? wecomUser.key));
    }
    const user = ctx.usersByKey.get(key);
    if (user || key === '_virtual') {
      res.setHeader('Cache-Control', 'public, max-age=86400');
      // Snapshot users' profile data is virtual (§3.4): a grey default avatar.
      return send(res, 200, 'image/svg+xml', avatarSvg(key, user?.nickname ?? '微', !user || user.snapshot));
    }
  }
  notFound(res);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function createMockWeChat(options: MockWeChatOptions = {}): Promise<MockWeChat> {
  const apps = resolveApps(options);
  const users = resolveUsers(options);
  const ctx = new EmulatorContext(
    apps,
    users,
    {
      denyBehavior: options.denyBehavior ?? 'redirect',
      strictParamOrder: options.strictParamOrder ?? true,
      slowMs: options.slowMs ?? 8000,
      accessTtlMs: (options.tokenTtlSeconds?.access ?? 7200) * 1000,
      refreshTtlMs: (options.tokenTtlSeconds?.refresh ?? 30 * 24 * 3600) * 1000,
      snapshotUserinfo: options.snapshotUserinfo ?? 'virtual',
      serverTokenTtlMs: (options.serverTokenTtlSeconds ?? 7200) * 1000,
      miniProgramQuotaPerMinute: options.miniProgramQuotaPerMinute ?? 100,
    },
    new Faults(),
    options.tls !== undefined,
    new WeComState(options, STORE_CAP),
  );
  if (ctx.wecom.corpID && ctx.appsByID.has(ctx.wecom.corpID))
    throw new Error(
      'createMockWeChat: wecom.corpID must differ from every WeChat appID (both use /connect/oauth2/authorize)',
    );
  const closing = new AbortController();
  const sockets = new Set<Socket>();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    route(ctx, req, res, closing.signal).catch(() => {
      // Aborted `slow` waits land here on close(); anything else is an emulator bug surfaced as 500.
      if (closing.signal.aborted || res.headersSent) res.destroy();
      else send(res, 500, 'text/plain; charset=utf-8', '500 emulator error');
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  server.on('connection', (socket: Socket) => {
    ctx.stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  if (options.tls) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.isSessionReused()) ctx.stats.tlsResumed++;
      else ctx.stats.tlsFull++;
    });
  }

  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${urlHost(host)}:${port}`;
  ctx.url = url;

  let closed: Promise<void> | undefined;
  const mock: MockWeChat = {
    url,
    authorizationURL: url + AUTHORIZE_PATH,
    qrconnectURL: url + QRCONNECT_PATH,
    apiBaseURL: Object.freeze([url, url + API2_PREFIX] as const),
    apps: Object.freeze({
      mp: Object.freeze({ appID: apps.mp.appID, appSecret: apps.mp.appSecret }),
      web: Object.freeze({ appID: apps.web.appID, appSecret: apps.web.appSecret }),
      miniprogram: Object.freeze({ appID: apps.miniprogram.appID, appSecret: apps.miniprogram.appSecret }),
      app: Object.freeze({ appID: apps.app.appID, appSecret: apps.app.appSecret }),
      wecom: wecomApp(ctx.wecom, 'wecom'),
      wecomOther: wecomApp(ctx.wecom, 'wecomOther'),
    }),
    wecom: wecomURLs(url),
    wecomUsers: Object.freeze(ctx.wecom.users.map((u) => Object.freeze({ ...u }))),
    setWeComAutoConsent: (v) => setWeComAutoConsent(ctx.wecom, v),
    configureWeCom: (agent, patch) => configureWeCom(ctx.wecom, agent, patch),
    expireWeComTokens: (agent) => invalidateWeComTokens(ctx.wecom, 'expire', agent),
    revokeWeComTokens: (agent) => invalidateWeComTokens(ctx.wecom, 'revoke', agent),
    wecomCode: (userKey, opts) => wecomCodeFor(ctx.wecom, userKey, opts),
    stats: () => statsOf(ctx),
    users: Object.freeze(users.map((u) => Object.freeze({ ...u }))),
    openidOf(client: MockClient, userKey: string): string {
      const app = apps[client];
      if (!app)
        throw new TypeError(
          `openidOf: unknown client ${JSON.stringify(client)} (expected 'mp', 'web', 'miniprogram' or 'app')`,
        );
      if (!ctx.usersByKey.has(userKey)) throw new TypeError(`openidOf: unknown user ${JSON.stringify(userKey)}`);
      return openidFor(app.appID, userKey);
    },
    setAutoConsent(v): void {
      if (v !== null) {
        if (!ctx.usersByKey.has(v.user)) throw new TypeError(`setAutoConsent: unknown user ${JSON.stringify(v.user)}`);
        if (v.decision !== 'allow' && v.decision !== 'deny')
          throw new TypeError('setAutoConsent: decision must be allow or deny');
      }
      ctx.autoConsent = v === null ? null : { user: v.user, decision: v.decision };
    },
    miniProgramLogin: (userKey) => mintJsCode(ctx, userKey),
    appLogin: (userKey) => mintAppCode(ctx, userKey),
    phoneCode: (userKey) => mintPhoneCode(ctx, userKey),
    encryptedDataFor: (userKey, data) => encryptOpenData(ctx, userKey, data),
    setUserBlocked(userKey: string, blocked: boolean): void {
      const user = requireUser(ctx, userKey, 'setUserBlocked');
      if (blocked) ctx.miniProgram.blocked.add(user.key);
      else ctx.miniProgram.blocked.delete(user.key);
    },
    setFault(path: string, kind: FaultKind, count: number): void {
      ctx.faults.set(path, kind, count);
    },
    reset(): void {
      ctx.reset();
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // Idle keep-alive sockets and hung `timeout` requests would otherwise keep the server (and jest) alive.
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
  return mock;
}
