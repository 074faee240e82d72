/**
 * The authorize endpoints (`/connect/oauth2/authorize`, `/connect/qrconnect`) and the consent step
 * (`/connect/confirm`) that issues authorization codes. Protocol doc §1, §9.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openidFor, type AppRecord } from './apps.js';
import type { EmulatorContext, PendingAuth } from './context.js';
import { readForm, redirect, sendHtml } from './http.js';
import { randomCode, randomOpenid, randomUuid } from './ids.js';
import { consentPage, deniedPage, errorPage, qrconnectPage, type ErrorPageInput } from './pages.js';
import { qrDataURL } from './qr.js';
import type { MockUser } from './types.js';

export type AuthorizeEndpoint = 'oauth2' | 'qrconnect';

/** WeChat matches the authorize URL with a strict regex: parameters must come in this order (§1.2). */
const CANONICAL_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state'];

const SCOPES: Readonly<Record<AppRecord['client'], readonly string[]>> = {
  mp: ['snsapi_base', 'snsapi_userinfo'],
  web: ['snsapi_login'],
  // Neither has a web authorize page: wx.login and the native SDK hand out their codes (miniprogram-protocol.md §6).
  miniprogram: [],
  app: [],
};

/** Pending consent lifetime: the website QR code expires after 5 minutes (§1.4); the in-WeChat sheet is given 10. */
const PENDING_TTL_MS: Readonly<Record<AppRecord['client'], number>> = {
  mp: 10 * 60_000,
  web: 5 * 60_000,
  miniprogram: 0,
  app: 0,
};

/** State rule of Official Account authorization: `[a-zA-Z0-9]`, at most 128 bytes (§1.2). */
const MP_STATE_RE = /^[A-Za-z0-9]{0,128}$/;

const ERR = {
  noAppid: { code: 10012, zh: 'appid不能为空', en: 'appid must not be empty' },
  noRedirect: { code: 10011, zh: 'redirect_uri不能为空', en: 'redirect_uri must not be empty' },
  noScope: { code: 10010, zh: 'scope不能为空', en: 'scope must not be empty' },
  badScope: {
    code: 10005,
    zh: '此公众号并没有这些scope的权限',
    en: 'This account does not have permission for this scope',
  },
  openPlatformAppid: {
    code: 10016,
    zh: '不支持微信开放平台的Appid，请使用公众号Appid',
    en: 'Open Platform appids are not supported here; use an Official Account appid',
  },
  badDomain: {
    code: 10003,
    zh: 'redirect_uri域名与后台配置不一致',
    en: 'redirect_uri domain does not match the configured domain',
  },
  scopePage: {
    code: null,
    zh: 'Scope 参数错误或没有 Scope 权限',
    en: 'Invalid scope parameter or no permission for this scope',
  },
  unknownAppid: {
    code: 40013,
    zh: '该链接无法访问（appid 参数错误）',
    en: 'This link cannot be accessed (invalid appid)',
  },
  badResponseType: {
    code: null,
    zh: '该链接无法访问（response_type 参数错误）',
    en: 'This link cannot be accessed (response_type must be code)',
  },
  longState: { code: null, zh: 'state参数过长', en: 'state parameter is too long' },
  expired: {
    code: null,
    zh: '二维码已失效，请返回重新发起授权',
    en: 'This authorization request has expired; start again',
  },
  unknownUser: { code: null, zh: '未知的测试用户', en: 'Unknown test user' },
  badDecision: { code: null, zh: '无效的操作', en: 'decision must be allow or deny' },
} satisfies Record<string, ErrorPageInput>;

function showError(res: ServerResponse, e: ErrorPageInput, status = 200): void {
  sendHtml(res, status, errorPage(e));
}

/** True when the canonical parameters that are present come first and in canonical order. */
function inCanonicalOrder(params: URLSearchParams): boolean {
  const present = CANONICAL_ORDER.filter((k) => params.has(k));
  const keys = [...params.keys()].slice(0, present.length);
  return present.every((k, i) => keys[i] === k);
}

/**
 * WeChat appends `code`/`state` with `?` or `&`, and before any `#fragment` of redirect_uri (§1.2),
 * which is what SPA hash routes rely on.
 */
export function appendToRedirect(uri: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  const hash = uri.indexOf('#');
  const base = hash < 0 ? uri : uri.slice(0, hash);
  const fragment = hash < 0 ? '' : uri.slice(hash);
  if (pairs.length === 0) return uri;
  const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return base + sep + query + fragment;
}

/**
 * Validates an authorize request in roughly the order WeChat reports problems. Returns the error to
 * show, or the validated request.
 */
