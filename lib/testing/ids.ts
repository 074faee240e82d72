/**
 * Identifier formats that look like WeChat's (protocol doc §2.3). None of them is documented by
 * WeChat, so clients must treat them as opaque; the emulator only mimics their shape so that
 * length/charset assumptions in client code surface in tests.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Token prefix: real tokens carry a numeric generation prefix shared by access and refresh token (`83_` in 2024). */
const TOKEN_PREFIX = '83_';

/** Authorization code: 32 chars `[A-Za-z0-9]`, e.g. `0314XhHa1GCz4G0lEiJa1RNeEC04XhHK`. */
export function randomCode(): string {
  const bytes = randomBytes(32);
  let out = '';
  // The modulo bias is irrelevant for a test double.
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Access/refresh token: `NN_` + 86 chars `[A-Za-z0-9_-]`. */
export function randomToken(): string {
  return TOKEN_PREFIX + randomBytes(64).toString('base64url');
}

/** A random openid/unionid-shaped id (28 chars, starts with `o`), used for snapshot users' virtual ids (§3.4). */
export function randomOpenid(): string {
  return 'o' + randomBytes(21).toString('base64url').slice(0, 27);
}

/** A stable openid/unionid-shaped id derived from `seed`. */
export function derivedId(seed: string): string {
  return 'o' + createHash('sha256').update(seed).digest('base64url').slice(0, 27);
}

/** `session_key` of jscode2session: base64 of 16 bytes (§6). */
export function randomSessionKey(): string {
  return randomBytes(16).toString('base64');
}

/** Opaque id for pending authorizations / QR codes (~16 chars, may contain `_`/`-`, §1.4). */
export function randomUuid(): string {
  return randomBytes(12).toString('base64url');
}

/** The `rid` trace suffix WeChat appends to errmsg since ~2019: `xxxxxxxx-xxxxxxxx-xxxxxxxx` (§2.4). */
export function randomRid(): string {
  const hex = randomBytes(12).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}
