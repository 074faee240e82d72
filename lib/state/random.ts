import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` random characters from `[A-Za-z0-9]`, the only characters WeChat
 * returns intact in `state` (wechat-protocol.md §1.2). Rejection sampling
 * keeps the distribution uniform (256 is not a multiple of 62).
 */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
