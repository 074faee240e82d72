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
import { EmulatorContext } from './context.js';
import { applyFault, Faults, isFaultKind } from './faults.js';
import { methodNotAllowed, notFound, send } from './http.js';
import { avatarSvg } from './pages.js';
import type { FaultKind, MockClient, MockWeChat, MockWeChatOptions } from './types.js';

const AUTHORIZE_PATH = '/connect/oauth2/authorize';
const QRCONNECT_PATH = '/connect/qrconnect';
const CONFIRM_PATH = '/connect/confirm';
/** The api2.weixin.qq.com role (§5) lives under this prefix of the same server. */
const API2_PREFIX = '/api2';
const AVATAR_RE = /^\/avatar\/([A-Za-z0-9_-]+)\.svg$/;
const JSON_UTF8 = 'application/json; charset=utf-8';

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

/** Test-only control endpoints, so that another process (the benchmark) can read counters and arm faults. */
function handleControl(ctx: EmulatorContext, path: string, req: IncomingMessage, q: URLSearchParams, res: ServerResponse): void {
  const ok = (): void => send(res, 200, JSON_UTF8, '{"ok":true}');
  if (path === '/__mock/stats') {
    if (!isGet(req)) return methodNotAllowed(res, 'GET');
    const s = ctx.stats;
    const body: Record<string, unknown> = { requests: Object.fromEntries(s.requests), connections: s.connections };
    if (ctx.tls) body.tlsSessions = { full: s.tlsFull, resumed: s.tlsResumed };
    return send(res, 200, JSON_UTF8, JSON.stringify(body));
  }
  if (req.method !== 'POST') return path === '/__mock/reset-stats' || path === '/__mock/reset' || path === '/__mock/fault' ? methodNotAllowed(res, 'POST') : notFound(res);
  if (path === '/__mock/reset-stats') return (ctx.resetStats(), ok());
  if (path === '/__mock/reset') return (ctx.reset(), ok());
  if (path === '/__mock/fault') {
    const rawKind = q.get('kind') ?? '';
    // Named kinds win, so `kind=502` is the HTTP 502 fault rather than errcode 502.
    const kind: unknown = isFaultKind(rawKind) || !/^-?\d+$/.test(rawKind) ? rawKind : Number(rawKind);
    const faultPath = q.get('path');
    if (!faultPath || !isFaultKind(kind)) return send(res, 400, JSON_UTF8, '{"ok":false,"error":"need path and a valid kind"}');
    ctx.faults.set(faultPath, kind, Number(q.get('count') ?? '1'));
    return ok();
  }
  notFound(res);
}

async function route(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = effectivePath(req, url.pathname);
  const q = url.searchParams;
  if (path.startsWith('/__mock/')) return handleControl(ctx, path, req, q, res);

  const api = API_ROUTES.get(path.startsWith(API2_PREFIX + '/') ? path.slice(API2_PREFIX.length) : path);
  const isConnect = path === AUTHORIZE_PATH || path === QRCONNECT_PATH || path === CONFIRM_PATH;
  // Only known routes are counted so that the stats map stays bounded.
  if (api || isConnect) ctx.stats.requests.set(path, (ctx.stats.requests.get(path) ?? 0) + 1);

  const fault = ctx.faults.take(path);
  if (fault === 'slow') await delay(ctx.settings.slowMs, undefined, { signal });
  else if (fault !== undefined) return applyFault(fault, req, res, api?.contentType ?? 'text/plain');

  if (api) {
    if (!isGet(req)) return methodNotAllowed(res, 'GET');
    return send(res, 200, api.contentType, api.handle(ctx, q));
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
    },
    new Faults(),
    options.tls !== undefined,
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
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createHttpServer(onRequest);
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
    }),
    users: Object.freeze(users.map((u) => Object.freeze({ ...u }))),
    openidOf(client: MockClient, userKey: string): string {
      const app = apps[client];
      if (!app) throw new TypeError(`openidOf: unknown client ${JSON.stringify(client)} (expected 'mp' or 'web')`);
      if (!ctx.usersByKey.has(userKey)) throw new TypeError(`openidOf: unknown user ${JSON.stringify(userKey)}`);
      return openidFor(app.appID, userKey);
    },
    setAutoConsent(v): void {
      if (v !== null) {
        if (!ctx.usersByKey.has(v.user)) throw new TypeError(`setAutoConsent: unknown user ${JSON.stringify(v.user)}`);
        if (v.decision !== 'allow' && v.decision !== 'deny') throw new TypeError('setAutoConsent: decision must be allow or deny');
      }
      ctx.autoConsent = v === null ? null : { user: v.user, decision: v.decision };
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
