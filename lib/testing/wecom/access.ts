/**
 * The corp token: `GET /cgi-bin/gettoken` and the token + trusted-IP check every other qyapi call
 * starts with (wecom-protocol.md §2, §7 "gettoken", "auth/getuserinfo").
 */
import { wecomError, wecomOk, type WeComReply } from './envelope.js';
import type { WeComAppRecord } from './fixture.js';
import type { WeComApiRequest } from './request.js';
import type { WeComState } from './state.js';

/**
 * 企业可信IP (§2.3): with IPs configured, other callers get 60020; with none, only apps created on or
 * after 2022-06-20 are refused (they must configure some before calling APIs).
 */
export function ipRefused(app: WeComAppRecord, ip: string): boolean {
  return app.trustedIPs.length === 0 ? app.createdAfter20220620 : !app.trustedIPs.includes(ip);
}

/** `gettoken?corpid&corpsecret`: one token per app secret, the same one while it is valid (§2.1, §2.2). */
export function gettoken(w: WeComState, { query: q, ip }: WeComApiRequest): WeComReply {
  const corpid = q.get('corpid');
  const secret = q.get('corpsecret');
  if (!corpid) return wecomError(41002, ip);
  if (!secret) return wecomError(41004, ip);
  if (corpid !== w.corpID) return wecomError(40013, ip);
  const app = w.appBySecret(secret);
  // ⚠️ Whether a wrong secret answers 40001 or 40091 today is unknown (§2.4); 40001 is the common capture.
  if (!app) return wecomError(40001, ip);
  if (!app.enabled) return wecomError(50003, ip);
  if (ipRefused(app, ip)) return wecomError(60020, ip);
  const now = Date.now();
  const { token, expiresAt } = w.tokenFor(app, now);
  return wecomOk({ access_token: token, expires_in: Math.ceil((expiresAt - now) / 1000) });
}

/** The app owning the call's access_token: 41001 missing → 40014 unknown → 42001 expired → 60020 (§7). */
export function checkToken(w: WeComState, { query: q, ip }: WeComApiRequest): WeComAppRecord | WeComReply {
  const token = q.get('access_token');
  if (!token) return wecomError(41001, ip);
  const now = Date.now();
  const rec = w.tokens.get(token, now);
  if (!rec) return wecomError(40014, ip);
  if (rec.expiresAt <= now) return wecomError(w.settings.expiredToken, ip);
  if (ipRefused(rec.app, ip)) return wecomError(60020, ip);
  return rec.app;
}

export function isReply(v: WeComAppRecord | WeComReply): v is WeComReply {
  return 'body' in v;
}
