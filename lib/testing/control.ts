/**
 * The emulator's HTTP control API under `/__mock/`, so that a test suite, a script or a device build
 * in another process can drive it (README "Control API"). Parameters come from the query string or
 * a JSON body (the body wins); answers are JSON. Every route but `stats` and `apps` is a POST.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openidFor } from './apps.js';
import type { EmulatorContext } from './context.js';
import { isFaultKind } from './faults.js';
import { methodNotAllowed, notFound, readText, send } from './http.js';
import { encryptOpenData, mintAppCode, mintJsCode, mintPhoneCode, requireUser } from './miniprogram.js';
import { statsOf } from './stats.js';
import { WECOM_CONTROL_ROUTES, wecomDescription } from './wecom/control.js';
import { wecomApp } from './wecom/facade.js';

const JSON_UTF8 = 'application/json; charset=utf-8';

type Params = Record<string, unknown>;
/** A control action: its JSON answer, or a thrown TypeError (answered 400). */
type Action = (ctx: EmulatorContext, p: Params) => object;

class BadRequest extends TypeError {}

function text(p: Params, name: string): string {
  const v = p[name];
  if (typeof v !== 'string' || v === '') throw new BadRequest(`need ${name}`);
  return v;
}

const ok = { ok: true } as const;

const GET_ROUTES: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['/__mock/stats', (ctx) => statsOf(ctx)],
  [
    '/__mock/apps',
    (ctx) => ({
      apps: {
        ...Object.fromEntries(
          Object.entries(ctx.apps).map(([client, a]) => [client, { appID: a.appID, appSecret: a.appSecret }]),
        ),
        // The same credentials as `mock.apps`; the rest of the corp is under `wecom`.
        wecom: wecomApp(ctx.wecom, 'wecom'),
        wecomOther: wecomApp(ctx.wecom, 'wecomOther'),
      },
      users: ctx.users.map((u) => ({
        key: u.key,
        nickname: u.nickname,
        snapshot: u.snapshot,
        miniprogramOpenid: openidFor(ctx.apps.miniprogram.appID, u.key),
      })),
      wecom: wecomDescription(ctx.wecom, ctx.url),
    }),
  ],
]);

const POST_ROUTES: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['/__mock/reset-stats', (ctx) => (ctx.resetStats(), ok)],
  ['/__mock/reset', (ctx) => (ctx.reset(), ok)],
  [
    '/__mock/fault',
    (ctx, p) => {
      const rawKind = typeof p.kind === 'number' ? String(p.kind) : typeof p.kind === 'string' ? p.kind : '';
      // Named kinds win, so `kind=502` is the HTTP 502 fault rather than errcode 502.
      const kind: unknown = isFaultKind(rawKind) || !/^-?\d+$/.test(rawKind) ? rawKind : Number(rawKind);
      const path = p.path;
      if (typeof path !== 'string' || path === '' || !isFaultKind(kind))
        throw new BadRequest('need path and a valid kind');
      ctx.faults.set(path, kind, Number(p.count ?? '1'));
      return ok;
    },
  ],
  [
    '/__mock/auto-consent',
    (ctx, p) => {
      // No user clears it: the consent page is shown again.
      if (p.user === undefined || p.user === '' || p.user === null) return ((ctx.autoConsent = null), ok);
      const user = requireUser(ctx, text(p, 'user'), 'auto-consent');
      const decision = p.decision ?? 'allow';
      if (decision !== 'allow' && decision !== 'deny') throw new BadRequest('decision must be allow or deny');
      ctx.autoConsent = { user: user.key, decision };
      return ok;
    },
  ],
  ...WECOM_CONTROL_ROUTES,
  ['/__mock/miniprogram/login', (ctx, p) => ({ code: mintJsCode(ctx, text(p, 'user')) })],
  // What SendAuth.Resp carries on success (miniprogram-protocol.md §6.1).
  [
    '/__mock/app/login',
    (ctx, p) => ({
      errCode: 0,
      code: mintAppCode(ctx, text(p, 'user')),
      state: typeof p.state === 'string' ? p.state : '',
      lang: 'zh_CN',
      country: 'CN',
    }),
  ],
  ['/__mock/miniprogram/phone-code', (ctx, p) => ({ code: mintPhoneCode(ctx, text(p, 'user')) })],
  [
    '/__mock/miniprogram/encrypted-data',
    (ctx, p) => {
      const data = p.data ?? {};
      if (data === null || typeof data !== 'object' || Array.isArray(data))
        throw new BadRequest('data must be a JSON object');
      return encryptOpenData(ctx, text(p, 'user'), data as Record<string, unknown>);
    },
  ],
  [
    '/__mock/miniprogram/blocked',
    (ctx, p) => {
      const user = requireUser(ctx, text(p, 'user'), 'blocked');
      const blocked = p.blocked === undefined || p.blocked === true || p.blocked === 'true' || p.blocked === '1';
      if (blocked) ctx.miniProgram.blocked.add(user.key);
      else ctx.miniProgram.blocked.delete(user.key);
      return ok;
    },
  ],
]);

/** Query parameters, overlaid by a JSON object body when there is one. */
async function paramsOf(req: IncomingMessage, q: URLSearchParams): Promise<Params> {
  const params: Params = Object.fromEntries(q);
  if (req.method !== 'POST') return params;
  const body = (await readText(req, 64 * 1024)).trim();
  if (body === '') return params;
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequest('the body must be a JSON object');
  return { ...params, ...(parsed as Params) };
}

export async function handleControl(
  ctx: EmulatorContext,
  path: string,
  req: IncomingMessage,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  const get = GET_ROUTES.get(path);
  const post = POST_ROUTES.get(path);
  if (get) return isGet ? send(res, 200, JSON_UTF8, JSON.stringify(get(ctx, {}))) : methodNotAllowed(res, 'GET');
  if (!post) return notFound(res);
  if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
  try {
    send(res, 200, JSON_UTF8, JSON.stringify(post(ctx, await paramsOf(req, q))));
  } catch (err) {
    // Unknown users, bad JSON, a missing parameter: the caller's mistake, said plainly.
    const message = err instanceof TypeError || err instanceof SyntaxError ? err.message : 'control request failed';
    send(res, 400, JSON_UTF8, JSON.stringify({ ok: false, error: message }));
  }
}
