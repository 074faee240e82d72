/**
 * Code → identity and ticket → detail (wecom-protocol.md §3.1–§3.3, §7): `GET /cgi-bin/auth/getuserinfo`,
 * the old PascalCase `GET /cgi-bin/user/getuserinfo`, `POST /cgi-bin/auth/getuserdetail` and the old
 * `POST /cgi-bin/user/getuserdetail`.
 */
import { randomBytes } from 'node:crypto';
import { checkToken, isReply } from './access.js';
import { hostTrusted } from './domains.js';
import { wecomError, wecomOk, type WeComReply } from './envelope.js';
import type { WeComAppRecord } from './fixture.js';
import { basicFields, sensitiveFields } from './profile.js';
import type { WeComApiRequest } from './request.js';
import type { WeComCodeRecord, WeComState } from './state.js';

/**
 * Redeems the call's code for the token's app. Every bad code (unknown, used, expired) is 40029 —
 * WeCom has no 40163 (§3.1). A code whose redirect host the token's app does not trust is 50001
 * (§1.5) and stays unused (⚠️ undocumented), so the right app can still redeem it.
 */
function redeem(w: WeComState, r: WeComApiRequest, app: WeComAppRecord): WeComCodeRecord | WeComReply {
  const code = r.query.get('code');
  if (!code) return wecomError(41008, r.ip);
  const now = Date.now();
  const rec = w.codes.get(code, now);
  if (!rec || rec.used || rec.expiresAt <= now) return wecomError(40029, r.ip);
  if (!hostTrusted(app.domains, rec.redirectHost)) return wecomError(50001, r.ip);
  rec.used = true;
  return rec;
}

/**
 * A user_ticket only for snsapi_privateinfo, a member (not linked-corp) in the agent's visible range,
 * and an agent with sensitive fields enabled (§3.1, §3.3). Valid 1800 s, ≤512 bytes.
 */
function ticketFor(w: WeComState, rec: WeComCodeRecord): string | undefined {
  const { app, user } = rec;
  if (rec.scope !== 'snsapi_privateinfo' || user.kind !== 'member' || !app) return undefined;
  if (!app.visible.has((user.userid as string).toLowerCase()) || app.sensitiveFields.length === 0) return undefined;
  const ticket = randomBytes(48).toString('base64url');
  w.tickets.set(ticket, { user, app, expiresAt: Date.now() + w.settings.ticketTtlMs });
  return ticket;
}

function exchange(w: WeComState, r: WeComApiRequest): { rec: WeComCodeRecord; ticket?: string } | WeComReply {
  const app = checkToken(w, r);
  if (isReply(app)) return app;
  const rec = redeem(w, r, app);
  if ('body' in rec) return rec;
  return { rec, ticket: ticketFor(w, rec) };
}

/** Lowercase keys; member `{userid[, user_ticket]}`, non-member `{openid[, external_userid]}`; no expires_in (§3.1). */
export function authGetuserinfo(w: WeComState, r: WeComApiRequest): WeComReply {
  const x = exchange(w, r);
  if ('body' in x) return x;
  const { user } = x.rec;
  if (user.kind === 'guest') {
    return wecomOk(
      user.externalUserID === undefined
        ? { openid: user.openid }
        : { openid: user.openid, external_userid: user.externalUserID },
    );
  }
  return wecomOk(x.ticket === undefined ? { userid: user.userid } : { userid: user.userid, user_ticket: x.ticket });
}

/** The old endpoint: PascalCase `UserId`/`OpenId` + `DeviceId`, and `expires_in` beside a ticket (§3.2). */
export function userGetuserinfo(w: WeComState, r: WeComApiRequest): WeComReply {
  const x = exchange(w, r);
  if ('body' in x) return x;
  const { user } = x.rec;
  if (user.kind === 'guest') {
    const body: Record<string, unknown> = { OpenId: user.openid, DeviceId: '' };
    if (user.externalUserID !== undefined) body.external_userid = user.externalUserID;
    return wecomOk(body);
  }
  const body: Record<string, unknown> = { UserId: user.userid, DeviceId: '' };
  if (x.ticket !== undefined) {
    body.user_ticket = x.ticket;
    body.expires_in = Math.ceil(w.settings.ticketTtlMs / 1000);
  }
  return wecomOk(body);
}

/**
 * `POST …getuserdetail` with JSON `{"user_ticket"}`: 84090 missing, 84015 unknown or another agent's,
 * 84014 expired (§3.3). Only the fields the token's agent enabled; `gender` a string; **no `name`**,
 * except on the old endpoint, which also returned name, department and position.
 */
function detail(w: WeComState, r: WeComApiRequest, old: boolean): WeComReply {
  const app = checkToken(w, r);
  if (isReply(app)) return app;
  if (r.method !== 'POST') return wecomError(43002, r.ip);
  let ticket: unknown;
  try {
    const parsed: unknown = JSON.parse(r.body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return wecomError(47001, r.ip);
    ticket = (parsed as { user_ticket?: unknown }).user_ticket;
  } catch {
    return wecomError(47001, r.ip);
  }
  if (typeof ticket !== 'string' || ticket === '') return wecomError(84090, r.ip);
  const now = Date.now();
  const rec = w.tickets.get(ticket, now);
  if (!rec || rec.app !== app) return wecomError(84015, r.ip);
  if (rec.expiresAt <= now) return wecomError(84014, r.ip);
  const enabled = new Set(app.sensitiveFields);
  const body: Record<string, unknown> = { userid: rec.user.userid, ...(old ? basicFields(rec.user) : {}) };
  for (const [field, value] of sensitiveFields(rec.user, r.baseURL)) if (enabled.has(field)) body[field] = value;
  return wecomOk(body);
}

export const authGetuserdetail = (w: WeComState, r: WeComApiRequest): WeComReply => detail(w, r, false);
export const userGetuserdetail = (w: WeComState, r: WeComApiRequest): WeComReply => detail(w, r, true);
