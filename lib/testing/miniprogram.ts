/**
 * The helpers that mint what a real device would get from `wx.login`, SendAuth and `getPhoneNumber`
 * (miniprogram-protocol.md §1–§4, §7). The state they write lives in `miniprogram-state.ts`.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import type { AppRecord } from './apps.js';
import { openidFor } from './apps.js';
import type { EmulatorContext } from './context.js';
import { randomCode } from './ids.js';
import type { MockUser } from './types.js';

const PHONE_CODE_TTL_MS = 5 * 60_000;

export function requireUser(ctx: EmulatorContext, userKey: string, helper: string): MockUser {
  const user = typeof userKey === 'string' ? ctx.usersByKey.get(userKey) : undefined;
  if (!user) throw new TypeError(`${helper}: unknown user ${JSON.stringify(userKey)}`);
  return user;
}

/** A single-use code for `app` and `user`, redeemable at the endpoint that app uses. */
function issueCode(ctx: EmulatorContext, app: AppRecord, user: MockUser, scope: string): string {
  const code = randomCode();
  ctx.codes.set(code, {
    app,
    user,
    scope,
    openid: openidFor(app.appID, user.key),
    unionid: user.unionid,
    snapshot: false,
    used: false,
    expiresAt: Date.now() + app.codeTtlMs,
  });
  return code;
}

/** `wx.login`: a js_code, and a new session_key that replaces the user's old one (§2.1, "rotate: always"). */
export function mintJsCode(ctx: EmulatorContext, userKey: string): string {
  const user = requireUser(ctx, userKey, 'miniProgramLogin');
  const app = ctx.apps.miniprogram;
  ctx.miniProgram.sessionKey(openidFor(app.appID, user.key), true);
  return issueCode(ctx, app, user, '');
}

/** SendAuth: the scope is always snsapi_userinfo (§6.1). */
export function mintAppCode(ctx: EmulatorContext, userKey: string): string {
  return issueCode(ctx, ctx.apps.app, requireUser(ctx, userKey, 'appLogin'), 'snsapi_userinfo');
}

/** `getPhoneNumber`'s code: 64 hex characters like the documented sample (§4.2). */
export function mintPhoneCode(ctx: EmulatorContext, userKey: string): string {
  const user = requireUser(ctx, userKey, 'phoneCode');
  const code = randomBytes(32).toString('hex');
  ctx.miniProgram.phoneCodes.set(code, {
    app: ctx.apps.miniprogram,
    user,
    used: false,
    expiresAt: Date.now() + PHONE_CODE_TTL_MS,
  });
  return code;
}

/** AES-128-CBC / PKCS#7 under the user's current session_key, watermark last (§3.1, §3.2). */
export function encryptOpenData(
  ctx: EmulatorContext,
  userKey: string,
  data: Record<string, unknown>,
): { encryptedData: string; iv: string } {
  const user = requireUser(ctx, userKey, 'encryptedDataFor');
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new TypeError('encryptedDataFor: data must be an object');
  const app = ctx.apps.miniprogram;
  const sessionKey = ctx.miniProgram.sessionKey(openidFor(app.appID, user.key), false);
  const { watermark, ...fields } = data;
  const plain = JSON.stringify({
    ...fields,
    watermark: watermark ?? { timestamp: Math.floor(Date.now() / 1000), appid: app.appID },
  });
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv);
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') };
}
