/**
 * Server access tokens (`/cgi-bin/token`, `/cgi-bin/stable_token`) and the token check every
 * `/wxa/*` API makes (miniprogram-protocol.md §5, §7). The two families are isolated: a token of
 * one never displaces a token of the other.
 */
import type { AppRecord } from './apps.js';
import type { EmulatorContext } from './context.js';
import { errorBody, wechatJson } from './json.js';

/** `/cgi-bin/token` leaves the previous token alive this long (§5, "old lives ≤5 min"). */
const OVERLAP_MS = 5 * 60_000;
/** Forced refreshes: at most 20 a day, at least 30 s apart (§5). */
const FORCE_PER_DAY = 20;
const FORCE_SPACING_MS = 30_000;
const DAY_MS = 24 * 3600_000;

/** appid/secret checks shared by both token endpoints; the app, or the errcode body. */
function credentials(ctx: EmulatorContext, grantType: unknown, appid: unknown, secret: unknown): AppRecord | string {
  if (typeof appid !== 'string' || appid === '') return errorBody(41002);
  if (typeof secret !== 'string' || secret === '') return errorBody(41004);
  if (grantType !== 'client_credential') return errorBody(40002);
  const app = ctx.appsByID.get(appid);
  if (!app) return errorBody(40013);
  if (secret !== app.appSecret) return errorBody(40125);
  return app;
}

function tokenBody(token: string, expiresAt: number, now: number): string {
  return wechatJson({ access_token: token, expires_in: Math.max(0, Math.ceil((expiresAt - now) / 1000)) });
}

/** `GET /cgi-bin/token`: every call issues a new token; the previous one lives 5 more minutes (§5). */
export function cgiToken(ctx: EmulatorContext, q: URLSearchParams): string {
  const app = credentials(ctx, q.get('grant_type'), q.get('appid'), q.get('secret'));
  if (typeof app === 'string') return app;
  const state = ctx.serverTokens;
  const now = Date.now();
  const previous = state.latestPlain.get(app.appID);
  const old = previous === undefined ? undefined : state.tokens.get(previous, now);
  if (old && old.expiresAt > now + OVERLAP_MS) old.expiresAt = now + OVERLAP_MS;
  const { token, expiresAt } = state.issue(app, now);
  state.latestPlain.set(app.appID, token);
  return tokenBody(token, expiresAt, now);
}

/**
 * `POST /cgi-bin/stable_token` (JSON only). Normal mode is idempotent: the current token with its
 * remaining life, renewed in its last 5 minutes (the old one overlaps). `force_refresh` kills the
 * old token at once; within 30 s of the previous force it changes nothing, and the 21st of a day
 * answers 45009 (§5; WeChat documents neither case's answer).
 */
export function stableToken(ctx: EmulatorContext, method: string, body: string): string {
  if (method !== 'POST') return errorBody(43002);
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    json =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
  } catch {
    // A form body reads as "appid missing" (§5, 41002).
    return errorBody(41002);
  }
  const app = credentials(ctx, json.grant_type, json.appid, json.secret);
  if (typeof app === 'string') return app;
  const tokens = ctx.serverTokens;
  const now = Date.now();
  let state = tokens.stable.get(app.appID);
  if (state && now - state.dayStart >= DAY_MS) state = { ...state, forcesToday: 0, dayStart: now };
  const live = state && state.expiresAt > now && tokens.tokens.get(state.token, now) ? state : undefined;
  if (json.force_refresh === true) {
    const forces = state?.forcesToday ?? 0;
    if (forces >= FORCE_PER_DAY) return errorBody(45009);
    if (!state || !live || now - state.lastForceAt >= FORCE_SPACING_MS) {
      if (state) tokens.tokens.delete(state.token);
      const fresh = tokens.issue(app, now);
      tokens.stable.set(app.appID, {
        token: fresh.token,
        expiresAt: fresh.expiresAt,
        lastForceAt: now,
        forcesToday: forces + 1,
        dayStart: state?.dayStart ?? now,
      });
      return tokenBody(fresh.token, fresh.expiresAt, now);
    }
  }
  if (live && (live.expiresAt - now > OVERLAP_MS || tokens.ttlMs <= OVERLAP_MS)) {
    tokens.stable.set(app.appID, live);
    return tokenBody(live.token, live.expiresAt, now);
  }
  const fresh = tokens.issue(app, now);
  tokens.stable.set(app.appID, {
    token: fresh.token,
    expiresAt: fresh.expiresAt,
    lastForceAt: state?.lastForceAt ?? 0,
    forcesToday: state?.forcesToday ?? 0,
    dayStart: state?.dayStart ?? now,
  });
  return tokenBody(fresh.token, fresh.expiresAt, now);
}

/** The app a `/wxa/*` call's access_token belongs to, or the errcode body: unknown 40001, expired 42001 (§7). */
export function checkServerToken(ctx: EmulatorContext, q: URLSearchParams): AppRecord | string {
  const token = q.get('access_token');
  if (!token) return errorBody(41001);
  const now = Date.now();
  const rec = ctx.serverTokens.tokens.get(token, now);
  if (!rec) return errorBody(40001);
  if (rec.expiresAt <= now) return errorBody(42001);
  return rec.app;
}
