/**
 * The `/sns/*` APIs (api.weixin.qq.com and its api2 disaster-recovery twin share one state).
 * Protocol doc §2, §3, §4, §6. Every error is HTTP 200 with an errcode body.
 */
import type { Grant, EmulatorContext } from './context.js';
import { randomToken } from './ids.js';
import { errorBody, wechatJson } from './json.js';

export interface ApiRoute {
  /** `/sns/oauth2/*` and `/sns/userinfo` historically answer JSON as `text/plain` (§2.5); jscode2session as JSON. */
  readonly contentType: string;
  handle(ctx: EmulatorContext, q: URLSearchParams): string;
}

const TEXT = 'text/plain';
const JSON_UTF8 = 'application/json; charset=utf-8';

function ttlSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** unionid in the token response: bound apps only, and for Official Accounts only with snsapi_userinfo (§2.3, §7). */
function tokenRevealsUnionid(g: Grant): boolean {
  return g.app.boundToOpenPlatform && (g.app.client === 'web' || g.scope === 'snsapi_userinfo');
}

type CodeRecord = NonNullable<ReturnType<EmulatorContext['codes']['get']>>;

/**
 * Checks appid/secret/grant_type and redeems a single-use code (shared by the OAuth token
 * exchange and jscode2session). Returns the code's record, or the errcode body to answer.
 */
function redeemCode(
  ctx: EmulatorContext,
  q: URLSearchParams,
  codeParam: 'code' | 'js_code',
  /** An errcode body that refuses the code before it is consumed (a blocked user, a spent quota). */
  refuse?: (rec: CodeRecord) => string | undefined,
): { rec: CodeRecord } | { error: string } {
  const appid = q.get('appid');
  const secret = q.get('secret');
  const code = q.get(codeParam);
  if (!appid) return { error: errorBody(41002) };
  if (!secret) return { error: errorBody(41004) };
  if (!code) return { error: errorBody(41008) };
  const app = ctx.appsByID.get(appid);
  if (!app) return { error: errorBody(40013) };
  if (secret !== app.appSecret) return { error: errorBody(40125) };
  if (q.get('grant_type') !== 'authorization_code') return { error: errorBody(40002) };
  const now = Date.now();
  const rec = ctx.codes.get(code, now);
  // Unknown, expired and other-app codes all answer 40029 (§2.2); only a reuse answers 40163.
  if (!rec || rec.app !== app || rec.expiresAt <= now) return { error: errorBody(40029) };
  if (rec.used) return { error: errorBody(40163) };
  const refused = refuse?.(rec);
  if (refused !== undefined) return { error: refused };
  rec.used = true;
  return { rec };
}

function accessToken(ctx: EmulatorContext, q: URLSearchParams): string {
  const redeemed = redeemCode(ctx, q, 'code');
  if ('error' in redeemed) return redeemed.error;
  // The token keeps the code's grant, not its single-use bookkeeping.
  const { used: _used, expiresAt: _expiresAt, ...grant } = redeemed.rec;
  const now = Date.now();
  const access = randomToken();
  const refresh = randomToken();
  ctx.accessTokens.set(access, { grant, expiresAt: now + ctx.settings.accessTtlMs }, now);
  ctx.refreshTokens.set(refresh, { grant, accessToken: access, expiresAt: now + ctx.settings.refreshTtlMs }, now);
  // Field order as captured from real responses: … scope, unionid, is_snapshotuser (§2.3).
  const body: Record<string, string | number> = {
    access_token: access,
    expires_in: ttlSeconds(ctx.settings.accessTtlMs),
    refresh_token: refresh,
    openid: grant.openid,
    scope: grant.scope,
  };
  if (tokenRevealsUnionid(grant)) body.unionid = grant.unionid;
  if (grant.snapshot) body.is_snapshotuser = 1;
  return wechatJson(body);
}