function validate(
  ctx: EmulatorContext,
  endpoint: AuthorizeEndpoint,
  q: URLSearchParams,
): ErrorPageInput | Omit<PendingAuth, 'expiresAt'> {
  // wxLogin.js builds its iframe URL with its own parameter order and without response_type (§1.4).
  const jssdk = endpoint === 'qrconnect' && q.get('login_type') === 'jssdk';
  const appid = q.get('appid');
  const redirectURI = q.get('redirect_uri');
  const scope = q.get('scope');
  if (!appid) return ERR.noAppid;
  if (!redirectURI) return ERR.noRedirect;
  if (!scope) return ERR.noScope;
  if (ctx.settings.strictParamOrder && !jssdk && !inCanonicalOrder(q)) return ERR.scopePage;
  const app = ctx.appsByID.get(appid);
  if (!app) return ERR.unknownAppid;
  if (endpoint === 'oauth2' && app.client === 'web') return ERR.openPlatformAppid;
  if (endpoint === 'qrconnect' && app.client === 'mp') return ERR.scopePage;
  if (!SCOPES[app.client].includes(scope)) return ERR.badScope;
  if (!jssdk && q.get('response_type') !== 'code') return ERR.badResponseType;
  let host: string;
  try {
    host = new URL(redirectURI).hostname.toLowerCase();
  } catch {
    return ERR.badDomain;
  }
  // Deviation: real WeChat rejects any port with 10003 (§1.3); local apps need one, so only the hostname is compared.
  if (!app.domains.includes(host)) return ERR.badDomain;
  const state = q.get('state') ?? undefined;
  // The long-state error page is specific to Official Account authorization; website apps pass long states (§1.2).
  if (app.client === 'mp' && state !== undefined && !MP_STATE_RE.test(state)) return ERR.longState;
  return { app, redirectURI, scope, state };
}

function issueCode(ctx: EmulatorContext, auth: Omit<PendingAuth, 'expiresAt'>, user: MockUser): string {
  const code = randomCode();
  // Snapshot-page users get a fresh virtual openid/unionid on every authorization (§3.4).
  ctx.codes.set(code, {
    app: auth.app,
    user,
    scope: auth.scope,
    openid: user.snapshot ? randomOpenid() : openidFor(auth.app.appID, user.key),
    unionid: user.snapshot ? randomOpenid() : user.unionid,
    snapshot: user.snapshot,
    used: false,
    expiresAt: Date.now() + auth.app.codeTtlMs,
  });
  return code;
}

function statePairs(state: string | undefined): Array<[string, string]> {
  return state === undefined ? [] : [['state', state]];
}

function allow(ctx: EmulatorContext, res: ServerResponse, auth: Omit<PendingAuth, 'expiresAt'>, user: MockUser): void {
  const code = issueCode(ctx, auth, user);
  redirect(res, appendToRedirect(auth.redirectURI, [['code', code], ...statePairs(auth.state)]));
}

function deny(ctx: EmulatorContext, res: ServerResponse, auth: Omit<PendingAuth, 'expiresAt'>): void {
  if (ctx.settings.denyBehavior === 'stay') sendHtml(res, 200, deniedPage());
  // Documented behaviour (§1.5): back to the callback with state only, no code.
  else redirect(res, appendToRedirect(auth.redirectURI, statePairs(auth.state)));
}

export async function handleAuthorize(
  ctx: EmulatorContext,
  endpoint: AuthorizeEndpoint,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const v = validate(ctx, endpoint, q);
  if ('zh' in v) return showError(res, v);
  const auto = ctx.autoConsent;
  if (auto) {
    const user = ctx.usersByKey.get(auto.user) as MockUser;
    return auto.decision === 'allow' ? allow(ctx, res, v, user) : deny(ctx, res, v);
  }
  // snsapi_base is silent: no consent sheet, the default user is approved at once (§1.1).
  if (v.scope === 'snsapi_base') return allow(ctx, res, v, ctx.defaultUser);
  const uuid = randomUuid();
  ctx.pending.set(uuid, { ...v, expiresAt: Date.now() + PENDING_TTL_MS[v.app.client] });
  if (endpoint === 'oauth2') {
    return sendHtml(
      res,
      200,
      consentPage({ appID: v.app.appID, scope: v.scope, uuid, users: ctx.users, defaultUserKey: ctx.defaultUser.key }),
    );
  }
  // Like WeChat, the QR code encodes the /connect/confirm URL the phone would open (§1.4).
  const confirmURL = `${ctx.url}/connect/confirm?uuid=${uuid}`;
  sendHtml(res, 200, qrconnectPage({ uuid, qrDataURL: await qrDataURL(confirmURL), confirmURL }));
}

/**
 * `/connect/confirm`: GET with only `uuid` shows the consent sheet (what scanning the QR code opens);
 * POST (the consent form) or GET with `decision` completes the authorization.
 */
export async function handleConfirm(
  ctx: EmulatorContext,
  req: IncomingMessage,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const params = req.method === 'POST' ? await readForm(req) : q;
  const uuid = params.get('uuid') ?? '';
  const pending = ctx.pending.get(uuid);
  if (!pending || pending.expiresAt <= Date.now()) return showError(res, ERR.expired);
  const decision = params.get('decision');
  if (decision === null) {
    return sendHtml(
      res,
      200,
      consentPage({
        appID: pending.app.appID,
        scope: pending.scope,
        uuid,
        users: ctx.users,
        defaultUserKey: ctx.defaultUser.key,
      }),
    );
  }
  if (decision !== 'allow' && decision !== 'deny') return showError(res, ERR.badDecision, 400);
  const userKey = params.get('user');
  const user = userKey === null ? ctx.defaultUser : ctx.usersByKey.get(userKey);
  if (!user) return showError(res, ERR.unknownUser, 400);
  // One decision per request: a second submit of the same sheet finds nothing.
  ctx.pending.delete(uuid);
  if (decision === 'allow') allow(ctx, res, pending, user);
  else deny(ctx, res, pending);
}