/** No `secret` on refresh (§3.1). An unexpired access token is kept and its TTL reset; otherwise a new one is minted. */
function refreshToken(ctx: EmulatorContext, q: URLSearchParams): string {
  const appid = q.get('appid');
  const token = q.get('refresh_token');
  if (!appid) return errorBody(41002);
  if (!token) return errorBody(41003);
  const app = ctx.appsByID.get(appid);
  if (!app) return errorBody(40013);
  if (q.get('grant_type') !== 'refresh_token') return errorBody(40002);
  const now = Date.now();
  const rec = ctx.refreshTokens.get(token, now);
  if (!rec || rec.grant.app !== app) return errorBody(40030);
  if (rec.expiresAt <= now) return errorBody(42002);
  const current = ctx.accessTokens.get(rec.accessToken, now);
  const expiresAt = now + ctx.settings.accessTtlMs;
  if (current && current.expiresAt > now) {
    current.expiresAt = expiresAt;
    ctx.accessTokens.set(rec.accessToken, current, now);
  } else {
    ctx.accessTokens.delete(rec.accessToken);
    rec.accessToken = randomToken();
    ctx.accessTokens.set(rec.accessToken, { grant: rec.grant, expiresAt }, now);
  }
  // The refresh response never carries unionid or is_snapshotuser (§3.1).
  return wechatJson({
    access_token: rec.accessToken,
    expires_in: ttlSeconds(ctx.settings.accessTtlMs),
    refresh_token: token,
    openid: rec.grant.openid,
    scope: rec.grant.scope,
  });
}

/** Shared checks of /sns/auth and /sns/userinfo: the token must be known, unexpired and belong to `openid`. */
function checkAccess(ctx: EmulatorContext, q: URLSearchParams): Grant | string {
  const token = q.get('access_token');
  const openid = q.get('openid');
  if (!token) return errorBody(41001);
  if (!openid) return errorBody(41009);
  const now = Date.now();
  const rec = ctx.accessTokens.get(token, now);
  if (!rec) return errorBody(40014);
  if (rec.expiresAt <= now) return errorBody(42001);
  if (rec.grant.openid !== openid) return errorBody(40003);
  return rec.grant;
}

function auth(ctx: EmulatorContext, q: URLSearchParams): string {
  const g = checkAccess(ctx, q);
  // The only endpoint whose success carries errcode 0 (§3.2).
  return typeof g === 'string' ? g : wechatJson({ errcode: 0, errmsg: 'ok' });
}

function userinfo(ctx: EmulatorContext, q: URLSearchParams): string {
  const g = checkAccess(ctx, q);
  if (typeof g === 'string') return g;
  // snsapi_base tokens may not read the profile (§3.3); snapshot tokens optionally neither (§3.4).
  if (g.scope === 'snsapi_base') return errorBody(48001);
  if (g.snapshot && ctx.settings.snapshotUserinfo === '48001') return errorBody(48001);
  // Post-2021-10-20 values: sex 0, empty language/region, no privileges (§3.3). `lang` is accepted and ignored.
  const body: Record<string, string | number | string[]> = {
    openid: g.openid,
    nickname: g.snapshot ? '微信用户' : g.user.nickname,
    sex: 0,
    language: '',
    city: '',
    province: '',
    country: '',
    headimgurl: `${ctx.url}/avatar/${g.snapshot ? '_virtual' : g.user.key}.svg`,
    privilege: [],
  };
  if (g.app.boundToOpenPlatform) body.unionid = g.unionid;
  return wechatJson(body);
}

/**
 * Mini Program login (§6; miniprogram-protocol.md §1): codes from `miniProgramLogin`, and for
 * compatibility any code issued to the same appid. Answers the user's *current* session_key (the
 * one the latest `wx.login` created); 40226 for a blocked user, 45011 past the per-user quota.
 */
function jscode2session(ctx: EmulatorContext, q: URLSearchParams): string {
  const refuse = (rec: CodeRecord): string | undefined => {
    if (ctx.miniProgram.blocked.has(rec.user.key)) return errorBody(40226);
    if (!ctx.miniProgram.takeQuota(rec.user.key, ctx.settings.miniProgramQuotaPerMinute)) return errorBody(45011);
    return undefined;
  };
  const redeemed = redeemCode(ctx, q, 'js_code', refuse);
  if ('error' in redeemed) return redeemed.error;
  const { rec } = redeemed;
  const body: Record<string, string> = {
    session_key: ctx.miniProgram.sessionKey(rec.openid, false),
    openid: rec.openid,
  };
  if (rec.app.boundToOpenPlatform) body.unionid = rec.unionid;
  return wechatJson(body);
}

export const API_ROUTES: ReadonlyMap<string, ApiRoute> = new Map<string, ApiRoute>([
  ['/sns/oauth2/access_token', { contentType: TEXT, handle: accessToken }],
  ['/sns/oauth2/refresh_token', { contentType: TEXT, handle: refreshToken }],
  ['/sns/auth', { contentType: TEXT, handle: auth }],
  ['/sns/userinfo', { contentType: TEXT, handle: userinfo }],
  ['/sns/jscode2session', { contentType: JSON_UTF8, handle: jscode2session }],
]);
